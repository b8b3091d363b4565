"""Withdrawing a staff-entered ballot that was entered for the wrong unit.

A clerk who typed a paper ballot against the wrong flat made that flat's owner a
participant, with the clerk's choice; a correction cannot undo it, since it leaves a
counted ballot. A withdrawal is a chain entry naming the ballot (docs/verification.md §15):
from then on the voter has no counted ballot, and may vote themselves. The rules are the
verifier's steps 15.4–15.6, checked here under the proposal's lock, so that the server
never writes a withdrawal the verifier fails and no ballot of the voter slips in between.
"""

from __future__ import annotations

from sqlalchemy import select, update

from votes.core.correction import REASON_MAX, STAFF_CHANNELS
from votes.core.withdrawal import KIND, withdrawal_body
from votes.i18n import _
from votes.models import Ballot, Transfer
from votes.services import audit, keys
from votes.services.ballot_prepare import keep
from votes.services.ballots import latest_ballots, lock_for_voting
from votes.services.corrections import clean_reason
from votes.services.clerks import check_clerk
from votes.services.errors import DomainError
from votes.services.lifecycle import get_proposal, refresh
from votes.services.procedure.common import checked
from votes.services.tx import unit_of_work


def withdraw_ballot(proposal_ref: str, seq: int, *, reason: str,
                    evidence: tuple[str, bytes] | None, actor: str) -> int:
    """Take back the staff-entered ballot at `seq` (audited); the withdrawal entry's seq.

    `evidence`: (file name, content) of the scan that shows the mistake, e.g. the form
    naming another flat. Refused unless the ballot is its voter's current one, paper or
    proxy, not a buyer's after a sale, not withdrawn already, and voting is open; and
    only on a chain still as written (procedure.common.checked, as a correction:
    tally.ResultUnshown otherwise), before anything is read or kept: a withdrawal names an
    entry and is appended after the head, neither of which a chain altered in the
    database vouches for."""
    proposal = refresh(get_proposal(proposal_ref))
    checked(proposal, _("不能撤回选票"))
    reason = clean_reason(reason, missing=_("请填写撤回原因"),
                          too_long=_("撤回原因最多 %(n)d 个字", n=REASON_MAX))
    # Blank is whitespace as str.isspace has it (U+3000 included), as 15.4 reads it: a
    # withdrawal "by" nobody would fail every export of the vote from then on.
    check_clerk(actor, _("请填写录入人"))
    if evidence is None or not evidence[1]:
        raise DomainError(_("请上传能说明录入错误的扫描件（例如写明另一房号的表决票）"))
    if not 0 <= seq < 2 ** 31:  # an INTEGER column
        raise DomainError(_("第 %(n)d 条记录不是本事项的选票", n=seq))
    with unit_of_work() as session:
        digest = keep(session, proposal, evidence)  # before the lock, as a ballot's scans
        signer = keys.signing_key()
        proposal, appender, now = lock_for_voting(session, proposal.id, signer)
        # Read under the lock: a ballot, correction or withdrawal appended a moment ago by
        # another clerk or the owner is seen, and none can be appended until this commits.
        ballot = session.scalar(select(Ballot).where(
            Ballot.proposal_id == proposal.id, Ballot.seq == seq)
            .execution_options(populate_existing=True))
        _refuse(session, proposal, ballot, seq)
        body = withdrawal_body(voter=ballot.voter_key, withdraws=seq, reason=reason,
                               entered_by=actor, evidence=digest)
        sealed = appender.append(KIND, body, now)
        taken = _entries_taken_back(session, proposal, ballot)
        session.execute(update(Ballot).where(Ballot.proposal_id == proposal.id,
                                             Ballot.seq.in_(taken))
                        .values(withdrawn_by=sealed.entry["seq"])
                        .execution_options(synchronize_session=False))
        audit.record(session, actor, "ballots.withdraw", community_id=proposal.community_id,
                     target=str(proposal.id),
                     details={"entry": sealed.entry["seq"], "withdraws": seq,
                              "taken_back": sorted(taken), "reason": reason,
                              "evidence": digest})
        return sealed.entry["seq"]


def _refuse(session, proposal, ballot: Ballot | None, seq: int) -> None:
    """Why the ballot at `seq` cannot be withdrawn now (15.5, 15.6), as a DomainError."""
    if ballot is None:
        raise DomainError(_("第 %(n)d 条记录不是本事项的选票", n=seq))
    if ballot.channel not in STAFF_CHANNELS:
        raise DomainError(_("第 %(n)d 条记录是业主本人的网上表决，业委会不能撤回", n=seq))
    if session.scalar(select(Transfer.id).where(Transfer.proposal_id == proposal.id,
                                                Transfer.seq == seq)):
        raise DomainError(_("第 %(n)d 条记录是过户后新业主的表决，不能撤回；录入有误请重新录入"
                            "新业主的选票（过户表决），以最后一次为准",
                            n=seq))
    if ballot.withdrawn_by is not None:
        raise DomainError(_("第 %(n)d 条记录已于第 %(m)d 条记录撤回", n=seq, m=ballot.withdrawn_by))
    current = latest_ballots(session, proposal, [ballot.voter_key])[ballot.voter_key]
    if current.seq != seq:
        raise DomainError(_("第 %(n)d 条记录已被第 %(m)d 条取代，只能撤回该业主当前有效的选票",
                            n=seq, m=current.seq))


def _entries_taken_back(session, proposal, ballot: Ballot) -> list[int]:
    """The ballot and the entries its corrections replaced, back to the first entry: one
    staff entry, corrected (votes.core.withdrawal.chain_of reads the chain the same way)."""
    mine = {b.seq: b for b in session.scalars(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == ballot.voter_key))}
    out = [ballot.seq]
    while mine[out[-1]].corrects is not None and mine[out[-1]].corrects in mine:
        out.append(mine[out[-1]].corrects)
    return out
