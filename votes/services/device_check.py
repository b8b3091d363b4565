"""The rule of step 6.10 for unsigned online ballots, decided under the proposal's lock.

An online ballot without a device signature is refused once its voter has a device entry
on the chain (docs/verification.md §14.1). The owner's page checks this before taking the
lock, but another session of the same voter may register a key between that check and
the ballot's append; so the append checks again under the lock, where device entries are
written too, in one query."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from votes.i18n import _
from votes.models import DeviceKey
from votes.services.errors import DomainError


def unsigned_but_registered() -> DomainError:
    """The refusal of an unsigned online ballot whose voter registered a device key."""
    return DomainError(_("本设备的签名无法验证，请刷新页面后重试，或在登记过的设备上表决"))


def refuse_unsigned_after_registration(session: Session, proposal_id: int, requests) -> None:
    """Call with the proposal locked: DomainError if an online ballot without a device
    signature is for a voter who has a registered device key. One query, and none when
    every request is signed or on paper."""
    unsigned = {r.voter_key for r in requests if r.channel == "online" and r.device is None}
    if not unsigned:
        return
    if any(voter in unsigned for voter in session.scalars(registered(proposal_id, unsigned))):
        raise unsigned_but_registered()


def registered(proposal_id: int, voter_keys) -> Select:
    """The voters among voter_keys with a device key on the proposal (at most one row; the
    whole proposal's keys for big batches, which the caller filters)."""
    query = select(DeviceKey.voter_key).where(DeviceKey.proposal_id == proposal_id)
    if len(voter_keys) <= 500:
        query = query.where(DeviceKey.voter_key.in_(sorted(voter_keys))).limit(1)
    return query
