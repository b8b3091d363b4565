"""Accepting ballots: each one a signed entry on the proposal's chain, all of a batch or none.
Each ballot is made ready before the lock (votes.services.ballot_prepare); staff-entered
ones are checked again under it and logged (votes.services.staff_ballots)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from votes.core.local_rules import Procedure
from votes.core.tally import Choice
from votes.i18n import _
from votes.models import Ballot, FrozenUnit, Proposal, Transfer
from votes.services import (append_queue, ballot_prepare, buyers, clock, device_check, keys,
                            pg_append, privacy, proxies, staff_ballots)
from votes.services.ballot_prepare import Prepared
from votes.services.chain_store import Appender, lock_proposal
from votes.services.proxies import ProxyRequest
from votes.services.errors import DomainError
from votes.services.lifecycle import _advance
from votes.services.tx import unit_of_work

CHANNELS = ("online", "paper", "proxy")
CHANNEL_ZH = {"online": "网络", "paper": "纸质", "proxy": "委托"}


@dataclass(frozen=True)
class TransferRequest:
    """The unit was sold during the vote: the buyer (personal data, kept encrypted) votes
    in the seller's place, on the evidence of the transfer (file name, content)."""

    buyer_name: str
    buyer_id: str
    evidence: tuple[str, bytes]


@dataclass(frozen=True)
class BallotRequest:
    voter_key: str
    choice: Choice
    channel: str
    device: dict | None = None
    entered_by: str | None = None
    evidence: tuple[str, bytes] | None = None  # (file name, content)
    salt: str | None = None  # the commitment's salt; the owner's browser picks it if it can
    # Staff correcting a paper/proxy ballot (votes.services.corrections): (seq, reason).
    correction: tuple[int, str] | None = None
    proxy: ProxyRequest | None = None  # channel "proxy": who holds it, the authorisation
    transfer: TransferRequest | None = None  # a new owner's ballot in the seller's place


class Accepted(NamedTuple):
    """An owner's online ballot appended on PostgreSQL's one-round-trip path: the values of
    the row it wrote that a caller reads (the receipt's address; tests compare them with
    the row). A tuple, since every cast returns one: an ORM Ballot was built only to be
    handed back."""

    id: int
    proposal_id: int
    voter_key: str
    revision: int
    seq: int
    choice_enc: bytes
    commitment: str | None
    channel: str
    receipt: str
    entered_by: str | None
    cast_at: datetime


def voting_problem(proposal: Proposal, now: datetime) -> str | None:
    """Why no ballot can be accepted now, or None."""
    if proposal.state in ("draft", "publicity") or now < proposal.voting_start:
        return _("表决尚未开始")
    if proposal.state != "voting" or now >= proposal.voting_end:
        return _("表决已结束")
    return None


def latest_ballots(session: Session, proposal: Proposal,
                   voter_keys: list[str]) -> dict[str, Ballot]:
    """Each of these voters' latest ballot, in one query."""
    query = select(Ballot).where(Ballot.proposal_id == proposal.id)
    if len(voter_keys) <= 500:
        query = query.where(Ballot.voter_key.in_(voter_keys))
    latest: dict[str, Ballot] = {}
    for ballot in session.scalars(query):
        if ballot.revision >= getattr(latest.get(ballot.voter_key), "revision", -1):
            latest[ballot.voter_key] = ballot
    return latest


def _append(session: Session, appender: Appender, proposal: Proposal, prepared: Prepared,
            now: datetime) -> Ballot:
    """Under the proposal lock: seal the prepared body onto the chain, record the ballot."""
    req = prepared.req
    sealed = appender.append("ballot", prepared.body, now)
    ballot = Ballot(proposal_id=proposal.id, voter_key=req.voter_key,
                    revision=prepared.revision, seq=sealed.entry["seq"],
                    choice_enc=prepared.choice_enc, commitment=prepared.commitment,
                    channel=req.channel, receipt=sealed.digest,
                    entered_by=req.entered_by, cast_at=now,
                    corrects=req.correction[0] if req.correction else None,
                    evidence=prepared.body["evidence"])
    session.add(ballot)
    seq, body = sealed.entry["seq"], prepared.body
    if req.proxy is not None:
        proxies.record(session, proposal, seq, req.voter_key, req.proxy,
                       body["proxy"]["holder"], body["proxy"]["authorisation"], req.entered_by,
                       now)
    if req.transfer is not None:
        encrypt = privacy.encryptor()
        session.add(Transfer(proposal_id=proposal.id, seq=seq, voter_key=req.voter_key,
                             buyer_name_enc=encrypt(req.transfer.buyer_name),
                             buyer_id_enc=encrypt(req.transfer.buyer_id),
                             evidence=body["transfer"], superseded_seq=prepared.superseded,
                             entered_by=req.entered_by, created_at=now))
    return ballot


def lock_for_voting(session: Session, proposal_id: int, signer) -> tuple[Proposal, Appender,
                                                                          datetime]:
    """Take the proposal's lock, bring it up to date and check that voting is open. The time
    is read only now, under the lock, and never earlier than the last entry's: concurrent
    writers may be woken in any order."""
    proposal = lock_proposal(session, proposal_id)
    now = clock.now()
    _advance(session, proposal, now)
    appender = Appender(session, proposal, signer)
    now = appender.time(now)
    problem = voting_problem(proposal, now)
    if problem:
        raise DomainError(problem)
    return proposal, appender, now


def _append_pg(session: Session, proposal: Proposal, prepared: Prepared) -> Accepted | None:
    """One online ballot on PostgreSQL, appended with those this process casts on the same
    proposal at the same moment (votes.services.append_queue): lock, time, sign, and one
    round trip for the writes and the COMMIT. None when the locked row says the proposal
    must move first (its window has ended), or there is no signing key yet: the general
    path then does what is needed, under the lock it takes again."""
    appended = append_queue.append(session, proposal, prepared)
    if appended is None:
        return None
    req = prepared.req
    return Accepted(appended.ballot_id, proposal.id, req.voter_key, prepared.revision,
                    appended.sealed.seq, prepared.choice_enc, prepared.commitment, req.channel,
                    appended.sealed.digest, req.entered_by, appended.at)


def voter_units(session: Session, proposal: Proposal,
                voter_keys: list[str]) -> dict[str, list[str]]:
    """The frozen units of these voters (one query; the whole roll only for big files)."""
    query = select(FrozenUnit.voter_key, FrozenUnit.unit_uid).where(
        FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)
    if len(voter_keys) <= 500:
        query = query.where(FrozenUnit.voter_key.in_(voter_keys))
    rows = session.execute(query)
    units: dict[str, list[str]] = {}
    for voter_key, unit_uid in rows:
        units.setdefault(voter_key, []).append(unit_uid)
    return units


def _check_counted(session: Session, proposal: Proposal, voter_keys: list[str]) -> None:
    """Where the rules leave kinds of unit out of the count, a voter holding only such
    units (a parking space, a storeroom) has no vote; they still pay their share."""
    if not Procedure.from_rules(proposal.rules).excluded_kinds:
        return  # every unit of the scope counts, and the voters were found in its roll
    counted = buyers.counted_voters(session, proposal, voter_keys)
    if any(key not in counted for key in voter_keys):
        raise DomainError(not_counted_message())


def not_counted_message() -> str:
    return _("本小区议事规则规定车位、储藏室不计入表决，仅持有此类房屋的业主不参加本次表决")


def cast_ballots(proposal_id: int, requests: list[BallotRequest],
                 actor: str | None = None,
                 units: dict[str, list[str]] | None = None,
                 latest: dict[str, Ballot] | None = None,
                 proposal=None) -> list[Ballot] | list[Accepted]:
    """Accept all the ballots or none; each becomes one chain entry: a detached Ballot, or
    for an owner's online ballot on PostgreSQL an Accepted. `proposal`: the
    proposal as the caller read it in this request (its ORM instance or the owner pages'
    values, votes.services.proposal_read), to check before the lock.

    The proposal row is locked only for the append itself: units, previous ballots, entry
    bodies and the signing key are ready before, and the entry's time is read after the
    lock is taken (never earlier than the entry before it), so times never go backwards
    however the database orders the lock's waiters."""
    try:
        with unit_of_work() as session:
            if proposal is None:
                proposal = session.get(Proposal, proposal_id)
            problem = voting_problem(proposal, clock.now())  # fail fast; re-checked below
            if problem:
                raise DomainError(problem)
            keys_wanted = [r.voter_key for r in requests]
            if units is None:  # the online ballot read them already, with its device keys
                units = voter_units(session, proposal, keys_wanted)
            if latest is None:  # the online ballot read them already, with the units
                latest = latest_ballots(session, proposal, keys_wanted)
            _check_counted(session, proposal, keys_wanted)
            ballot_prepare.keep_all(session, proposal, requests)
            forms_held = ballot_prepare.forms_held(session, proposal, requests, latest)
            prepared = []
            for req in requests:
                if req.voter_key not in units:
                    raise DomainError(_("该房屋不在本次表决范围内"))
                prepared.append(ballot_prepare.prepare(session, proposal, req,
                                                       units[req.voter_key],
                                                       latest.get(req.voter_key), forms_held))
            if pg_append.applies(session, len(prepared), actor, requests[0].evidence,
                                 prepared[0].body):
                ballot = _append_pg(session, proposal, prepared[0])
                if ballot is not None:
                    return [ballot]
            roll_owners = staff_ballots.buyers_on_roll(session, proposal, prepared)
            signer = keys.signing_key()
            proposal, appender, now = lock_for_voting(session, proposal_id, signer)
            device_check.refuse_unsigned_after_registration(session, proposal_id, requests)
            staff_ballots.refuse_under_lock(session, proposal, prepared, roll_owners)
            accepted = [_append(session, appender, proposal, p, now) for p in prepared]
            if actor is not None:  # staff entering paper/proxy ballots; owners stay unlogged
                staff_ballots.record(session, actor, proposal, prepared, accepted)
            session.flush()
            for ballot in accepted:
                # Detached with their values, so callers read them without a reload query.
                session.expunge(ballot)
    except Exception as exc:
        if not isinstance(exc, IntegrityError) and not pg_append.is_duplicate(exc):
            raise
        # A concurrent request for the same voter won the race; the database refused ours.
        if actor is not None:
            # Staff: theirs was not the ballot accepted (the owner's own, a buyer's, another
            # clerk's was): what to do is to look, not to trust that it went in.
            raise DomainError(_("同一业主的另一张选票刚刚被受理，本次录入没有保存；请查看该业主的"
                                "表决记录，确有需要再重新录入")) from None
        winner = _latest_of(proposal_id, requests[0].voter_key)
        if winner is not None and winner.channel != "online":
            # A clerk's entry won, not the owner's own earlier click: "accepted" would tell
            # the owner that their choice counts.
            raise DomainError(_("工作人员刚刚为您录入了纸质或委托选票（第 %(seq)s 条记录），"
                                "您这次的网上表决没有保存；请刷新页面查看表决记录",
                                seq=winner.seq)) from None
        raise DomainError(_("该业主的表决已被受理，请勿重复提交")) from None
    return accepted


def _latest_of(proposal_id: int, voter_key: str) -> Ballot | None:
    """The voter's latest ballot, read afresh after a lost race."""
    with unit_of_work() as session:
        return latest_ballots(session, session.get(Proposal, proposal_id),
                              [voter_key]).get(voter_key)


_UNREAD = object()


def cast_ballot(proposal_id: int, request: BallotRequest, units: list[str] | None = None,
                previous: Ballot | None | object = _UNREAD, proposal=None) -> Ballot | Accepted:
    """One ballot; `units`, `previous` (the voter's latest ballot, None if none) and
    `proposal` when the caller has read them already."""
    return cast_ballots(proposal_id, [request],
                        units=None if units is None else {request.voter_key: units},
                        latest=None if previous is _UNREAD else
                        ({} if previous is None else {request.voter_key: previous}),
                        proposal=proposal)[0]


def ballot_count(session: Session, proposal: Proposal) -> int:
    return session.scalar(select(func.count()).select_from(Ballot)
                          .where(Ballot.proposal_id == proposal.id))
