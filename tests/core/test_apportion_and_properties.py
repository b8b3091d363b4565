"""Apportionment by area and the tally's invariants, property-based."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.strategies import ballots, budgets, electorates, rules, thresholds, units
from votes.core.apportion import apportion, share_of
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Matter, community_rules
from votes.core.tally import Choice, compute_tally


def unit(uid, area, balance=None):
    return UnitRecord(uid, "1", "1", uid, area, AreaBasis.REGISTERED, frozenset({uid}),
                      fund_balance=balance)


def test_shares_follow_area_and_sum_to_the_budget():
    shares = apportion(100_00, [unit("101", 100), unit("102", 200), unit("103", 100)])
    assert [s.amount for s in shares] == [25_00, 50_00, 25_00]


def test_leftover_fen_go_to_the_largest_remainders_then_the_earlier_unit():
    shares = apportion(100, [unit("101", 1), unit("102", 1), unit("103", 1)])
    assert [s.amount for s in shares] == [34, 33, 33]


def test_fund_balance_coverage():
    shares = apportion(300, [unit("101", 1, balance=99), unit("102", 1, balance=200),
                             unit("103", 1)])
    assert [(s.covered) for s in shares] == [False, True, None]
    assert share_of(shares, ["101", "102"]) == 200


def test_no_units_no_apportionment():
    with pytest.raises(ValueError):
        apportion(100, [])


@given(budgets, units())
def test_shares_always_sum_to_the_budget(budget, roll):
    shares = apportion(budget, roll)
    assert sum(s.amount for s in shares) == budget


@given(budgets, units())
def test_a_larger_unit_never_pays_less(budget, roll):
    shares = apportion(budget, roll)
    for a in shares:
        for b in shares:
            if a.area > b.area:
                assert a.amount >= b.amount


@given(budgets, units())
def test_each_share_is_within_one_fen_of_the_exact_amount(budget, roll):
    total = sum(u.area for u in roll)
    for s in apportion(budget, roll):
        assert abs(Fraction(budget * s.area, total) - s.amount) < 1


@given(thresholds, st.integers(0, 10_000), st.integers(0, 10_000))
def test_threshold_matches_fraction_arithmetic(threshold, part, whole):
    assume(part <= whole and whole > 0)
    exact = Fraction(part, whole)
    bound = Fraction(threshold.num, threshold.den)
    assert threshold.met(part, whole) == (exact >= bound if threshold.inclusive else exact > bound)


@given(thresholds, st.integers(1, 10_000))
def test_needed_is_the_least_part_that_meets(threshold, whole):
    needed = threshold.needed(whole)
    assert threshold.met(needed, whole) or needed > whole
    assert not threshold.met(needed - 1, whole)


@given(st.sampled_from(list(Matter)), thresholds)
def test_community_rules_never_accept_looser_thresholds(matter, threshold):
    try:
        r = community_rules(matter, {"approval_area": threshold})
    except ValueError:
        return
    legal = community_rules(matter).approval_area
    for whole in range(1, 40):
        for part in range(whole + 1):
            if r.approval_area.met(part, whole):
                assert legal.met(part, whole)


@given(st.data())
def test_tally_invariants(data):
    e = data.draw(electorates())
    chosen = data.draw(ballots(e))
    r = data.draw(rules)
    t = compute_tally(e, chosen, r)
    assert t.agree_area + t.disagree_area + t.abstain_area == t.participating_area
    assert t.agree_headcount + t.disagree_headcount + t.abstain_headcount == \
        t.participating_headcount == len(chosen)
    assert t.participating_area <= t.total_area
    assert not t.passed or t.quorum_met
    for c in t.checks:
        assert c.met == (c.margin >= 0)


@given(st.data())
def test_turning_a_disagree_into_agree_never_undoes_a_pass(data):
    e = data.draw(electorates())
    chosen = data.draw(ballots(e))
    against = [k for k, c in chosen.items() if c is Choice.DISAGREE]
    assume(against)
    r = data.draw(rules)
    before = compute_tally(e, chosen, r)
    after = compute_tally(e, {**chosen, against[0]: Choice.AGREE}, r)
    assert after.passed or not before.passed
