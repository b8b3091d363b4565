"""The paper and proxy ballots the committee entered, and corrections of wrong entries.

A wrong entry is never edited: a correction is a new chain entry for the same voter that
names the entry it replaces and why (docs/verification.md §15). Choices stay sealed: this
list shows who entered what for which unit, never how anyone voted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.bidi import has_bidi_control
from votes.core.chain import SealedEntry
from votes.core.correction import REASON_MAX, STAFF_CHANNELS
from votes.core.identity import mask_in_text
from votes.core.roll import has_control
from votes.core.tally import Choice
from votes.extensions import db
from votes.i18n import _
from votes.models import (Ballot, ChainEntry, Evidence, FrozenUnit, Proposal, ProxyRecord,
                          Transfer)
from votes.services import privacy
from votes.services.ballot_prepare import StaffOverride, WithdrawnNotCorrected
from votes.services.ballots import BallotRequest, cast_ballots, latest_ballots
from votes.services.proxies import ProxyRequest
from votes.services.clerks import check_clerk
from votes.services.errors import DomainError
from votes.services.lifecycle import get_proposal, refresh
from votes.services.labels import unit_words
from votes.services.notices import delivery_key


@dataclass(frozen=True)
class StaffBallot:
    seq: int
    voter_key: str
    units: str
    channel: str
    entered_by: str
    cast_at: datetime
    evidence: str  # SHA-256 of the scanned form
    corrects: int | None
    reason: str
    superseded_by: int | None  # the voter's next ballot, when there is one
    correctable: bool
    withdrawn_by: int | None = None  # the withdrawal entry that took it back (§15)
    withdrawable: bool = False  # the voter's current ballot, not a buyer's after a sale


def staff_ballots(proposal: Proposal) -> list[StaffBallot]:
    """Every paper/proxy ballot entered for this proposal, in chain order: read from the
    chain's entries, so only of a chain still as written (procedure.common.checked;
    tally.ResultUnshown otherwise: a row not JSON was a traceback)."""
    from votes.services.procedure.common import checked

    checked(proposal, _("不能显示录入的纸质票和委托票"))
    rows = list(db.session.scalars(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.channel.in_(STAFF_CHANNELS))
        .order_by(Ballot.seq)))
    if not rows:
        return []
    bodies = {e.seq: SealedEntry.from_stored(e.line).entry["body"] for e in db.session.scalars(
        select(ChainEntry).join(Ballot, (Ballot.proposal_id == ChainEntry.proposal_id)
                                & (Ballot.seq == ChainEntry.seq))
        .where(ChainEntry.proposal_id == proposal.id, Ballot.channel.in_(STAFF_CHANNELS)))}
    later: dict[tuple[str, int], int] = {}
    latest: dict[str, Ballot] = {}
    for b in db.session.scalars(select(Ballot).where(Ballot.proposal_id == proposal.id)
                                .order_by(Ballot.seq)):
        if b.voter_key in latest:
            later[(b.voter_key, latest[b.voter_key].seq)] = b.seq
        latest[b.voter_key] = b
    labels: dict[str, list[FrozenUnit]] = {}
    for u in db.session.scalars(select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id)):
        labels.setdefault(u.voter_key, []).append(u)
    open_ = proposal.state == "voting"
    label = unit_words  # the notices' spelling, in the page's language
    out = []
    for b in rows:
        body = bodies[b.seq]
        fix = body.get("correction") or {}
        after = later.get((b.voter_key, b.seq))
        units = sorted(labels.get(b.voter_key, []), key=delivery_key)
        current = open_ and after is None and b.withdrawn_by is None
        out.append(StaffBallot(b.seq, b.voter_key, _("、").join(label(u) for u in units),
                               b.channel, b.entered_by or "", b.cast_at, body["evidence"],
                               fix.get("corrects"), fix.get("reason", ""), after,
                               current and "transfer" not in body, b.withdrawn_by,
                               current and "transfer" not in body))
    return out


def clean_reason(reason: str | None, *, missing: str, too_long: str) -> str:
    """A correction's or a withdrawal's reason as it goes on the chain: spaces collapsed,
    not blank, at most REASON_MAX characters, no control or direction characters (what
    verifier steps 15.1 and 15.4 ask). `missing` and `too_long` say which reason it is."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(missing)
    if len(reason) > REASON_MAX or has_control(reason):
        raise DomainError(too_long)
    if has_bidi_control(reason):
        raise DomainError(_("文字中不能包含改变文字显示方向的控制符。"))
    # Sealed into the chain, which anyone reads (/api/proposals/<uid>/chain) and no one can
    # take back: a phone or ID number quoted in it is masked first, as in an objection.
    return mask_in_text(reason)


def correct_ballot(proposal_ref: str, seq: int, *, choice: str, reason: str, actor: str,
                   channel: str | None = None,
                   evidence: tuple[str, bytes] | None = None) -> Ballot:
    """Replace the staff-entered ballot at `seq` by a correction (same voter, audited).

    Without a new scan the correction carries the original's evidence (the same form).
    Only on a chain still as written (procedure.common.checked; tally.ResultUnshown
    otherwise): the original's entry, read for its form, was a 500 when its row was not
    JSON, and a correction names an entry and is appended after the head, neither of which
    a chain altered in the database vouches for."""
    from votes.services.procedure.common import checked

    proposal = refresh(get_proposal(proposal_ref))
    checked(proposal, _("不能更正选票"))
    original = None if not 0 <= seq < 2 ** 31 else db.session.scalar(  # an INTEGER column
        select(Ballot).where(Ballot.proposal_id == proposal.id, Ballot.seq == seq))
    if original is None:
        raise DomainError(_("第 %(n)d 条记录不是本事项的选票", n=seq))
    if original.channel not in STAFF_CHANNELS:
        raise DomainError(_("第 %(n)d 条记录是业主本人的网上表决，业委会不能更正", n=seq))
    if db.session.scalar(select(Transfer.id).where(Transfer.proposal_id == proposal.id,
                                                   Transfer.seq == seq)) is not None:
        # A correction is the voter's paper or proxy ballot, and the voter can no longer
        # vote: the buyer's ballot is entered again (the buyer's own entry may come again).
        raise DomainError(_("第 %(n)d 条记录是过户后新业主的选票，不能更正；如录入有误，请重新录入"
                            "新业主的选票（过户表决），以最后一次为准", n=seq))
    current = latest_ballots(db.session, proposal, [original.voter_key])[original.voter_key]
    if current.seq == original.seq and current.withdrawn_by is not None:
        raise WithdrawnNotCorrected(current)
    if current.seq != original.seq:
        if current.channel == "online":
            _refused_override(proposal, actor, current, seq, channel or original.channel)
        raise DomainError(_("第 %(n)d 条记录已被第 %(m)d 条取代，只能更正该业主当前有效的选票",
                            n=seq, m=current.seq))
    reason = clean_reason(reason, missing=_("请填写更正原因"),
                          too_long=_("更正原因最多 %(n)d 个字", n=REASON_MAX))
    # The clerk goes onto the chain for good, as on a paper row, a transfer or a withdrawal:
    # never blank (an empty one failed deep in the chain code), long or with control codes.
    check_clerk(actor)
    try:
        parsed = Choice.parse(choice)
    except ValueError:
        raise DomainError(_("请选择表决意见：同意、反对或弃权")) from None
    channel = channel or original.channel
    if channel not in STAFF_CHANNELS:
        raise DomainError(_("表决方式只能是纸质或委托"))
    if evidence is None:
        evidence = _evidence_of(proposal, seq)
    elif not evidence[1]:
        raise DomainError(_("表决票扫描件是空文件"))
    request = BallotRequest(voter_key=original.voter_key, choice=parsed, channel=channel,
                            entered_by=actor, evidence=evidence, correction=(seq, reason),
                            proxy=_same_proxy(proposal, original) if channel == "proxy" else None)
    try:
        return cast_ballots(proposal.id, [request], actor=actor)[0]
    except StaffOverride as err:  # the owner voted online while the clerk was correcting
        _refused_override(proposal, actor, err.ballot, seq, channel)


def _refused_override(proposal: Proposal, actor: str, online: Ballot, seq: int,
                      channel: str) -> None:
    """A correction that would put a staff ballot back over the owner's own online one is
    refused and recorded in the audit log, as the same attempt through the paper form is
    (paper_ballots.record_conflicts: a reload of the refused page is recorded once)."""
    from votes.services.paper_ballots import record_conflicts

    record_conflicts(proposal, actor, [{"voter": online.voter_key, "online_entry": online.seq,
                                        "channel": channel, "corrects": seq}])
    raise StaffOverride(online)


def _same_proxy(proposal: Proposal, original: Ballot) -> ProxyRequest:
    """A proxy ballot's correction keeps its proxy and written authorisation (§16); a paper
    ballot cannot become a proxy one here, since the proxy's details were never entered."""
    record = db.session.scalar(select(ProxyRecord).where(
        ProxyRecord.proposal_id == proposal.id, ProxyRecord.seq == original.seq))
    if original.channel != "proxy" or record is None:
        raise DomainError(_("纸质票不能更正为委托票：请按委托票重新录入，并附受托人信息和书面授权委托书"))
    decrypt = privacy.decryptor()
    authorisation = db.session.scalar(select(Evidence).where(
        Evidence.proposal_id == proposal.id, Evidence.sha256 == record.authorisation))
    if authorisation is None:
        raise DomainError(_("找不到原委托票的书面授权委托书"))
    return ProxyRequest(decrypt(record.name_enc), decrypt(record.id_enc), record.company_staff,
                        (authorisation.name, authorisation.content), record.id_type)


def _evidence_of(proposal: Proposal, seq: int) -> tuple[str, bytes]:
    line = db.session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.seq == seq))
    digest = SealedEntry.from_stored(line).entry["body"]["evidence"]
    scan = db.session.scalar(select(Evidence).where(Evidence.proposal_id == proposal.id,
                                                    Evidence.sha256 == digest))
    if scan is None:
        raise DomainError(_("找不到原选票的扫描件，请上传表决票扫描件"))
    return scan.name, scan.content
