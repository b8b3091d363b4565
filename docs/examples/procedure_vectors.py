"""Test vectors for the objection period (§17) and 从多 (§19), built by make_vectors.py
from the worked example: the same roll and ballots, rules with these settings."""

from __future__ import annotations

from votes.core import chain, follow, objection
from votes.core.rules import Rules
from votes.core.tally import Tally

CLOSE = "2026-12-08T01:00:00Z"
PERIOD_END = "2026-12-11T01:00:00Z"  # the close + 3 days


def _genesis(mv, **settings):
    return chain.genesis_body(mv.ex.PROPOSAL, mv.ex.ROLL, {**mv.ex.RULES, **settings})


def _delivery(time="2026-12-01T01:10:00Z", voter="v-c", entered_by="clerk1"):
    body = follow.delivery_body(
        voter=voter, method="hand", delivered_at="2026-11-28T02:00:00Z",
        evidence=objection.text_digest("签收单 " + voter), entered_by="clerk1")
    body["entered_by"] = entered_by  # as written, where a vector breaks the builder's rule
    return ["delivery", time, body]


def _plan(mv, deliveries=(), **settings) -> list[list]:
    items = mv.plan()
    items[0][2] = _genesis(mv, **settings)
    return items[:1] + list(deliveries) + items[1:]


def _with_follow(mv, mode, change=None, *, roll=None, excluded=(),
                 voted=("v-a", "v-b", "v-developer", "v-d"), delivered=("v-c",)):
    """edit(n, entry) that puts the 从多 figures into the close (then lets `change` alter it);
    followers counted over the units of `roll` whose kind is not in `excluded` (§16)."""
    units = (roll or mv.ex.ROLL)["units"]
    area_of = follow.counted_areas(
        ((u["voter"], u["area"], u.get("kind", "dwelling")) for u in units), excluded)

    def edit(n, entry):
        if entry["kind"] != "close":
            return
        tally = Tally.from_dict(entry["body"]["tally"])
        rules = Rules.from_dict(mv.ex.RULES)
        figures = follow.compute_follow(tally, rules, mode, area_of, list(voted),
                                        list(delivered))
        entry["body"]["follow"] = figures.to_dict()
        if change:
            change(entry["body"])
    return edit


def _after_close(before: list, decision="noted", objection_time="2026-12-09T00:00:00Z",
                 result_time=PERIOD_END, preliminary=False, passed=None):
    close, obj, ans = len(before), len(before) + 1, len(before) + 2
    result = objection.result_body(close=close, preliminary=preliminary, objections=[obj],
                                   answers={obj: (ans, decision)})
    if passed is not None:
        result["passed"] = passed
    return [["close", CLOSE, None],
            ["objection", objection_time, objection.objection_body(
                voter="v-c", text="送达记录不实", channel="online")],
            ["answer", max(objection_time, "2026-12-09T02:00:00Z"), objection.answer_body(
                objection=obj, decision=decision, text="有签收单为证", answered_by="committee")],
            ["result", result_time, result]]


def _excluded_kind_vectors(mv, add) -> None:
    """§19 with §16: followers are counted over the units the rules count. v-developer's
    second unit and v-d's only unit are parking spaces, left out; v-c and v-developer have
    a delivery and no ballot; v-d holds only a parking space."""
    from copy import deepcopy

    from votes.core.local_rules import roll_totals

    parked = deepcopy(mv.ex.ROLL)
    for unit in parked["units"]:
        if unit["unit_id"] in ("u6", "u7"):
            unit["kind"] = "parking"
    settings = {"follow_majority": "full", "excluded_kinds": ["parking"]}
    rules = {**mv.ex.RULES, **settings}
    parked["total_area"], parked["total_headcount"] = roll_totals(parked, rules)

    def items(*voters):
        plan = mv.plan()[:4]  # genesis, v-a's device and ballot, v-b's ballot
        plan[0][2] = chain.genesis_body(mv.ex.PROPOSAL, parked, rules)
        return plan[:1] + [_delivery(voter=v) for v in voters] + plan[1:]

    def figures(change=None, excluded=("parking",), delivered=("v-c", "v-developer")):
        return _with_follow(mv, "full", change, roll=parked, excluded=excluded,
                            voted=("v-a", "v-b"), delivered=delivered)

    two = items("v-c", "v-developer")
    add("follow-excluded-kinds", "§19, §16: a follower's area leaves out their parking space",
        two, "verified", edit=figures(), roll=parked, rules=rules)
    add("follow-area-with-parking", "19.3: a follower's area counts only the counted units",
        two, steps=["19.3"], edit=figures(excluded=()), roll=parked, rules=rules)
    add("delivery-excluded-only", "19.1: no delivery for a voter holding only excluded units",
        items("v-c", "v-developer", "v-d"), steps=["19.1"], roll=parked, rules=rules,
        edit=figures(delivered=("v-c", "v-developer", "v-d")))


def procedure_vectors(mv) -> list[tuple[str, str, bytes, str, list[str]]]:
    v = []

    def add(name, rule, items, outcome="failed", steps=(), edit=None, close=CLOSE, roll=None,
            rules=None):
        data = mv.zipped(mv.files_of(mv.seal(items, close=close, edit=edit, roll=roll,
                                             rules=rules),
                                     roll=roll, created_at="2026-12-12T02:00:00Z"))
        v.append((name, rule, data, outcome, list(steps)))

    full = _plan(mv, [_delivery()], follow_majority="full")
    add("follow-majority", "§19: 从多 in full mode; the ballots alone fail, with the follower "
        "the vote passes", full, "verified", edit=_with_follow(mv, "full"))

    def mixed(body):
        body["tally"]["agree_headcount"] += 1
        body["tally"]["participating_headcount"] += 1
    add("follow-mixed-into-tally", "7.4: a follower counted as a ballot in the close's tally",
        full, steps=["7.4"], edit=_with_follow(mv, "full", mixed))
    add("follow-figures-changed", "19.3: the 从多 figures must recompute", full,
        steps=["19.3"], edit=_with_follow(mv, "full", lambda b: b["follow"].update(area=1)))
    add("follow-without-rule", "19.2: no 从多 figures where the rules do not adopt it",
        _plan(mv, [_delivery()]), steps=["19.2"], edit=_with_follow(mv, "full"))
    late = _plan(mv, follow_majority="full") + [_delivery("2026-12-08T01:00:00Z")]
    add("delivery-after-end", "19.1: deliveries are recorded in the voting window", late,
        steps=["19.1"], edit=_with_follow(mv, "full"))
    add("delivery-blank-clerk", "19.1: a delivery names its clerk: whitespace alone names no "
        "one", _plan(mv, [_delivery(entered_by=" ")], follow_majority="full"), steps=["19.1"],
        edit=_with_follow(mv, "full"))
    _excluded_kind_vectors(mv, add)

    period = _plan(mv, [_delivery()], objection_days=3)
    add("objection-period", "§17: an objection, its answer and the final result",
        period + _after_close(period), "verified", close=None)
    add("objection-preliminary", "§7, §17: closed, an objection and its answer, no final "
        "result yet: the result is only preliminary (exit status 5)",
        period + _after_close(period)[:3], "preliminary", close=None)
    add("objection-too-late", "17.1: the period ends exactly at its hour",
        period + _after_close(period, objection_time=PERIOD_END), steps=["17.1"], close=None)
    staff = period + _after_close(period)
    staff[len(period) + 1][2] = objection.objection_body(
        voter="v-c", text="送达记录不实", channel="staff", entered_by="clerk1",
        evidence=objection.text_digest("书面异议 v-c"))
    staff[len(period) + 1][2]["entered_by"] = "\t"
    add("objection-blank-clerk", "17.1: an objection entered by staff names its clerk: "
        "whitespace alone names no one", staff, steps=["17.1"], close=None)
    unsigned = period + _after_close(period)
    unsigned[len(period) + 2][2]["answered_by"] = "  "
    add("answer-blank-answerer", "17.2: an answer names who gave it: whitespace alone names "
        "no one", unsigned, steps=["17.2"], close=None)
    add("result-before-period-end", "17.3: the final result waits for the period's end",
        period + _after_close(period, result_time="2026-12-11T00:59:59Z"), steps=["17.3"],
        close=None)
    both = _plan(mv, [_delivery()], objection_days=3, follow_majority="full")
    add("result-hides-upheld", "17.3: an upheld objection leaves the decision unconfirmed",
        both + _after_close(both, "upheld", preliminary=True, passed=True), steps=["17.3"],
        close=None, edit=_with_follow(mv, "full"))
    return v
