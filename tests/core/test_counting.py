"""Who counts as one voter (SPC interpretation art. 9) and which units a scope holds."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.strategies import scopes, units
from votes.core.counting import DEVELOPER_KEY, electorate, electorate_from_frozen
from votes.core.roll import AreaBasis, Scope, UnitRecord


def unit(uid, owners, building="1", entrance="1", room=None, area=10000, developer=False):
    return UnitRecord(uid, building, entrance, room or uid, area, AreaBasis.REGISTERED,
                      frozenset(owners), developer=developer)


def test_one_owner_with_three_units_is_one_voter():
    e = electorate([unit("101", {"A"}), unit("102", {"A"}), unit("103", {"A"}),
                    unit("104", {"B"})], Scope("all"))
    assert e.total_headcount == 2
    assert e.voter_of("101") == e.voter_of("103")
    assert e.voter_of("101").area == 30000


def test_developer_units_are_one_voter():
    e = electorate([unit("101", set(), developer=True), unit("102", set(), developer=True),
                    unit("201", {"A"})], Scope("all"))
    assert e.total_headcount == 2
    dev = e.voter(DEVELOPER_KEY)
    assert dev.developer and set(dev.unit_ids) == {"101", "102"}


def test_co_owners_of_a_unit_are_one_voter():
    e = electorate([unit("101", {"A", "B"})], Scope("all"))
    assert e.total_headcount == 1


def test_a_shared_unit_and_a_sole_unit_are_two_voters():
    e = electorate([unit("101", {"A", "B"}), unit("102", {"A"})], Scope("all"))
    assert e.total_headcount == 2
    assert e.voter_of("101") != e.voter_of("102")


def test_same_co_owners_of_two_units_are_one_voter():
    e = electorate([unit("101", {"A", "B"}), unit("102", {"B", "A"})], Scope("all"))
    assert e.total_headcount == 1


def test_only_units_in_scope_count():
    roll = [unit("101", {"A"}, building="3号楼"), unit("201", {"A"}, building="5"),
            unit("301", {"B"}, building="3", entrance="2"), unit("401", {"C"}, building="7")]
    assert electorate(roll, Scope.parse("building:3")).total_headcount == 2
    assert electorate(roll, Scope.parse("building:3,5")).total_headcount == 2  # A is one voter
    assert electorate(roll, Scope.parse("entrance:3-2")).total_area == 10000
    assert [u.unit_id for u in electorate(roll, Scope.parse("unit:7-1-401")).units] == ["401"]
    assert electorate(roll, Scope.parse("all")).total_headcount == 3


def test_scope_text_round_trips_and_bad_scopes_are_refused():
    for text in ("all", "building:3,5", "entrance:3-1", "unit:3-1-1502"):
        assert str(Scope.parse(text)) == text
    assert str(Scope.parse("building:3号楼")) == "building:3"
    for bad in ("", "floor:3", "building:", "entrance:3"):
        with pytest.raises(ValueError):
            Scope.parse(bad)


def test_a_unit_without_owner_is_refused():
    with pytest.raises(ValueError, match="101"):
        electorate([unit("101", set())], Scope("all"))


def test_labels_sort_naturally():
    roll = [unit("a", {"A"}, building="10"), unit("b", {"B"}, building="2")]
    assert [u.building for u in Scope("all").select(roll)] == ["2", "10"]


@given(units(), scopes)
def test_headcount_and_area_are_consistent(roll, scope):
    e = electorate(roll, scope)
    assert e.total_area == sum(v.area for v in e.voters)
    assert sorted(u for v in e.voters for u in v.unit_ids) == sorted(u.unit_id for u in e.units)
    assert e.total_headcount <= len(e.units)
    # One voter per distinct owner set, plus one for all developer units together.
    sets = {u.owner_keys for u in e.units if not u.developer}
    assert e.total_headcount == len(sets) + any(u.developer for u in e.units)


@given(units())
def test_frozen_roll_rebuilds_the_same_electorate(roll):
    e = electorate(roll, Scope("all"))
    again = electorate_from_frozen(e.units, {u: v.key for v in e.voters for u in v.unit_ids})
    assert again.voters == e.voters and again.total_area == e.total_area
