"""Voters as the Supreme People's Court counts them (interpretation art. 9).

One unit is one person, except that units with exactly the same owners count as one
person (a buyer of several units, or the same co-owners of several units), and all units
the developer still holds count as one person together.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Mapping

from votes.core.refusal import Refusal, _
from votes.core.roll import AreaBasis, Scope, UnitRecord, sorted_units

DEVELOPER_KEY = "v-developer"


@dataclass(frozen=True)
class Voter:
    key: str
    unit_ids: tuple[str, ...]
    area: int
    developer: bool


@dataclass(frozen=True)
class Electorate:
    """The units of a scope and the voters they group into."""

    units: tuple[UnitRecord, ...]
    voters: tuple[Voter, ...]

    @property
    def total_area(self) -> int:
        return sum(u.area for u in self.units)

    @property
    def total_headcount(self) -> int:
        return len(self.voters)

    @cached_property
    def _by_key(self) -> dict[str, Voter]:
        return {v.key: v for v in self.voters}

    @cached_property
    def _by_unit(self) -> dict[str, Voter]:
        return {u: v for v in self.voters for u in v.unit_ids}

    def voter(self, key: str) -> Voter:
        """The voter with this key (KeyError if none)."""
        return self._by_key[key]

    def voter_of(self, unit_id: str) -> Voter:
        """The voter casting the ballot for this unit (KeyError if none)."""
        return self._by_unit[unit_id]

    def area_by_basis(self) -> dict[AreaBasis, int]:
        """How many units' areas rest on each basis."""
        counts = {basis: 0 for basis in AreaBasis}
        for u in self.units:
            counts[u.area_basis] += 1
        return counts


def voter_key(owner_keys: Iterable[str]) -> str:
    """A pseudonymous key for a set of owners (their keys are already keyed hashes)."""
    joined = "\n".join(sorted(owner_keys))
    return "v-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


def keyed_voter_key(secret: bytes) -> Callable[[Iterable[str]], str]:
    """voter_key under a secret of one proposal: HMAC-SHA256 of the same joined owner keys.
    The owners' keys are keyed once for a whole deployment, so voter_key gave one owner the
    same pseudonym in every vote; under a proposal's own secret, the same owners are one
    voter within the vote (the grouping is unchanged) and unrelated keys across votes."""

    mac = hmac.new(secret, digestmod=hashlib.sha256)  # keyed once: each voter copies it

    def keyed(owner_keys: Iterable[str]) -> str:
        one = mac.copy()
        one.update("\n".join(sorted(owner_keys)).encode("utf-8"))
        return "v-" + one.hexdigest()[:24]

    return keyed


def _build(units: tuple[UnitRecord, ...], key_of: Mapping[str, str],
           developer_of: Mapping[str, bool]) -> Electorate:
    groups: dict[str, list[UnitRecord]] = {}
    for u in units:
        groups.setdefault(key_of[u.unit_id], []).append(u)
    voters = []
    # Plain loops: an electorate of 100,000 units is built on every tally and verification.
    for key in sorted(groups):
        unit_ids, area, developer = [], 0, True
        for u in groups[key]:
            unit_ids.append(u.unit_id)
            area += u.area
            if not developer_of[u.unit_id]:
                developer = False
        voters.append(Voter(key=key, unit_ids=tuple(unit_ids), area=area, developer=developer))
    return Electorate(units=units, voters=tuple(voters))


def electorate(units: Iterable[UnitRecord], scope: Scope,
               key_of_owners: Callable[[Iterable[str]], str] = voter_key) -> Electorate:
    """Group the scope's units into voters per the Supreme People's Court rule, each named
    by `key_of_owners` of its owners' keys (the developer's units by DEVELOPER_KEY)."""
    selected = scope.select(units)
    key_of = {}
    for u in selected:
        if not u.owner_keys and not u.developer:
            raise Refusal(_("房屋 %(unit)s 没有业主"), unit=u.label)
        key_of[u.unit_id] = DEVELOPER_KEY if u.developer else key_of_owners(u.owner_keys)
    return _build(selected, key_of, {u.unit_id: u.developer for u in selected})


def electorate_from_frozen(units: Iterable[UnitRecord],
                           voter_of_unit: Mapping[str, str]) -> Electorate:
    """Rebuild an electorate from a frozen roll that names each unit's voter key."""
    ordered = tuple(sorted_units(units))
    missing = [u.label for u in ordered if u.unit_id not in voter_of_unit]
    if missing:
        raise ValueError(f"units without a voter: {', '.join(missing)}")
    return _build(ordered, voter_of_unit,
                  {u.unit_id: voter_of_unit[u.unit_id] == DEVELOPER_KEY for u in ordered})
