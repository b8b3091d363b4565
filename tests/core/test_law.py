"""The thresholds of Civil Code art. 278 at their exact boundaries."""

from __future__ import annotations

import pytest

from votes.core.counting import Electorate, Voter
from votes.core.roll import AreaBasis, UnitRecord
from votes.core.rules import Matter, Rules, Threshold, community_rules, default_rules
from votes.core.tally import Choice, compute_tally

A, D, X = Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN


def equal_electorate(n: int, area: int = 100) -> Electorate:
    """n voters of one unit each, all the same area."""
    units = tuple(UnitRecord(f"u{i}", "1", "1", str(i), area, AreaBasis.REGISTERED,
                             frozenset({f"o{i}"})) for i in range(n))
    voters = tuple(Voter(f"v{i:03d}", (f"u{i}",), area, False) for i in range(n))
    return Electorate(units, voters)


def votes(*choices):
    return {f"v{i:03d}": c for i, c in enumerate(choices)}


def test_exactly_two_thirds_participation_meets_the_quorum():
    e = equal_electorate(6)
    t = compute_tally(e, votes(A, A, A, D), default_rules(Matter.USE_FUND))
    assert (t.participating_headcount, t.total_headcount) == (4, 6)
    assert t.participating_area * 3 == t.total_area * 2
    assert t.quorum_met


def test_one_short_of_two_thirds_misses_the_quorum():
    e = equal_electorate(6)
    t = compute_tally(e, votes(A, A, A), default_rules(Matter.USE_FUND))
    assert not t.quorum_met and not t.passed
    quorum = {c.name: c for c in t.checks}["quorum_headcount"]
    assert (quorum.needed, quorum.margin) == (4, -1)


def test_quorum_needs_area_and_headcount_both():
    # Two large units participate: 2/3 of the area but only 2 of 4 heads.
    units = tuple(UnitRecord(f"u{i}", "1", "1", str(i), a, AreaBasis.REGISTERED,
                             frozenset({f"o{i}"})) for i, a in enumerate((400, 400, 200, 200)))
    voters = tuple(Voter(f"v{i:03d}", (f"u{i}",), u.area, False) for i, u in enumerate(units))
    t = compute_tally(Electorate(units, voters), votes(A, A), default_rules(Matter.USE_FUND))
    checks = {c.name: c for c in t.checks}
    assert checks["quorum_area"].met and not checks["quorum_headcount"].met
    assert not t.quorum_met


def test_one_centi_square_metre_short_of_two_thirds_area_misses():
    units = (UnitRecord("u0", "1", "", "1", 199, AreaBasis.REGISTERED, frozenset({"a"})),
             UnitRecord("u1", "1", "", "2", 1, AreaBasis.REGISTERED, frozenset({"b"})),
             UnitRecord("u2", "1", "", "3", 100, AreaBasis.REGISTERED, frozenset({"c"})))
    voters = tuple(Voter(f"v{i:03d}", (u.unit_id,), u.area, False) for i, u in enumerate(units))
    e = Electorate(units, voters)
    rules = default_rules(Matter.USE_FUND)
    exactly = {c.name: c for c in compute_tally(e, {"v000": A, "v001": A}, rules).checks}
    short = {c.name: c for c in compute_tally(e, {"v000": A}, rules).checks}
    assert exactly["quorum_area"].part == 200 and exactly["quorum_area"].met
    assert short["quorum_area"].part == 199 and not short["quorum_area"].met
    assert short["quorum_area"].margin == -1


def test_exactly_half_agreement_does_not_pass_use_fund():
    e = equal_electorate(6)
    t = compute_tally(e, votes(A, A, A, D, D, D), default_rules(Matter.USE_FUND))
    assert t.quorum_met and not t.passed
    approval = {c.name: c for c in t.checks}["approval_headcount"]
    assert (approval.part, approval.whole, approval.needed, approval.met) == (3, 6, 4, False)


def test_just_over_half_agreement_passes_use_fund():
    e = equal_electorate(7)
    t = compute_tally(e, votes(A, A, A, A, D, D, D), default_rules(Matter.USE_FUND))
    assert t.passed


@pytest.mark.parametrize("matter", [Matter.RAISE_FUND, Matter.REBUILD, Matter.CHANGE_USE])
def test_exactly_three_quarters_passes_a_three_quarter_matter(matter):
    e = equal_electorate(8)
    t = compute_tally(e, votes(A, A, A, A, A, A, D, D), default_rules(matter))
    assert t.passed
    short = compute_tally(e, votes(A, A, A, A, A, D, D, D), default_rules(matter))
    assert short.quorum_met and not short.passed


def test_abstaining_participates_but_does_not_agree():
    e = equal_electorate(6)
    t = compute_tally(e, votes(A, A, A, X), default_rules(Matter.USE_FUND))
    assert t.quorum_met
    assert (t.participating_headcount, t.agree_headcount, t.abstain_headcount) == (4, 3, 1)
    assert t.passed  # 3 of 4 participants
    t2 = compute_tally(e, votes(A, A, X, X), default_rules(Matter.USE_FUND))
    assert not t2.passed  # 2 of 4 is exactly half


def test_approval_against_all_owners_when_the_community_requires_it():
    e = equal_electorate(9)
    strict = community_rules(Matter.USE_FUND, {"approval_area": ">=2/3",
                                                "approval_headcount": ">=2/3",
                                                "approval_base": "total"})
    # 5 of 6 participants agree, but 5 of 9 owners is less than 2/3 of all.
    t = compute_tally(e, votes(A, A, A, A, A, D), strict)
    assert t.quorum_met and not t.passed
    assert compute_tally(e, votes(A, A, A, A, A, A), strict).passed


def test_community_rules_may_be_stricter_never_looser():
    assert community_rules(Matter.USE_FUND, {"approval_headcount": ">=2/3"}) \
        .approval_headcount == Threshold(2, 3, True)
    with pytest.raises(ValueError, match="低于法定的"):
        community_rules(Matter.USE_FUND, {"quorum_area": ">=1/2"})
    with pytest.raises(ValueError, match="低于法定的"):
        community_rules(Matter.RAISE_FUND, {"approval_area": ">2/3"})
    with pytest.raises(ValueError, match="低于法定的"):
        community_rules(Matter.USE_FUND, {"approval_area": ">=1/2"})  # ≥½ admits exactly half
    with pytest.raises(ValueError):
        community_rules(Matter.USE_FUND, {"approval_base": "some"})


def test_thresholds_parse_print_and_round_trip():
    assert str(Threshold.parse(">=2/3")) == "≥2/3"
    assert Threshold.parse("≥3/4") == Threshold(3, 4, True)
    assert Threshold.parse(">1/2") == Threshold(1, 2, False)
    with pytest.raises(ValueError):
        Threshold.parse("2/3")
    rules = default_rules(Matter.CHANGE_USE)
    assert Rules.from_dict(rules.to_dict()) == rules


def test_a_stranger_cannot_be_counted():
    with pytest.raises(KeyError):
        compute_tally(equal_electorate(2), {"nobody": A}, default_rules(Matter.OTHER))


def test_tally_round_trips_through_its_dict():
    from votes.core.tally import Tally

    t = compute_tally(equal_electorate(5), votes(A, D, X, A), default_rules(Matter.OTHER))
    assert Tally.from_dict(t.to_dict()) == t
