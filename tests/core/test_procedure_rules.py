"""Pure rules of §17 and §19: settings, 从多 judgement, the period's end, the final result."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votes.core import objection, procedure
from votes.core.follow import compute_follow, followers, leading_choice
from votes.core.counting import electorate_from_frozen
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Matter, default_rules
from votes.core.tally import compute_tally


def _electorate(areas: dict[str, int]):
    units = [UnitRecord(unit_id=f"u-{k}", building="1", entrance="1", room=k, area=a,
                        area_basis=AreaBasis.REGISTERED, owner_keys=frozenset())
             for k, a in areas.items()]
    return electorate_from_frozen(units, {f"u-{k}": k for k in areas})


@pytest.mark.parametrize("raw, value", [("0", 0), ("30", 30), (" 7 ", 7)])
def test_objection_days_accepted(raw, value):
    assert procedure.check_setting("objection_days", raw) == value


@pytest.mark.parametrize("raw", ["31", "-1", "", "1.5", "七", "３"])
def test_objection_days_refused(raw):
    with pytest.raises(ValueError):
        procedure.check_setting("objection_days", raw)


def test_follow_modes_and_defaults():
    assert procedure.procedure_rules(None) == {"objection_days": 0, "follow_majority": "off"}
    assert procedure.check_setting("follow_majority", "full") == "full"
    with pytest.raises(ValueError):
        procedure.check_setting("follow_majority", "on")


def test_period_ends_exactly_n_days_after_the_close():
    close = datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc)
    assert objection.period_end(close, 3) == close + timedelta(hours=72)


def test_final_result_only_confirmed_without_an_upheld_objection():
    assert objection.final_passed(True, ["rejected", "noted"]) is True
    assert objection.final_passed(True, ["noted", "upheld"]) is False
    assert objection.final_passed(False, []) is False
    with pytest.raises(ValueError):
        objection.result_body(close=5, preliminary=True, objections=[6], answers={})


def test_followers_are_non_voters_of_the_roll_with_a_delivery():
    area = {"a": 1, "b": 2, "c": 3}
    assert followers(area, voted=["a"], delivered=["a", "b", "x"]) == ["b"]


def test_leading_choice_needs_a_strict_lead_in_both_measures():
    e = _electorate({"a": 100, "b": 100, "c": 500})
    rules = default_rules(Matter.USE_FUND)
    # agree leads in heads (2 v 1) but not in area (200 v 500): no majority to follow
    assert leading_choice(compute_tally(e, {"a": "agree", "b": "agree", "c": "disagree"},
                                        rules)) is None
    assert leading_choice(compute_tally(e, {"a": "agree", "c": "agree", "b": "disagree"},
                                        rules)) == "agree"


def test_to_lead_is_a_plurality_in_both_measures_not_more_than_half():
    # §19: agree 4, disagree 3, abstain 3 heads of equal area: agree leads with 4 of 10.
    e = _electorate({k: 100 for k in "abcdefghijkl"})
    rules = default_rules(Matter.USE_FUND)
    votes = dict(zip("abcdefghij", ["agree"] * 4 + ["disagree"] * 3 + ["abstain"] * 3))
    tally = compute_tally(e, votes, rules)
    assert leading_choice(tally) == "agree"
    f = compute_follow(tally, rules, "full", {k: 100 for k in "abcdefghijkl"}, votes, "kl")
    assert (f.majority, f.agree_headcount, f.participating_headcount) == ("agree", 6, 12)
    # abstain can lead: its followers take part without agreeing
    votes = dict(zip("abcdefghij", ["abstain"] * 4 + ["disagree"] * 3 + ["agree"] * 3))
    f = compute_follow(compute_tally(e, votes, rules), rules, "full",
                       {k: 100 for k in "abcdefghijkl"}, votes, "kl")
    assert (f.majority, f.agree_headcount, f.participating_headcount) == ("abstain", 3, 12)
    assert f.quorum_met and not f.passed


AREAS = st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 10_000), min_size=1)


@given(AREAS, st.data())
def test_followers_never_weaken_a_passing_vote_and_never_touch_the_ballots(areas, data):
    e = _electorate(areas)
    keys = sorted(areas)
    voted = data.draw(st.lists(st.sampled_from(keys), unique=True))
    choices = {k: data.draw(st.sampled_from(["agree", "disagree", "abstain"])) for k in voted}
    delivered = data.draw(st.lists(st.sampled_from(keys), unique=True))
    rules = default_rules(data.draw(st.sampled_from(list(Matter))))
    tally = compute_tally(e, choices, rules)
    before = tally.to_dict()
    for mode in ("quorum", "full"):
        f = compute_follow(tally, rules, mode, areas, voted, delivered)
        assert tally.to_dict() == before
        assert f.headcount == len(set(delivered) - set(voted))
        assert f.participating_headcount == tally.participating_headcount + f.headcount
        if tally.passed:
            assert f.passed
