"""Step 18 (docs/verification.md §18): the works and the money after a passed vote, on the
chain; and the settlement's apportionment (sums exactly, a larger unit never pays less)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from tests.bundles import KEY_ID, SERVER, Story
from tests.core.tamper_tools import steps as _steps
from tests.core.tamper_tools import verify as _verify
from tests.strategies import units
from votes.core import signing, works
from votes.core.bundle import write_bundle
from votes.core.apportion import apportion

EV = ["ef" * 32]
BUDGET = 654750  # good_story's proposal


def passed_story(tolerance_bp: int = 500) -> Story:
    """The community's 5% tolerance over the budget is frozen in the genesis rules."""
    story = Story()
    story.rules = {**story.rules, "budget_tolerance_bp": tolerance_bp}
    return (story.genesis()
            .paper("v-a", "agree", "2026-12-01T02:00:00Z")
            .paper("v-b", "agree", "2026-12-02T02:00:00Z")
            .paper("v-developer", "disagree", "2026-12-03T02:00:00Z")
            .paper("v-d", "agree", "2026-12-04T02:00:00Z")
            .close())


def bundle(story: Story) -> bytes:
    out = io.BytesIO()
    write_bundle(out, proposal=story.proposal, roll=story.roll, chain=story.seal(),
                 private_key=SERVER, keyring=signing.KeyRing({KEY_ID: SERVER.public_key()}),
                 created_at="2027-01-01T00:00:00Z")
    return out.getvalue()


def verify(story: Story):
    return _verify(bundle(story))


def steps(story: Story) -> set[str]:
    return _steps(bundle(story))


def _add(story: Story, body: dict, time: str, kind: str = "works") -> Story:
    story.entries.append({"kind": kind, "time": time, "body": body})
    return story


def settled(story: Story | None = None, *, amount=600000, payments=(200000, 100000),
            final_cost=640000) -> Story:
    story = story or passed_story()
    _add(story, works.contract_body(contractor="福州电梯有限公司", amount=amount,
                                    tolerance_bp=story.rules.get("budget_tolerance_bp", 0),
                                    evidence=EV), "2026-12-10T01:00:00Z")
    for i, paid in enumerate(payments):
        _add(story, works.payment_body(amount=paid, note=f"第{i + 1}笔", evidence=EV),
             f"2026-12-1{i + 1}T01:00:00Z")
    _add(story, works.acceptance_body(date="2026-12-20", participants=["业委会", "物业"],
                                      evidence=EV), "2026-12-20T01:00:00Z")
    _add(story, works.settlement_body(final_cost=final_cost, paid=sum(payments),
                                      roll=story.roll), "2026-12-21T01:00:00Z")
    return story


def test_a_settled_proposal_verifies_with_every_money_entry():
    story = settled()
    report = verify(story)
    assert report.ok, report.render()
    assert report.outcome == "verified" and report.entries == len(story.entries) == 6 + 5


def test_18_2_works_need_a_passed_close():
    story = Story().genesis().paper("v-a", "disagree", "2026-12-01T02:00:00Z") \
        .paper("v-b", "disagree", "2026-12-02T02:00:00Z") \
        .paper("v-d", "disagree", "2026-12-02T03:00:00Z") \
        .paper("v-developer", "agree", "2026-12-02T04:00:00Z").close()
    assert steps(settled(story)) == {"18.2"}


def test_18_3_stages_out_of_order():
    story = settled()
    story.entries[6], story.entries[7] = story.entries[7], story.entries[6]  # payment first
    story.entries[6]["time"], story.entries[7]["time"] = story.entries[7]["time"], \
        story.entries[6]["time"]
    assert "18.3" in steps(story)
    story = settled()
    del story.entries[-2]  # settlement without acceptance
    assert steps(story) == {"18.3"}


def test_18_4_contract_over_budget_by_more_than_tolerance_boundary():
    limit = BUDGET * 10500 // 10000  # 5% over: still allowed
    assert verify(settled(amount=limit, final_cost=limit)).ok
    assert "18.4" in steps(settled(amount=limit + 1, final_cost=limit))


def test_18_4_the_contract_carries_the_tolerance_the_genesis_froze():
    """A tolerance raised after the vote (or written into the contract) does not count."""
    story = settled()
    story.entries[6]["body"]["data"]["tolerance_bp"] = 5000
    assert steps(story) == {"18.4"}
    story = settled(passed_story(tolerance_bp=0), amount=BUDGET, final_cost=BUDGET)
    assert verify(story).ok
    story.entries[6]["body"]["data"]["tolerance_bp"] = 500
    assert steps(story) == {"18.4"}


def test_18_5_payments_never_exceed_the_contract():
    assert verify(settled(amount=300000, payments=(200000, 100000),
                          final_cost=300000)).ok
    assert steps(settled(amount=300000, payments=(200000, 100001),
                         final_cost=300001)) == {"18.5"}


def test_18_6_final_cost_not_below_payments_nor_over_tolerance():
    assert steps(settled(final_cost=299999)) == {"18.6"}
    assert steps(settled(final_cost=BUDGET * 10500 // 10000 + 1)) == {"18.6"}


def test_18_7_apportionment_recomputes_from_the_roll():
    story = settled()
    story.entries[-1]["body"]["data"]["shares_digest"] = "00" * 32
    assert steps(story) == {"18.7"}


def test_18_1_malformed_stage_data():
    story = settled()
    story.entries[-2]["body"]["data"]["date"] = "20.12.2026"
    assert steps(story) == {"18.1"}
    story = settled()
    story.entries[6]["body"]["data"]["amount"] = -1
    assert steps(story) == {"18.1"}


def test_a_works_entry_before_the_close_fails_7_and_18():
    story = passed_story()
    close = story.entries.pop()
    _add(story, works.contract_body(contractor="x", amount=1, tolerance_bp=0, evidence=EV),
         "2026-12-07T01:00:00Z")
    story.entries.append(close)
    assert {"18.2", "18.3"} & steps(story)


@given(units(), st.integers(0, 5_000_000_00))
def test_settlement_sums_exactly_and_a_larger_unit_never_pays_less(records, cost):
    """Over any roll (tests.strategies.units) and any final cost."""
    roll = {"units": [{"unit_id": u.unit_id, "building": u.building, "entrance": u.entrance,
                       "room": u.room, "area": u.area, "area_basis": u.area_basis.value,
                       "voter": u.unit_id} for u in records]}
    shares = works.settlement_shares(roll, cost)
    assert sum(s.amount for s in shares) == cost
    for a in shares:
        for b in shares:
            if a.area > b.area:
                assert a.amount >= b.amount
    expected = apportion(cost, records, presorted=True)
    assert [(s.unit_id, s.amount) for s in shares] == [(s.unit_id, s.amount) for s in expected]
    assert [s.unit_id for s in shares] == [u.unit_id for u in records]  # roll order


def test_witnessed_before_the_close_counts_up_to_the_close_when_works_follow_it():
    from tests.core.test_witness_receipts import WITNESSES, _cosig

    story = settled()
    sealed = story.seal()  # 6 vote entries (close at 2026-12-08), then 5 works entries
    cosigs = [_cosig(sealed, 6, "2026-12-08T01:00:00Z"),  # at the close
              _cosig(sealed, 11, "2027-01-02T00:00:00Z")]
    out = io.BytesIO()
    write_bundle(out, proposal=story.proposal, roll=story.roll, chain=sealed,
                 private_key=SERVER, keyring=signing.KeyRing({KEY_ID: SERVER.public_key()}),
                 created_at="2027-01-03T00:00:00Z", witness=cosigs)
    report = _verify(out.getvalue(), witness_keys=WITNESSES)
    assert report.outcome == "verified", report.render()
    assert (report.witnessed.before_close, report.witnessed.length) == (6, 11)


def test_18_7_a_roll_without_area_fails_the_apportionment_not_the_steps_before():
    """roll.json's areas all zero (the genesis and the tally fail too): the settlement
    cannot be split by area, which is 18.7's failure, not a step that could not run."""
    story = settled()
    for unit in story.roll["units"]:
        unit["area"] = 0
    report = verify(story)
    failed = steps(story)
    assert "18.7" in failed and "18.1" not in failed, failed
    assert "cannot be apportioned" in report.render()


def test_18_2_works_need_a_decision_to_use_the_fund():
    """A passed vote on another matter ("other" with a budget, or raising the fund) decided
    nothing about spending the fund: the app refuses works on it (money.works.decision),
    and a bundle whose chain records them anyway (a tampered app, or one from before that
    check) must fail 18.2 too, not verify."""
    from votes.core.rules import Matter, default_rules

    for matter in ("other", "raise_fund"):
        story = Story()
        story.proposal = {**story.proposal, "matter": matter}
        story.rules = {**default_rules(Matter(matter)).to_dict(), "budget_tolerance_bp": 500}
        story.genesis() \
            .paper("v-a", "agree", "2026-12-01T02:00:00Z") \
            .paper("v-b", "agree", "2026-12-02T02:00:00Z") \
            .paper("v-developer", "disagree", "2026-12-03T02:00:00Z") \
            .paper("v-d", "agree", "2026-12-04T02:00:00Z").close()
        assert verify(story).ok, (matter, verify(story).render())  # the vote itself
        assert steps(settled(story)) == {"18.2"}, matter


def test_18_1_an_acceptance_date_is_a_real_calendar_date():
    """2026-02-30 has the shape YYYY-MM-DD but names no day; the server refuses it
    (money.works.record_acceptance, by core works.is_date), so a chain carrying one was not written by it: 18.1 fails,
    as §1.2's times name a real date and time."""
    for date in ("2026-02-30", "2026-04-31", "2027-02-29", "0000-01-01"):
        story = settled()
        story.entries[-2]["body"]["data"]["date"] = date
        assert steps(story) == {"18.1"}, date
    story = settled()
    story.entries[-2]["body"]["data"]["date"] = "2028-02-29"  # a leap day is a day
    assert verify(story).ok


def emergency_story() -> Story:
    story = Story()
    story.proposal = {**story.proposal, "emergency": True}
    story.genesis()
    _add(story, works.emergency_body(category="elevator", applicant="committee",
                                     reason="电梯困人", evidence=EV),
         story.entries[0]["time"], kind="emergency")
    return settled(story)


def test_18_2_and_18_8_see_an_emergency_entry_that_failed_1_5():
    """§5: an emergency entry counts even when it failed 1.5. 18.2 took the chain for a
    vote (and said the works came before its close), 18.8 did not see where it stood."""
    story = emergency_story()
    assert verify(story).ok
    story.entries[1]["body"]["category"] = "flood"  # not a category: 1.5
    assert steps(story) == {"1.5"}
    story = emergency_story()
    story.entries[1], story.entries[2] = story.entries[2], story.entries[1]
    story.entries[1]["time"] = story.entries[2]["time"]
    assert steps(story) == {"18.2", "18.8"}  # well typed: works before it, not entry 1
    story.entries[2]["body"]["category"] = "flood"
    assert steps(story) == {"1.5", "18.2", "18.8"}
