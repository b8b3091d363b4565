"""Units of the roll and the scope of a proposal, as the core sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from votes.core.labels import Labelled


class AreaBasis(Labelled):
    """How a unit's area was established (SPC interpretation art. 8), in order of precedence."""

    REGISTERED = "registered"
    SURVEYED = "surveyed"
    CONTRACT = "contract"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"registered": "登记", "surveyed": "实测", "contract": "合同"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"预测": "contract"}


class OwnerKind(Labelled):
    PERSON = "person"
    COMPANY = "company"
    DEVELOPER = "developer"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"person": "个人", "company": "单位", "developer": "开发建设单位"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"开发商": "developer", "建设单位": "developer"}


def normalise_building(text: str) -> str:
    """'3号楼', '3栋', ' 3 ' -> '3'."""
    value = re.sub(r"\s+", "", text or "")
    return re.sub(r"(号楼|号|栋|幢|楼)$", "", value) or value


def normalise_entrance(text: str) -> str:
    """'1单元' -> '1'; empty stays empty."""
    value = re.sub(r"\s+", "", text or "")
    return re.sub(r"单元$", "", value) or value


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers, so "2" sorts before "10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|\D+", text))


@dataclass(frozen=True)
class UnitRecord:
    """One exclusive part: labels, area in centi-m², basis and its owners' pseudonymous keys."""

    unit_id: str
    building: str
    entrance: str
    room: str
    area: int
    area_basis: AreaBasis
    owner_keys: frozenset[str]
    developer: bool = False
    fund_balance: int | None = None

    @property
    def label(self) -> str:
        parts = [normalise_building(self.building), normalise_entrance(self.entrance), self.room]
        return "-".join(p for p in parts if p)

    @property
    def sort_key(self) -> tuple:
        return (natural_key(normalise_building(self.building)),
                natural_key(normalise_entrance(self.entrance)), natural_key(self.room),
                natural_key(self.unit_id))


SCOPE_KINDS = ("all", "building", "entrance", "unit")


@dataclass(frozen=True)
class Scope:
    """Whose units a proposal covers (列支范围): all, buildings, entrances or single units."""

    kind: str
    values: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """Parse 'all', 'building:3,5', 'entrance:3-1', 'unit:3-1-1502' (ValueError if bad)."""
        raw = (text or "").strip()
        if raw == "all":
            return cls("all")
        kind, sep, rest = raw.partition(":")
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if not sep or kind not in SCOPE_KINDS[1:] or not values:
            raise ValueError(
                f"表决范围 '{text}' 无效，应为 all、building:3,5、entrance:3-1 或 unit:3-1-1502 "
                f"(scope must be all, building:..., entrance:... or unit:...)")
        if kind == "building":
            values = tuple(normalise_building(v) for v in values)
        elif kind == "entrance":
            for v in values:
                if "-" not in v:
                    raise ValueError(f"单元范围 '{v}' 应写作 楼栋-单元，例如 3-1 "
                                     "(entrance scope must be building-entrance)")
            values = tuple(f"{normalise_building(b)}-{normalise_entrance(e)}"
                           for b, e in (v.split("-", 1) for v in values))
        return cls(kind, values)

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{','.join(self.values)}"

    def contains(self, unit: UnitRecord) -> bool:
        """Whether the unit belongs to this scope."""
        building = normalise_building(unit.building)
        if self.kind == "all":
            return True
        if self.kind == "building":
            return building in self.values
        if self.kind == "entrance":
            return f"{building}-{normalise_entrance(unit.entrance)}" in self.values
        return unit.label in self.values

    def select(self, units: Iterable[UnitRecord]) -> tuple[UnitRecord, ...]:
        """The units in scope, in stable natural order."""
        return tuple(sorted((u for u in units if self.contains(u)), key=lambda u: u.sort_key))
