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


def _delivery(time="2026-12-01T01:10:00Z", voter="v-c"):
    return ["delivery", time, follow.delivery_body(
        voter=voter, method="hand", delivered_at="2026-11-28T02:00:00Z",
        evidence=objection.text_digest("签收单 " + voter), entered_by="clerk1")]


def _plan(mv, deliveries=(), **settings) -> list[list]:
    items = mv.plan()
    items[0][2] = _genesis(mv, **settings)
    return items[:1] + list(deliveries) + items[1:]


def _with_follow(mv, mode, change=None):
    """edit(n, entry) that puts the 从多 figures into the close (then lets `change` alter it)."""
    area_of: dict[str, int] = {}
    for u in mv.ex.ROLL["units"]:
        area_of[u["voter"]] = area_of.get(u["voter"], 0) + u["area"]

    def edit(n, entry):
        if entry["kind"] != "close":
            return
        tally = Tally.from_dict(entry["body"]["tally"])
        rules = Rules.from_dict(mv.ex.RULES)
        figures = follow.compute_follow(tally, rules, mode, area_of,
                                        ["v-a", "v-b", "v-developer", "v-d"], ["v-c"])
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


def procedure_vectors(mv) -> list[tuple[str, str, bytes, str, list[str]]]:
    v = []

    def add(name, rule, items, outcome="failed", steps=(), edit=None, close=CLOSE):
        data = mv.zipped(mv.files_of(mv.seal(items, close=close, edit=edit),
                                     created_at="2026-12-12T02:00:00Z"))
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

    period = _plan(mv, [_delivery()], objection_days=3)
    add("objection-period", "§17: an objection, its answer and the final result",
        period + _after_close(period), "verified", close=None)
    add("objection-too-late", "17.1: the period ends exactly at its hour",
        period + _after_close(period, objection_time=PERIOD_END), steps=["17.1"], close=None)
    add("result-before-period-end", "17.3: the final result waits for the period's end",
        period + _after_close(period, result_time="2026-12-11T00:59:59Z"), steps=["17.3"],
        close=None)
    both = _plan(mv, [_delivery()], objection_days=3, follow_majority="full")
    add("result-hides-upheld", "17.3: an upheld objection leaves the decision unconfirmed",
        both + _after_close(both, "upheld", preliminary=True, passed=True), steps=["17.3"],
        close=None, edit=_with_follow(mv, "full"))
    return v
