"""Step 17: the objection period, the answers and the final result (§17)."""

from __future__ import annotations

from votes.core.canonical import parse_time
from votes.core.follow import decided
from votes.core.objection import final_passed, period_end
from votes.core.procedure import objection_days
from votes.core.verifier_base import _Bundle, _Run

KINDS = ("objection", "answer", "result")


def check_objections(b: _Bundle, genesis: dict | None, run: _Run) -> None:
    if genesis is None:
        run.skip("17.1–17.3", "there is no valid genesis (5.1)")
        return
    entries = [(n, e) for n, e in b.entries() if e["kind"] in KINDS]
    if not entries:
        return
    days = objection_days(genesis["rules"])
    closes = b.entries("close")
    if days == 0 or not closes:
        why = "the rules have no objection period" if days == 0 else "there is no close"
        run.fail("17.1", f"an {entries[0][1]['kind']} entry, but {why}", entries[0][0])
        return
    close_at, close = closes[0]
    end = period_end(parse_time(close["time"]), days)
    voters = {u["voter"] for u in b.roll["units"]} if b.roll is not None else None
    objections: dict[int, str | None] = {}  # position → decision of its answer
    answer_at: dict[int, int] = {}
    result = None
    for n, e in entries:
        body, when = e["body"], parse_time(e["time"])
        if result is not None and e["kind"] != "result":
            run.fail("17.3", f"an {e['kind']} entry after the final result", n)
        if e["kind"] == "objection":
            _check_objection(body, n, n > close_at and when < end, voters, run)
            objections[n] = None
        elif e["kind"] == "answer":
            target = body["objection"]
            if target not in objections:
                run.fail("17.2", f"answer to position {target}, which is no earlier objection", n)
            elif target in answer_at:
                run.fail("17.2", f"objection {target} was already answered", n)
            else:
                objections[target], answer_at[target] = body["decision"], n
            if not body["answered_by"]:
                run.fail("17.2", "an answer without answered_by", n)
        elif result is not None:
            run.fail("17.3", "a second result entry", n)
        else:
            result = (n, e)
    if result is not None:
        _check_result(result, close_at, close, end, objections, answer_at, run)


def _check_objection(body: dict, n: int, in_period: bool, voters, run: _Run) -> None:
    if not in_period:
        run.fail("17.1", "objection outside the objection period (from the close, for "
                         "objection_days × 24 hours)", n)
    if voters is not None and body["voter"] not in voters:
        run.fail("17.1", f"objection by {body['voter'][:40]}, who is not in the roll", n)
    if body["channel"] == "online" and (body["entered_by"] is not None
                                         or body["evidence"] is not None):
        run.fail("17.1", "an online objection carries entered_by or evidence", n)
    if body["channel"] == "staff" and (not body["entered_by"] or body["evidence"] is None):
        run.fail("17.1", "an objection entered by staff without entered_by and evidence", n)


def _check_result(result, close_at: int, close: dict, end, objections: dict,
                  answer_at: dict, run: _Run) -> None:
    n, e = result
    body = e["body"]
    if parse_time(e["time"]) < end:
        run.fail("17.3", f"the final result at {e['time']} is before the objection period "
                         "ends", n)
    unanswered = sorted(o for o, d in objections.items() if d is None)
    if unanswered:
        run.fail("17.3", f"objection {unanswered[0]} has no answer before the final result", n)
    order = sorted(objections)
    preliminary = decided(close["body"])
    expected = {"close": close_at, "preliminary_passed": preliminary,
                "passed": final_passed(preliminary, (d for d in objections.values() if d)),
                "objections": order, "answers": [answer_at.get(o) for o in order]}
    if body != expected:
        wrong = next(k for k in expected if body.get(k) != expected[k])
        run.fail("17.3", f"the final result's {wrong} differs from the close, the objections "
                         "and their answers", n)


def after_close_lines(b: _Bundle) -> tuple[str, ...]:
    """The report's lines for 从多 and the objections (votes.core.procedure_report)."""
    from votes.core.procedure_report import after_close_report
    from votes.core.verifier_vote import _Sealed

    return tuple(after_close_report([_Sealed(e) for _, e in b.entries()]).splitlines())
