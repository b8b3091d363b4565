"""Reading a community's roll as the core sees it, and its counts as the law counts them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from votes.core.counting import Electorate, electorate
from votes.core.roll import AreaBasis, OwnerKind, Scope, UnitRecord
from votes.extensions import db
from votes.i18n import _
from votes.models import Community, Owner, Ownership, Unit
from votes.services.communities import get_community
from votes.services.labels import basis_label


def load_units(community: Community) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).where(Unit.community_id == community.id)
        .options(selectinload(Unit.ownerships).selectinload(Ownership.owner))
    ))


def unit_record(unit: Unit) -> UnitRecord:
    owners = [o.owner for o in unit.ownerships]
    return UnitRecord(
        unit_id=str(unit.id),
        building=unit.building,
        entrance=unit.entrance,
        room=unit.room,
        area=unit.area,
        area_basis=AreaBasis(unit.area_basis),
        owner_keys=frozenset(o.id_hash for o in owners),
        developer=bool(owners) and all(o.kind == OwnerKind.DEVELOPER.value for o in owners),
        fund_balance=unit.fund_balance,
        kind=unit.kind,
    )


class OwnerRow(NamedTuple):
    """An owner as stored (personal data still encrypted)."""

    id_hash: str
    kind: str
    name_enc: bytes
    id_enc: bytes
    phone_enc: bytes | None


def roll_records(session: Session, community_id: int, unit_id: Callable[[int], str] = str
                 ) -> tuple[list[UnitRecord], dict[str, list[OwnerRow]]]:
    """The community's units as the core sees them, and each unit's owners by unit id, in
    two queries and without ORM objects (a city's roll has 100,000 units). Same records as
    unit_record(); a unit's owners come in the order they first appear in the roll file.
    `unit_id` names a unit by its row id (a proposal's own ids: freeze.unit_ids)."""
    # Table columns, not ORM attributes: the rows skip the ORM's per-row loading.
    o, ou, u = Owner.__table__.c, Ownership.__table__.c, Unit.__table__.c
    owners: dict[str, list[OwnerRow]] = {}
    for row_id, *fields in session.execute(
            select(ou.unit_id, o.id_hash, o.kind, o.name_enc, o.id_enc, o.phone_enc)
            .join_from(Ownership.__table__, Owner.__table__, o.id == ou.owner_id)
            .where(o.community_id == community_id)
            .order_by(ou.unit_id, o.id)):
        owners.setdefault(unit_id(row_id), []).append(OwnerRow(*fields))
    developer = OwnerKind.DEVELOPER.value
    bases = {b.value: b for b in AreaBasis}
    records = []
    for row_id, building, entrance, room, area, basis, balance, kind in session.execute(
            select(u.id, u.building, u.entrance, u.room, u.area, u.area_basis,
                   u.fund_balance, u.kind)
            .where(u.community_id == community_id).order_by(u.id)):
        uid = unit_id(row_id)
        its = owners.get(uid, ())
        records.append(UnitRecord(
            unit_id=uid, building=building, entrance=entrance, room=room, area=area,
            area_basis=bases[basis], owner_keys=frozenset(o.id_hash for o in its),
            developer=bool(its) and all(o.kind == developer for o in its),
            fund_balance=balance, kind=kind))
    return records, owners


def community_records(community: Community) -> list[UnitRecord]:
    """The community's units as the core sees them, without ORM objects: the committee's
    pages read the whole roll (thousands of units) on every view."""
    return roll_records(db.session, community.id)[0]


def units_in_order(ids: list[int]) -> list[Unit]:
    """These units (with their owners), in the order given: the rows of one page."""
    found = {u.id: u for u in db.session.scalars(
        select(Unit).where(Unit.id.in_(ids))
        .options(selectinload(Unit.ownerships).selectinload(Ownership.owner)))}
    return [found[i] for i in ids if i in found]


def community_electorate(community: Community, scope: Scope | None = None) -> Electorate:
    return electorate(community_records(community), scope or Scope("all"))


@dataclass(frozen=True)
class RollSummary:
    community: Community
    units: int
    total_area: int
    headcount: int
    owners: int
    by_basis: dict[AreaBasis, int]
    developer_units: int


def roll_summary(community_code: str, records: list[UnitRecord] | None = None) -> RollSummary:
    community = get_community(community_code)
    if records is None:
        records = community_records(community)
    owners = {k for r in records for k in r.owner_keys}
    if not records:
        return RollSummary(community, 0, 0, 0, 0, {b: 0 for b in AreaBasis}, 0)
    e = electorate(records, Scope("all"))
    return RollSummary(
        community=community,
        units=len(records),
        total_area=e.total_area,
        headcount=e.total_headcount,
        owners=len(owners),
        by_basis={b: sum(1 for r in records if r.area_basis is b) for b in AreaBasis},
        developer_units=sum(1 for r in records if r.developer),
    )


def unit_lines(community: Community) -> list[tuple[str, ...]]:
    """Each unit with its area, area basis, voter number and masked owners, in label order."""
    from votes.core.identity import mask_id, mask_name
    from votes.core.numbers import format_area_grouped
    from votes.services.privacy import decrypt

    units = load_units(community)
    records = [unit_record(u) for u in units]
    e = electorate(records, Scope("all"))
    number = {v.key: i + 1 for i, v in enumerate(e.voters)}
    by_id = {str(u.id): u for u in units}
    lines = []
    for r in e.units:
        owners = _("、").join(_("%(name)s（%(id)s）", name=mask_name(decrypt(o.owner.name_enc)),
                                id=mask_id(decrypt(o.owner.id_enc)))
                              for o in by_id[r.unit_id].ownerships)
        lines.append((r.label, format_area_grouped(r.area), basis_label(r.area_basis.value),
                      f"#{number[e.voter_of(r.unit_id).key]}", owners))
    return lines
