"""What deliveries and objections share: a unit's voter, stored evidence, chain bodies."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from votes.core.chain import SealedEntry
from votes.core.roll import unit_key
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Evidence, FrozenUnit, Proposal
from votes.services.bulk import insert_or_nothing
from votes.services.errors import DomainError
from votes.services.kept import Kept
from votes.services.plain_text import file_label

MAX_EVIDENCE = 20 * 1024 * 1024


def voter_of_unit(proposal: Proposal, building: str, entrance: str, room: str) -> str:
    """The voter key of one unit of the frozen roll; DomainError if it is not there."""
    keys = db.session.scalars(select(FrozenUnit.voter_key).where(
        FrozenUnit.proposal_id == proposal.id,
        FrozenUnit.unit_key == unit_key(building, entrance, room))).all()
    if len(keys) != 1:
        raise DomainError(_("本次表决范围内没有该房屋：%(u)s。",
                            u="-".join(p for p in (building, entrance, room) if p)))
    return keys[0]


def store_evidence(session: Session, proposal: Proposal, evidence) -> str:
    """Keep an uploaded proof (name, bytes) once per proposal; its SHA-256 hex."""
    if evidence is None or not evidence[1]:
        raise DomainError(_("请上传凭证文件（签收单、邮寄回执或截图的扫描件）。"))
    name, content = evidence
    if len(content) > MAX_EVIDENCE:
        raise DomainError(_("凭证文件太大（最大 20 MB）。"))
    digest = hashlib.sha256(content).hexdigest()
    if session.scalar(select(Evidence.id).where(Evidence.proposal_id == proposal.id,
                                                Evidence.sha256 == digest)) is None:
        # Stored at once, and nothing when another transaction stores the same file at the
        # same moment: a delivery stores its proof before the proposal's lock, as a ballot
        # does its scan (votes.services.ballot_prepare.keep), and two at once may bring one file.
        session.execute(insert_or_nothing(session, Evidence).values(
            proposal_id=proposal.id, sha256=digest, name=file_label(name), content=content)
            .on_conflict_do_nothing(index_elements=["proposal_id", "sha256"]))
    return digest


def checked(proposal: Proposal, what: str | None = None) -> None:
    """Refuse (tally.ResultUnshown, saying `what` cannot be shown) for a chain damaged in
    the database: records.check_chain, remembered per process by length and head."""
    from votes.services.records import ChainDamaged, check_chain
    from votes.services.tally import ResultUnshown

    try:
        check_chain(proposal)
    except ChainDamaged as damaged:
        raise ResultUnshown(damaged, what=what) from damaged


def entries_of(proposal: Proposal, *kinds: str) -> list[SealedEntry]:
    """The proposal's chain entries of these kinds, in chain order: only of a chain still as
    written (checked): a row not JSON was a 500, a deleted or altered one read as if whole."""
    checked(proposal, _("不能显示本事项的送达、异议和结果记录"))
    lines = db.session.scalars(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind.in_(kinds))
        .order_by(ChainEntry.seq))
    return [SealedEntry.from_line(line) for line in lines]


def close_entry(proposal: Proposal) -> SealedEntry | None:
    """The proposal's close entry as the board, the notices and the decision read it: its
    tally and 从多 figures, without the counted list and the openings (one per counted
    ballot: megabytes for 100,000 ballots, which every board view after the close read and
    parsed, twice). A sealed entry never changes: what it says is kept per process by its
    digest, so a view reads the entry's digest only; whatever is appended after it (an
    objection, an answer, the result) is read anew."""
    row = db.session.execute(select(ChainEntry.id, ChainEntry.digest).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == "close")).first()
    if row is None:
        return None
    checked(proposal)  # the close's tally and 从多 figures: only of a chain as written
    found = _closes.get(row.digest)
    if found is not None:
        return found
    sealed = SealedEntry.from_line(db.session.scalar(
        select(ChainEntry.line).where(ChainEntry.id == row.id)))
    entry = dict(sealed.entry)
    entry["body"] = {k: v for k, v in entry["body"].items() if k not in ("counted", "openings")}
    kept = SealedEntry(entry, sealed.digest, sealed.sig)
    _closes.put(row.digest, kept)
    return kept


def forget_closes() -> None:
    """Drop the kept close entries (tests)."""
    _closes.clear()


_closes = Kept(size=256)  # close entries without their openings: a few kilobytes each
