"""The rules of steps 6.10 and 6.11 the server keeps, so that no bundle it writes fails them.

6.10: an online ballot without a device signature is refused once its voter has a device
entry on the chain (docs/verification.md §14.1). The owner's page checks this before taking
the lock, but another session of the same voter may register a key between that check and
the ballot's append; so the append checks again under the lock, where device entries are
written too, in one query.

6.11: a device-signed ballot whose nonce the voter's device signed for an earlier ballot
on the chain is refused (a cast sent again with the session cookie from before it)."""

from __future__ import annotations

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from votes.core.chain import SealedEntry, entry_digest
from votes.i18n import _
from votes.models import Ballot, ChainEntry, DeviceKey, Proposal
from votes.services.errors import DomainError


class UnsignedButRegistered(DomainError):
    """An unsigned online ballot of a voter with a registered device key. Most often the
    owner's own phone: its registration reached the server but the answer was lost, or its
    key store did not answer in time. The page offers the same choice again."""

    def __init__(self):
        super().__init__(_("您的手机已登记设备密钥，但这次提交没有带上设备签名，没有记入表决。"
                           "您的选择已保留，请再点一次“确认提交”；仍不成功请稍后再试，"
                           "或在登记过的设备上表决，或联系业主委员会领取纸质表决票。"))


def refuse_unsigned_after_registration(session: Session, proposal_id: int, requests) -> None:
    """Call with the proposal locked: DomainError if an online ballot without a device
    signature is for a voter who has a registered device key. One query, and none when
    every request is signed or on paper."""
    unsigned = {r.voter_key for r in requests if r.channel == "online" and r.device is None}
    if not unsigned:
        return
    if any(voter in unsigned for voter in session.scalars(registered(proposal_id, unsigned))):
        raise UnsignedButRegistered()


def registered(proposal_id: int, voter_keys) -> Select:
    """The voters among voter_keys with a device key on the proposal (at most one row; the
    whole proposal's keys for big batches, which the caller filters)."""
    query = select(DeviceKey.voter_key).where(DeviceKey.proposal_id == proposal_id)
    if len(voter_keys) <= 500:
        query = query.where(DeviceKey.voter_key.in_(sorted(voter_keys))).limit(1)
    return query


class NonceUsed(DomainError):
    """A device-signed ballot whose nonce is already on the chain for its voter."""

    def __init__(self, seq: int):
        super().__init__(_("这张选票已经提交过了（第 %(seq)s 条记录），无需重复提交", seq=seq))
        self.seq = seq


def refuse_nonce_used_before(session: Session, proposal: Proposal, voter_key: str,
                             nonce: str) -> None:
    """NonceUsed if an online ballot of the voter on the chain carries this device nonce.

    Needs no lock: a ballot of the voter appended after this read takes the revision the
    caller's ballot was prepared with, and the database refuses the second of the two.

    Each row read is checked to be the entry written there (readable, its digest its
    content's, its place its own): one altered in the database was a 500 (not JSON) or
    read as it stood. Then the cast is refused in the owners' words (tally.ResultUnshown)
    and nothing is written. Only these rows, which the cast reads anyway: the rest of the
    chain is checked by the board's receipt lookup, the signed receipt and the close, not by
    a statement of the cast's own (tests/test_owner_sql_budget.py)."""
    from votes.services.records import ROW_UNREADABLE, row_out_of_place, unreadable_row

    rows = session.execute(select(ChainEntry.seq, ChainEntry.line).join(Ballot, and_(
        Ballot.proposal_id == ChainEntry.proposal_id, Ballot.seq == ChainEntry.seq)).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key,
        Ballot.channel == "online"))
    for seq, line in rows:
        try:
            sealed = SealedEntry.from_stored(line)
            damage = row_out_of_place(sealed, entry_digest(sealed.entry), seq, "ballot", None,
                                      proposal.uid)
            used = (sealed.entry["body"].get("device") or {}).get("nonce") == nonce
        except ROW_UNREADABLE:
            damage = unreadable_row(seq)
        if damage is not None:
            _refuse_damaged(proposal, damage)
        if used:
            raise NonceUsed(seq)


def _refuse_damaged(proposal: Proposal, damage: tuple) -> None:
    """The owner's own entry is not as written: the chain's damage as records says it (the
    whole chain read, which only a damaged chain costs), in the owners' words."""
    from votes.services.records import ChainDamaged, chain_entries
    from votes.services.tally import ResultUnshown

    what = _("不能记入您的选票")
    try:
        chain_entries(proposal)
        # Not found by the whole chain's check (the row past the head the proposal
        # carries): said of the row itself.
        damaged = ChainDamaged([damage[0]], [damage[1]], 0, 0)
    except ChainDamaged as found:
        damaged = found
    raise ResultUnshown(damaged, what=what) from None
