"""The running tally of a proposal, computed by the core from the counted ballots."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from votes.core.counting import Electorate, electorate_from_frozen
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Rules
from votes.core.tally import Choice, Tally, compute_tally
from votes.models import Ballot, FrozenUnit, Proposal


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


def current_tally(session: Session, proposal: Proposal) -> tuple[Tally, list[int]]:
    ballots = counted_ballots(session, proposal)
    choices = {b.voter_key: Choice(b.choice) for b in ballots}
    tally = compute_tally(frozen_electorate(session, proposal), choices,
                          Rules.from_dict(proposal.rules))
    return tally, sorted(b.seq for b in ballots)
