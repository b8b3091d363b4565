"""Step 17: the objection period, the answers and the final result (§17)."""

from __future__ import annotations

from votes.core.canonical import parse_time
from votes.core.follow import decided
from votes.core.objection import final_passed, period_end
from votes.core.procedure import objection_days
from votes.core.verifier_base import NO_GENESIS, _Bundle, _Run

KINDS = ("objection", "answer", "result")
KIND_WORDS = {"objection": "异议", "answer": "异议答复", "result": "最终结果"}
# The final result's fields (§17), as the report names them in Chinese.
RESULT_FIELDS = {"close": "所依据的结束记录", "preliminary_passed": "初步结果",
                 "passed": "最终是否通过", "objections": "异议清单", "answers": "答复清单"}


def check_objections(b: _Bundle, genesis: dict | None, run: _Run) -> None:
    if genesis is None:
        run.skip("17.1–17.3", NO_GENESIS)
        return
    entries = [(n, e) for n, e in b.entries() if e["kind"] in KINDS]
    if not entries:
        return
    days = objection_days(genesis["rules"])
    closes = b.entries("close")
    if days == 0 or not closes:
        kind = entries[0][1]["kind"]
        why_zh = "议事规则没有设异议期" if days == 0 else "没有表决结束记录"
        why = "the rules have no objection period" if days == 0 else "there is no close"
        run.fail("17.1", f"有{KIND_WORDS[kind]}记录，但{why_zh} / an {kind} entry, but {why}",
                 entries[0][0])
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
            run.fail("17.3", f"最终结果之后又有{KIND_WORDS[e['kind']]}记录 / an {e['kind']} "
                             "entry after the final result", n)
        if e["kind"] == "objection":
            _check_objection(body, n, n > close_at and when < end, voters, run)
            objections[n] = None
        elif e["kind"] == "answer":
            target = body["objection"]
            if target not in objections:
                run.fail("17.2", f"答复的是第 {target} 条记录，该记录不是此前的异议 / answer "
                                 f"to position {target}, which is no earlier objection", n)
            elif target in answer_at:
                run.fail("17.2", f"第 {target} 条记录的异议已经答复过 / objection {target} "
                                 "was already answered", n)
            else:
                objections[target], answer_at[target] = body["decision"], n
            _check_binding(body, "17.2", "异议答复", "an answer", n, run)
            if not body["answered_by"].strip():
                run.fail("17.2", "异议答复没有写明答复人（answered_by）/ an answer without "
                                 "answered_by", n)
        elif result is not None:
            run.fail("17.3", "第二条最终结果记录 / a second result entry", n)
        else:
            result = (n, e)
    if result is not None:
        _check_result(result, close_at, close, end, objections, answer_at, run)


def _check_objection(body: dict, n: int, in_period: bool, voters, run: _Run) -> None:
    if not in_period:
        run.fail("17.1", "异议不在异议期内（自表决结束起 objection_days × 24 小时）/ "
                         "objection outside the objection period (from the close, for "
                         "objection_days × 24 hours)", n)
    _check_binding(body, "17.1", "异议", "an objection", n, run)
    if voters is not None and body["voter"] not in voters:
        voter = body['voter'][:40]
        run.fail("17.1", f"提出异议的 {voter} 不在名册中 / objection by {voter}, who is not "
                         "in the roll", n)
    if body["channel"] == "online" and (body["entered_by"] is not None
                                         or body["evidence"] is not None):
        run.fail("17.1", "网上提出的异议带有录入人（entered_by）或书面凭证（evidence）/ an "
                         "online objection carries entered_by or evidence", n)
    if body["channel"] == "staff" and (not (body["entered_by"] or "").strip()
                                         or body["evidence"] is None):
        run.fail("17.1", "工作人员录入的异议缺少录入人（entered_by）或书面凭证（evidence）/ "
                         "an objection entered by staff without entered_by and evidence", n)


def _check_binding(body: dict, step: str, zh: str, en: str, n: int, run: _Run) -> None:
    # text_commitment, or in an entry written before commitments, text: never both (which
    # would publish the plain digest a commitment is there to keep back), never neither.
    if ("text" in body) == ("text_commitment" in body):
        run.fail(step, f"{zh}应带有 text_commitment 或 text 之一 / {en} carries exactly one "
                       "of text_commitment and text", n)


def _check_result(result, close_at: int, close: dict, end, objections: dict,
                  answer_at: dict, run: _Run) -> None:
    n, e = result
    body = e["body"]
    if parse_time(e["time"]) < end:
        run.fail("17.3", f"最终结果的时间 {e['time']} 早于异议期结束 / the final result at "
                         f"{e['time']} is before the objection period ends", n)
    unanswered = sorted(o for o, d in objections.items() if d is None)
    if unanswered:
        run.fail("17.3", f"第 {unanswered[0]} 条记录的异议在最终结果之前没有答复 / objection "
                         f"{unanswered[0]} has no answer before the final result", n)
    order = sorted(objections)
    preliminary = decided(close["body"])
    expected = {"close": close_at, "preliminary_passed": preliminary,
                "passed": final_passed(preliminary, (d for d in objections.values() if d)),
                "objections": order, "answers": [answer_at.get(o) for o in order]}
    if body != expected:
        wrong = next(k for k in expected if body.get(k) != expected[k])
        run.fail("17.3", f"最终结果的{RESULT_FIELDS[wrong]}（{wrong}）与表决结束记录、异议及"
                         f"其答复不符 / the final result's {wrong} differs from the close, the "
                         "objections and their answers", n)


def after_close_lines(b: _Bundle) -> tuple[str, ...]:
    """The report's lines for 从多 and the objections (votes.core.procedure_report)."""
    from votes.core.procedure_report import after_close_report
    from votes.core.verifier_vote import _Sealed

    return tuple(after_close_report([_Sealed(e) for _, e in b.entries()]).splitlines())
