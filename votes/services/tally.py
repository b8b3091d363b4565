"""Turnout while voting is open; the tally, from the revealed choices, at the close."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from votes.core import commitment
from votes.core.chain import SealedEntry
from votes.core.commitment import Opening
from votes.core.counting import Electorate, electorate_from_frozen
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Rules
from votes.core.tally import Tally, Turnout, compute_tally, compute_turnout
from votes.models import Ballot, ChainEntry, FrozenUnit, Proposal
from votes.services import choices
from votes.services.errors import DomainError


def frozen_electorate(session: Session, proposal: Proposal) -> Electorate:
    units = list(session.scalars(select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id)))
    records = [UnitRecord(unit_id=u.unit_uid, building=u.building, entrance=u.entrance,
                          room=u.room, area=u.area, area_basis=AreaBasis(u.area_basis),
                          owner_keys=frozenset(), fund_balance=u.fund_balance) for u in units]
    return electorate_from_frozen(records, {u.unit_uid: u.voter_key for u in units})


def counted_ballots(session: Session, proposal: Proposal) -> list[Ballot]:
    """Each voter's ballot with the highest revision: the one that counts."""
    latest = (select(Ballot.voter_key, func.max(Ballot.revision).label("revision"))
              .where(Ballot.proposal_id == proposal.id).group_by(Ballot.voter_key).subquery())
    return list(session.scalars(
        select(Ballot).join(latest, (Ballot.voter_key == latest.c.voter_key)
                            & (Ballot.revision == latest.c.revision))
        .where(Ballot.proposal_id == proposal.id).order_by(Ballot.seq)))


def current_turnout(session: Session, proposal: Proposal) -> Turnout:
    """Who has voted, against the quorum; reads no choice."""
    voters = session.scalars(select(Ballot.voter_key).distinct()
                             .where(Ballot.proposal_id == proposal.id))
    return compute_turnout(frozen_electorate(session, proposal), voters,
                           Rules.from_dict(proposal.rules))


def closing_tally(session: Session, proposal: Proposal
                  ) -> tuple[Tally, list[int], list[Opening]]:
    """At the close: unseal each counted ballot, check that it opens the commitment its
    chain entry carries, and count. A sealed choice that does not open (the database was
    altered) stops the close rather than publish a tally the bundle would contradict."""
    ballots = counted_ballots(session, proposal)
    lines = dict(session.execute(select(ChainEntry.seq, ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == "ballot")).all())
    openings, voted = [], {}
    for b in ballots:
        choice, salt = choices.unseal(b.choice_enc)
        body = SealedEntry.from_line(lines[b.seq]).entry["body"]
        if salt is None or not commitment.opens(body.get("commitment", ""), proposal.uid,
                                                b.voter_key, choice.value, salt):
            raise DomainError(f"第 {b.seq} 条记录的加密意见与记录链上的承诺不符，不能结束表决 "
                              f"(the sealed choice of entry {b.seq} does not open its "
                              f"commitment on the chain)")
        openings.append(Opening(b.seq, choice.value, salt))
        voted[b.voter_key] = choice
    tally = compute_tally(frozen_electorate(session, proposal), voted,
                          Rules.from_dict(proposal.rules))
    return tally, sorted(b.seq for b in ballots), openings


def final_tally(session: Session, proposal: Proposal) -> Tally:
    """The tally the close entry published (for a closed vote)."""
    line = session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == "close"))
    return Tally.from_dict(SealedEntry.from_line(line).entry["body"]["tally"])
