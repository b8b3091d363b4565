"""Accepting ballots: each one a signed entry on the proposal's chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from votes.core import chain, commitment
from votes.core.tally import Choice
from votes.models import Ballot, Evidence, FrozenUnit, Proposal
from votes.services import audit, choices, clock
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


def _previous(session: Session, proposal: Proposal, voter_key: str) -> Ballot | None:
    return session.scalar(select(Ballot).where(
        Ballot.proposal_id == proposal.id, Ballot.voter_key == voter_key)
        .order_by(Ballot.revision.desc()).limit(1))


def _append(session: Session, appender: Appender, proposal: Proposal, req: BallotRequest,
            units: list[str], now: datetime, previous: Ballot | None) -> Ballot:
    revision = 0 if previous is None else previous.revision + 1
    if revision > proposal.max_changes:
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
    sealed = appender.append("ballot", body, now)
    ballot = Ballot(proposal_id=proposal.id, voter_key=req.voter_key, revision=revision,
                    seq=sealed.entry["seq"], choice_enc=choices.seal(req.choice, salt),
                    commitment=committed, channel=req.channel, receipt=sealed.digest,
                    entered_by=req.entered_by, cast_at=now)
    session.add(ballot)
    return ballot


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
                 actor: str | None = None) -> list[Ballot]:
    """Accept all the ballots or none; each becomes one chain entry."""
    now = clock.now()
    try:
        with unit_of_work() as session:
            proposal = lock_proposal(session, proposal_id)
            _advance(session, proposal, now)
            problem = voting_problem(proposal, now)
            if problem:
                raise DomainError(problem)
            units = voter_units(session, proposal, [r.voter_key for r in requests])
            appender = Appender(session, proposal)
            accepted = []
            for req in requests:
                if req.voter_key not in units:
                    raise DomainError("该房屋不在本次表决范围内 (not in this vote's scope)")
                previous = _previous(session, proposal, req.voter_key)
                accepted.append(_append(session, appender, proposal, req,
                                        units[req.voter_key], now, previous))
                session.flush()
            if actor is not None:  # staff entering paper/proxy ballots; owners stay unlogged
                audit.record(session, actor, "ballots.enter", community_id=proposal.community_id,
                             target=str(proposal.id),
                             details={"entries": [b.seq for b in accepted]})
    except IntegrityError:
        # A concurrent request for the same voter won the race; the database refused ours.
        raise DomainError("该业主的表决已被受理，请勿重复提交 "
                          "(a ballot for this voter was just accepted)") from None
    return accepted


def cast_ballot(proposal_id: int, request: BallotRequest) -> Ballot:
    return cast_ballots(proposal_id, [request])[0]


def ballot_count(session: Session, proposal: Proposal) -> int:
    return session.scalar(select(func.count()).select_from(Ballot)
                          .where(Ballot.proposal_id == proposal.id))
