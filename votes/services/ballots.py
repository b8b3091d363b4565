"""Accepting ballots: each one a signed entry on the proposal's chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from votes.core import chain, commitment
from votes.core.correction import correcting
from votes.core.tally import Choice
from votes.models import Ballot, Evidence, FrozenUnit, Proposal
from votes.services import audit, choices, clock, device_check, keys
from votes.services.chain_store import Appender, lock_proposal
from votes.services.errors import DomainError
from votes.services.lifecycle import _advance
from votes.services.tx import unit_of_work

CHANNELS = ("online", "paper", "proxy")
CHANNEL_ZH = {"online": "网络", "paper": "纸质", "proxy": "委托"}


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


class AlreadyVoted(DomainError):
    def __init__(self, ballot: Ballot, max_changes: int):
        if max_changes:
            text = ("您已修改过一次表决意见，不能再次修改 "
                    "(this voter has already used the one allowed change)")
        else:
            text = ("该业主已经表决，首次提交的表决为最终结果 "
                    "(this voter has already voted; the first ballot is final)")
        super().__init__(text)
        self.ballot = ballot


def voting_problem(proposal: Proposal, now: datetime) -> str | None:
    """Why no ballot can be accepted now, or None."""
    if proposal.state in ("draft", "publicity") or now < proposal.voting_start:
        return "表决尚未开始 (voting has not opened)"
    if proposal.state != "voting" or now >= proposal.voting_end:
        return "表决已结束 (voting is closed)"
    return None


class StaffOverride(DomainError):
    """A paper or proxy ballot for a voter who voted online: the owner's own ballot wins."""

    def __init__(self, ballot: Ballot):
        super().__init__(
            f"该业主已于网上亲自表决（第 {ballot.seq} 条记录），纸质或委托选票不能取代业主本人的"
            f"网上表决 (the owner voted online themselves, entry #{ballot.seq}; a paper or proxy "
            f"ballot cannot supersede it)")
        self.ballot = ballot


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


@dataclass
class _Prepared:
    req: BallotRequest
    revision: int
    body: dict
    commitment: str
    choice_enc: bytes


def _prepare(session: Session, proposal: Proposal, req: BallotRequest, units: list[str],
             previous: Ballot | None) -> _Prepared:
    """Everything about one ballot that needs no lock: its revision and its entry body.
    A concurrent ballot for the same voter makes the revision collide, which the database
    refuses, so reading the previous ballot before the lock is safe."""
    if previous is not None and previous.channel == "online" and req.channel != "online":
        raise StaffOverride(previous)
    if req.correction is not None and (previous is None or previous.seq != req.correction[0]):
        # Another ballot for the voter landed after the caller looked (§15.3): it, not the
        # one named, is what a correction would have to replace.
        from votes.i18n import _

        raise DomainError(_("第 %(n)d 条记录已被第 %(m)d 条取代，只能更正该业主当前有效的选票",
                            n=req.correction[0], m=previous.seq if previous else 0))
    revision = 0 if previous is None else previous.revision + 1
    if revision > proposal.max_changes and req.correction is None and \
            revision - corrections_of(session, proposal, req.voter_key) > proposal.max_changes:
        raise AlreadyVoted(previous, proposal.max_changes)
    evidence_digest = None
    if req.evidence is not None:
        name, content = req.evidence
        evidence_digest = hashlib.sha256(content).hexdigest()
        known = session.scalar(select(Evidence.id).where(
            Evidence.proposal_id == proposal.id, Evidence.sha256 == evidence_digest))
        if known is None:
            session.add(Evidence(proposal_id=proposal.id, sha256=evidence_digest, name=name,
                                 content=content))
    salt = req.salt or choices.new_salt()
    committed = commitment.commit(proposal.uid, req.voter_key, req.choice.value, salt)
    body = chain.ballot_body(voter=req.voter_key, units=units, commitment=committed,
                             channel=req.channel, device=req.device,
                             entered_by=req.entered_by, evidence=evidence_digest)
    if req.correction is not None:
        body = correcting(body, *req.correction)
    # Salt, commitment and the encrypted (choice, salt) need no lock either: the lock
    # covers only the clock, the signature and the writes.
    return _Prepared(req, revision, body, committed, choices.seal(req.choice, salt))


def _append(session: Session, appender: Appender, proposal: Proposal, prepared: _Prepared,
            now: datetime) -> Ballot:
    """Under the proposal lock: seal the prepared body onto the chain, record the ballot."""
    req = prepared.req
    sealed = appender.append("ballot", prepared.body, now)
    ballot = Ballot(proposal_id=proposal.id, voter_key=req.voter_key,
                    revision=prepared.revision, seq=sealed.entry["seq"],
                    choice_enc=prepared.choice_enc, commitment=prepared.commitment,
                    channel=req.channel, receipt=sealed.digest,
                    entered_by=req.entered_by, cast_at=now,
                    corrects=req.correction[0] if req.correction else None)
    session.add(ballot)
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


def cast_ballots(proposal_id: int, requests: list[BallotRequest],
                 actor: str | None = None,
                 units: dict[str, list[str]] | None = None) -> list[Ballot]:
    """Accept all the ballots or none; each becomes one chain entry.

    The proposal row is locked only for the append itself: units, previous ballots, entry
    bodies and the signing key are ready before, and the entry's time is read after the
    lock is taken (never earlier than the entry before it), so times never go backwards
    however the database orders the lock's waiters."""
    try:
        with unit_of_work() as session:
            proposal = session.get(Proposal, proposal_id)
            problem = voting_problem(proposal, clock.now())  # fail fast; re-checked below
            if problem:
                raise DomainError(problem)
            keys_wanted = [r.voter_key for r in requests]
            if units is None:  # the online ballot read them already, with its device keys
                units = voter_units(session, proposal, keys_wanted)
            latest = latest_ballots(session, proposal, keys_wanted)
            prepared = []
            for req in requests:
                if req.voter_key not in units:
                    raise DomainError("该房屋不在本次表决范围内 (not in this vote's scope)")
                prepared.append(_prepare(session, proposal, req, units[req.voter_key],
                                         latest.get(req.voter_key)))
            signer = keys.signing_key()

            proposal, appender, now = lock_for_voting(session, proposal_id, signer)
            device_check.refuse_unsigned_after_registration(session, proposal_id, requests)
            accepted = [_append(session, appender, proposal, p, now) for p in prepared]
            if actor is not None:  # staff entering paper/proxy ballots; owners stay unlogged
                session.flush()
                audit.record(session, actor, _audit_action(requests),
                             community_id=proposal.community_id, target=str(proposal.id),
                             details=_audit_details(requests, accepted))
            session.flush()
            for ballot in accepted:
                # Detached with their values, so callers read them without a reload query.
                session.expunge(ballot)
    except IntegrityError:
        # A concurrent request for the same voter won the race; the database refused ours.
        raise DomainError("该业主的表决已被受理，请勿重复提交 "
                          "(a ballot for this voter was just accepted)") from None
    return accepted


def cast_ballot(proposal_id: int, request: BallotRequest,
                units: list[str] | None = None) -> Ballot:
    return cast_ballots(proposal_id, [request],
                        units=None if units is None else {request.voter_key: units})[0]


def corrections_of(session: Session, proposal: Proposal, voter_key: str) -> int:
    """How many of the voter's ballots are staff corrections (not the owner's changes)."""
    return session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key,
        Ballot.corrects.is_not(None)))


def _audit_action(requests: list[BallotRequest]) -> str:
    return "ballots.correct" if any(r.correction for r in requests) else "ballots.enter"


def _audit_details(requests: list[BallotRequest], accepted: list[Ballot]) -> dict:
    details: dict = {"entries": [b.seq for b in accepted]}
    fixes = [{"entry": b.seq, "corrects": r.correction[0], "reason": r.correction[1]}
             for r, b in zip(requests, accepted) if r.correction]
    if fixes:
        details["corrections"] = fixes
    return details


def ballot_count(session: Session, proposal: Proposal) -> int:
    return session.scalar(select(func.count()).select_from(Ballot)
                          .where(Ballot.proposal_id == proposal.id))
