"""Apportioning a repair's cost over the scope's units in proportion to their area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from votes.core.roll import UnitRecord, sorted_units


@dataclass(frozen=True)
class Share:
    unit_id: str
    area: int
    amount: int  # fen
    balance: int | None
    covered: bool | None  # None when the unit's fund balance is unknown


def apportion(budget: int, units: Sequence[UnitRecord], *,
              presorted: bool = False) -> tuple[Share, ...]:
    """Split budget (fen) by area with the largest-remainder method.

    Shares sum exactly to the budget; leftover fen go to the largest remainders, ties to
    the earlier unit in natural order, so a larger unit never pays less than a smaller one.
    presorted=True says the units already come in natural order (an Electorate's units
    do), which spares recomputing every unit's sort key.
    """
    if budget < 0:
        raise ValueError("budget must not be negative")
    ordered = list(units) if presorted else sorted_units(units)
    total = sum(u.area for u in ordered)
    if not ordered or total <= 0:
        raise ValueError("apportionment needs units with a positive total area")
    floors = [budget * u.area // total for u in ordered]
    remainders = [budget * u.area % total for u in ordered]
    left = budget - sum(floors)
    order = sorted(range(len(ordered)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(
        Share(u.unit_id, u.area, amount, u.fund_balance,
              None if u.fund_balance is None else u.fund_balance >= amount)
        for u, amount in zip(ordered, floors))


def share_of(shares: Iterable[Share], unit_ids: Iterable[str]) -> int:
    """What a voter pays: the sum of its units' shares."""
    wanted = set(unit_ids)
    return sum(s.amount for s in shares if s.unit_id in wanted)
