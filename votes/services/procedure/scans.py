"""The stored scans behind deliveries (从多, §19) and written objections (§17), for staff.

The chain and the public pages carry only each scan's SHA-256; the file itself — a signed
receipt, a letter, possibly with names on it — is for the community's committee and the
district's regulator (authorised by the caller), each opening recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.canonical import parse_time
from votes.extensions import db
from votes.i18n import _
from votes.models import Evidence, FrozenUnit, Proposal
from votes.services import audit
from votes.services.errors import NotFound
from votes.services.labels import delivery_method_label, flat_label
from votes.services.procedure.common import entries_of
from votes.services.tx import unit_of_work


@dataclass(frozen=True)
class Scan:
    kind: str  # delivery / objection
    seq: int  # the chain entry that binds its digest
    units: str  # the voter's units, e.g. "1-1-101、1-1-201"
    detail: str  # how and when delivered; "书面异议" for an objection
    time: datetime
    entered_by: str
    digest: str

    @property
    def label(self) -> str:
        return _("送达凭证") if self.kind == "delivery" else _("书面异议扫描件")


def procedure_scans(proposal: Proposal) -> list[Scan]:
    """Every delivery's and every staff-entered objection's scan, in chain order."""
    entries = [s for s in entries_of(proposal, "delivery", "objection")
               if s.entry["body"].get("evidence")]
    if not entries:
        return []
    voters = {s.entry["body"]["voter"] for s in entries}
    units: dict[str, list[str]] = {}
    for voter, b, e, r in db.session.execute(
            select(FrozenUnit.voter_key, FrozenUnit.building, FrozenUnit.entrance,
                   FrozenUnit.room).where(FrozenUnit.proposal_id == proposal.id,
                                          FrozenUnit.voter_key.in_(voters))
            .order_by(FrozenUnit.id)):
        units.setdefault(voter, []).append(flat_label(b, e, r))
    out = []
    for s in entries:
        body = s.entry["body"]
        if s.entry["kind"] == "delivery":
            detail = delivery_method_label(body["method"])
            when = parse_time(body["delivered_at"])
        else:
            detail, when = _("书面异议"), parse_time(s.entry["time"])
        out.append(Scan(s.entry["kind"], s.seq, _("、").join(units.get(body["voter"], [])),
                        detail, when, body.get("entered_by") or "", body["evidence"]))
    return out


def open_scan(proposal: Proposal, digest: str, actor: str) -> tuple[str, bytes]:
    """The stored file (name, content) of one of those scans (NotFound for any other digest: ballot forms
    and other evidence are not served here), its opening audited."""
    scan = next((s for s in procedure_scans(proposal) if s.digest == digest), None)
    return open_listed_evidence(
        proposal, None if scan is None else digest, actor, "proposal.scan.open",
        {} if scan is None else {"kind": scan.kind, "seq": scan.seq, "evidence": digest},
        _("没有这份扫描件。"))


def open_listed_evidence(proposal: Proposal, digest: str | None, actor: str, action: str,
                         details: dict, missing: str) -> tuple[str, bytes]:
    """The stored file (name, content) of the proposal's evidence with that digest, which the
    caller found in the list it serves (None: not in it), its opening audited as `action`;
    NotFound(missing) for a digest not listed or a file the database does not hold."""
    evidence = None if digest is None else db.session.scalar(select(Evidence).where(
        Evidence.proposal_id == proposal.id, Evidence.sha256 == digest))
    if evidence is None:
        raise NotFound(missing)
    name, content = evidence.name, evidence.content  # before the commit expires them
    with unit_of_work() as session:
        audit.record(session, actor, action, community_id=proposal.community_id,
                     target=str(proposal.id), details=details)
    return name, content
