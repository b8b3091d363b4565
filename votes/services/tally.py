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
    # Plain rows, not ORM objects: an electorate can have 100,000 units.
    t = FrozenUnit.__table__.c
    rows = session.execute(
        select(t.unit_uid, t.building, t.entrance, t.room, t.area, t.area_basis,
               t.fund_balance, t.voter_key).where(t.proposal_id == proposal.id)).all()
    bases = {b.value: b for b in AreaBasis}
    none: frozenset[str] = frozenset()
    records = [UnitRecord(unit_id=uid, building=building, entrance=entrance, room=room,
                          area=area, area_basis=bases[basis], owner_keys=none,
                          fund_balance=balance)
               for uid, building, entrance, room, area, basis, balance, _ in rows]
    return electorate_from_frozen(records, {r[0]: r[7] for r in rows})


def _counted(proposal: Proposal, *columns):
    """Each voter's ballot with the highest revision: the one that counts."""
    latest = (select(Ballot.voter_key, func.max(Ballot.revision).label("revision"))
              .where(Ballot.proposal_id == proposal.id).group_by(Ballot.voter_key).subquery())
    return (select(*columns).join(latest, (Ballot.voter_key == latest.c.voter_key)
                                  & (Ballot.revision == latest.c.revision))
            .where(Ballot.proposal_id == proposal.id).order_by(Ballot.seq))


def counted_ballots(session: Session, proposal: Proposal) -> list[Ballot]:
    """Each voter's ballot with the highest revision: the one that counts."""
    return list(session.scalars(_counted(proposal, Ballot)))


def current_tally(session: Session, proposal: Proposal) -> tuple[Tally, list[int]]:
    rows = session.execute(_counted(proposal, Ballot.voter_key, Ballot.choice,
                                    Ballot.seq)).all()
    choice = {c.value: c for c in Choice}
    choices = {voter: choice[value] for voter, value, _ in rows}
    tally = compute_tally(frozen_electorate(session, proposal), choices,
                          Rules.from_dict(proposal.rules))
    return tally, sorted(seq for _, _, seq in rows)
