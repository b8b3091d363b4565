"""roll.sorted_units: the order of sorting by UnitRecord.sort_key, to the unit, on rolls
where many units share a building, entrance and room (and some their id's key too)."""

from __future__ import annotations

import random

import pytest

from votes.core.roll import AreaBasis, UnitRecord, sorted_units

PARTS = ["1", "01", "2", "10", "A", "a", "", "3栋", "二", "٣", "１２", "1-2", "B1"]


def _unit(rng: random.Random, n: int) -> UnitRecord:
    return UnitRecord(unit_id=rng.choice(PARTS) + rng.choice(["", "-", "u"]) + rng.choice(PARTS),
                      building=rng.choice(PARTS[:4]), entrance=rng.choice(PARTS[:3]),
                      room=rng.choice(PARTS[:5]), area=n, area_basis=AreaBasis.REGISTERED,
                      owner_keys=frozenset())


@pytest.mark.parametrize("seed", range(20))
def test_same_order_as_one_sort_by_the_whole_key(seed):
    rng = random.Random(seed)
    units = [_unit(rng, n) for n in range(rng.choice([0, 1, 2, 50, 400]))]
    assert sorted_units(units) == sorted(units, key=lambda u: u.sort_key)
    # Units equal in every key part keep the order they came in (area tells them apart).
    assert [u.area for u in sorted_units(units)] == \
        [u.area for u in sorted(units, key=lambda u: u.sort_key)]
