"""The proposal and frozen roll as the chain binds them and the bundle carries them.

Both are pseudonymous: unit labels, areas and voter keys, never names, IDs or phones.
"""

from __future__ import annotations

from sqlalchemy import func, select

from votes.core.canonical import format_time
from votes.core.chain import SealedEntry
from votes.core.local_rules import roll_totals
from votes.extensions import db
from votes.models import ChainEntry, FrozenUnit, Proposal


def proposal_record(proposal: Proposal) -> dict:
    """The proposal as bound at voting's opening, or as it stands while still a draft."""
    if proposal.record is not None:
        return proposal.record
    community = proposal.community
    return {
        "uid": proposal.uid,
        "community": {"code": community.code, "name": community.name,
                      "jurisdiction": community.jurisdiction or ""},
        "title": proposal.title,
        "description": proposal.description,
        "matter": proposal.matter,
        "scope": proposal.scope,
        "items": [{"title": i.title, "amount": i.amount} for i in proposal.items],
        "budget": proposal.budget,
        "documents": [{"name": d.name, "sha256": d.sha256, "size": d.size}
                      for d in proposal.documents],
        "emergency": proposal.emergency,
        "max_changes": proposal.max_changes,
        "publicity_start": format_time(proposal.publicity_start),
        "voting_start": format_time(proposal.voting_start),
        "voting_end": format_time(proposal.voting_end),
    }


def frozen_units(proposal: Proposal) -> list[FrozenUnit]:
    return list(db.session.scalars(
        select(FrozenUnit).where(FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)))


def scope_totals(proposal: Proposal) -> tuple[int, int]:
    """The frozen scope's number of units and total area (centi-m²), counted by the database:
    pages and notices that print only these need not read a city's roll."""
    units, area = db.session.execute(select(func.count(FrozenUnit.id),
                                            func.coalesce(func.sum(FrozenUnit.area), 0))
                                     .where(FrozenUnit.proposal_id == proposal.id)).one()
    return int(units), int(area)  # PostgreSQL sums integers as numeric (a Decimal)


def roll_record(proposal: Proposal) -> dict:
    # Plain rows, not ORM objects: the genesis and every export read the whole roll.
    t = FrozenUnit.__table__.c
    rows = db.session.execute(
        select(t.unit_uid, t.building, t.entrance, t.room, t.area, t.area_basis, t.voter_key,
               t.kind)
        .where(t.proposal_id == proposal.id).order_by(t.id)).all()
    units = []
    for uid, building, entrance, room, area, basis, voter, kind in rows:
        unit = {"unit_id": uid, "building": building, "entrance": entrance, "room": room,
                "area": area, "area_basis": basis, "voter": voter}
        if kind != "dwelling":  # docs/verification.md §16: absent means a dwelling
            unit["kind"] = kind
        units.append(unit)
    roll = {"units": units}
    # The totals the thresholds are judged on: kinds the rules leave out are not counted.
    roll["total_area"], roll["total_headcount"] = roll_totals(roll, proposal.rules)
    return roll


def chain_entries(proposal: Proposal) -> list[SealedEntry]:
    rows = db.session.scalars(select(ChainEntry.line).where(ChainEntry.proposal_id == proposal.id)
                              .order_by(ChainEntry.seq))
    return [SealedEntry.from_stored(line) for line in rows]
