"""docs/verification.md §16: proxies, unit kinds left out of the count, transfers — each
rule with its boundary, on bundles built with the core alone."""

from __future__ import annotations

from tests.bundles import Story, form_of
from tests.core.tamper_tools import steps, verify
from votes.core import chain
from votes.core.apportion import apportion
from votes.core.bundle import roll_units
from votes.core.local_rules import Procedure, counting_electorate, parse_setting, roll_totals

H1, H2 = "a1" * 32, "b2" * 32  # proxy holders' pseudonyms
LETTER = "ee" * 32  # a written authorisation's digest


def proxy(story: Story, voter: str, choice: str, time: str, holder: str = H1,
          staff: bool = False, letter: str = LETTER) -> Story:
    committed, secret = story.commit(voter, choice, time)
    body = chain.ballot_body(voter=voter, units=story.units_of(voter), commitment=committed,
                             channel="proxy", entered_by="clerk", evidence=form_of(voter),
                             proxy={"holder": holder, "authorisation": letter,
                                    "company_staff": staff})
    story.entries.append({"kind": "ballot", "time": time, "body": body, "secret": secret})
    return story


def transfer(story: Story, voter: str, choice: str, time: str) -> Story:
    committed, secret = story.commit(voter, choice, time)
    body = chain.ballot_body(voter=voter, units=story.units_of(voter), commitment=committed,
                             channel="paper", entered_by="clerk",
                             evidence=form_of(voter, buyer=True), transfer="f0" * 32)
    story.entries.append({"kind": "ballot", "time": time, "body": body, "secret": secret})
    return story


def ruled(**settings) -> Story:
    story = Story()
    story.rules = {**story.rules, **Procedure(**settings).to_rules()}
    return story


def day(n: int, hour: int = 2) -> str:
    return f"2026-12-0{n}T{hour:02d}:00:00Z"


# -- proxies --------------------------------------------------------------------------------

def test_three_principals_per_proxy_verify_and_the_fourth_fails_16_3():
    story = ruled(proxy_limit=3).genesis()
    for n, voter in enumerate(("v-a", "v-b", "v-c"), start=1):
        proxy(story, voter, "agree", day(n))
    assert verify(story.copy().close().bundle()).ok
    proxy(story, "v-d", "agree", day(4))
    proxy(story, "v-developer", "agree", day(5), holder=H2,
          letter="ef" * 32)  # another proxy, on a letter of their own: fine
    failed = steps(story.close().bundle())
    assert failed == {"16.3"}


def test_without_a_limit_one_proxy_may_hold_many():
    story = Story().genesis()
    for n, voter in enumerate(("v-a", "v-b", "v-c", "v-d"), start=1):
        proxy(story, voter, "agree", day(n))
    assert verify(story.close().bundle()).ok


def test_a_proxy_ballot_needs_its_authorisation_and_only_a_proxy_ballot_has_one():
    story = Story().genesis().paper("v-a", "agree", day(1))
    story.entries[1]["body"]["channel"] = "proxy"
    assert "16.2" in steps(story.close().bundle())
    story = proxy(Story().genesis(), "v-a", "agree", day(1))
    story.entries[1]["body"]["channel"] = "paper"
    assert "16.2" in steps(story.close().bundle())


def test_company_staff_as_proxy_fails_16_4_only_where_the_rules_bar_it():
    barred = proxy(ruled(proxy_staff_barred=True).genesis(), "v-a", "agree", day(1),
                   staff=True)
    assert steps(barred.close().bundle()) == {"16.4"}
    allowed = proxy(Story().genesis(), "v-a", "agree", day(1), staff=True)
    assert verify(allowed.close().bundle()).ok
    declared_not = proxy(ruled(proxy_staff_barred=True).genesis(), "v-a", "agree", day(1))
    assert verify(declared_not.close().bundle()).ok


# -- parking spaces and storerooms ----------------------------------------------------------

def parking_story() -> Story:
    """u6 (one of the developer's two units) is a parking space, u7 (v-d's only unit) a
    storeroom; the rules leave both kinds out of the count."""
    story = ruled(excluded_kinds=("parking", "storeroom"))
    for unit in story.roll["units"]:
        if unit["unit_id"] == "u6":
            unit["kind"] = "parking"
        if unit["unit_id"] == "u7":
            unit["kind"] = "storeroom"
    story.roll["total_area"], story.roll["total_headcount"] = roll_totals(story.roll,
                                                                          story.rules)
    return story


def test_excluded_kinds_leave_the_thresholds_but_still_pay():
    story = parking_story()
    assert (story.roll["total_area"], story.roll["total_headcount"]) == \
        (8950 + 12000 + 7525 + 6000 + 10000, 4)  # u6, u7 and v-d are out
    story.genesis().paper("v-a", "agree", day(1)).paper("v-b", "agree", day(2)) \
        .paper("v-developer", "agree", day(3)).close()
    report = verify(story.bundle())
    assert report.ok, report.render()
    tally = story.entries[-1]["body"]["tally"]
    # 3 of 4 voters, 8950+12000+7525+10000 = 38475 of 44475 centi-m²: the developer's
    # parking space (10000) is not in its participating area.
    assert (tally["participating_headcount"], tally["participating_area"]) == (3, 38475)
    assert tally["total_area"] == 44475 and tally["quorum_met"] is True
    # ... but every unit, parking and storeroom included, pays its share of the budget.
    shares = {s.unit_id: s.amount for s in apportion(654750, roll_units(story.roll))}
    assert shares["u6"] == shares["u5"] > 0 and shares["u7"] > 0
    assert sum(shares.values()) == 654750


def test_the_same_roll_without_the_rule_counts_every_unit():
    story = parking_story()
    story.rules = Story().rules
    e = counting_electorate(_electorate(story.roll), Procedure.from_rules(story.rules)
                            .excluded_kinds)
    assert e.total_area == 65475 and e.total_headcount == 5


def _electorate(roll):
    from votes.core.counting import electorate_from_frozen

    return electorate_from_frozen(roll_units(roll), {u["unit_id"]: u["voter"]
                                                     for u in roll["units"]})


def test_a_ballot_of_a_voter_holding_only_excluded_units_fails_16_5():
    story = parking_story().genesis().paper("v-d", "agree", day(1)).close()
    assert "16.5" in steps(story.bundle())


def test_roll_totals_counting_excluded_units_fail_5_4():
    story = parking_story()
    story.roll["total_area"], story.roll["total_headcount"] = 65475, 5
    assert "5.4" in steps(story.genesis().close().bundle())


def test_16_1_only_parking_and_storerooms_may_be_left_out_each_once():
    for kinds in (["dwelling"], ["parking", "parking"], []):
        story = Story()
        story.rules = {**story.rules, "excluded_kinds": kinds}
        assert "16.1" in steps(story.genesis().close().bundle()), kinds


# -- transfers ------------------------------------------------------------------------------

def test_a_transfer_supersedes_the_sellers_online_ballot():
    story = Story().genesis().device("v-b", day(1, 1)).online("v-b", "disagree", day(1))
    transfer(story, "v-b", "agree", day(2)).close()
    assert verify(story.bundle()).ok
    assert story.entries[-1]["body"]["counted"] == [3]  # the buyer's ballot counts
    assert story.entries[-1]["body"]["tally"]["agree_headcount"] == 1


def test_a_staff_entry_superseding_an_online_ballot_without_transfer_fails_16_6():
    story = Story().genesis().device("v-b", day(1, 1)).online("v-b", "disagree", day(1))
    story.proposal["max_changes"] = 1
    story.entries[0]["body"] = chain.genesis_body(story.proposal, story.roll, story.rules)
    story.paper("v-b", "agree", day(2)).close()
    assert steps(story.bundle()) == {"16.6"}


def test_after_a_transfer_the_seller_cannot_vote_again():
    story = Story().genesis().paper("v-c", "disagree", day(1))
    transfer(story, "v-c", "agree", day(2))
    story.proposal["max_changes"] = 1
    story.entries[0]["body"] = chain.genesis_body(story.proposal, story.roll, story.rules)
    story.paper("v-c", "disagree", day(3)).close()
    assert steps(story.bundle()) == {"16.6"}


def test_a_transfer_is_not_a_change_of_ballot_and_never_online():
    # max_changes 0: the seller's ballot and the buyer's do not count as two (6.7).
    story = Story().genesis().paper("v-c", "disagree", day(1))
    assert verify(transfer(story, "v-c", "agree", day(2)).close().bundle()).ok
    online = Story().genesis().device("v-b", day(1, 1)).online("v-b", "agree", day(1))
    online.entries[-1]["body"]["transfer"] = "f0" * 32
    assert "16.6" in steps(online.close().bundle())


def test_settings_parse_with_their_defaults_and_refuse_bad_values():
    assert parse_setting("proxy_limit", "3") == 3 and parse_setting("proxy_limit", "none") == 0
    assert parse_setting("proxy_staff_barred", "on") is True
    assert parse_setting("excluded_kinds", "储藏室,车位") == ["parking", "storeroom"]
    for name, bad in (("proxy_limit", "-1"), ("proxy_limit", "2.5"),
                      ("proxy_staff_barred", "maybe"), ("excluded_kinds", "住宅")):
        try:
            parse_setting(name, bad)
        except ValueError:
            continue
        raise AssertionError(f"{name}={bad} accepted")
    assert Procedure().to_rules() == {}  # the Civil Code's defaults add nothing to the rules


def test_a_transfer_for_a_voter_of_several_units_fails_16_6():
    # The operator's way past an owner's device signature: a "buyer" for one of the
    # owner's two flats, or for the developer's unsold ones, replaces the owner's ballot.
    # One voter of several units counts as one person; the frozen roll cannot split them.
    for voter in ("v-a", "v-developer"):
        story = Story().genesis().device(voter, day(1, 1)).online(voter, "disagree", day(1))
        failed = verify(transfer(story, voter, "agree", day(2)).close().bundle())
        assert {f.step for f in failed.failures} == {"16.6"}, voter
        assert "holding 2 units" in failed.render()
