"""Step 15: corrections of staff-entered ballots (docs/verification.md §15)."""

from __future__ import annotations

from votes.core.correction import STAFF_CHANNELS, reason_problem, reason_problem_zh
from votes.core.verifier_base import _Bundle, _Run


def check_corrections(b: _Bundle, run: _Run) -> None:
    """15.1 a correction is a paper/proxy ballot with a reason; 15.2 it names an earlier
    paper/proxy ballot of the same voter; 15.3 that ballot was the voter's last one."""
    entries = dict(b.entries())
    last: dict[str, int] = {}  # voter → position of their latest ballot so far
    withdrawn: dict[int, int] = {}  # ballot position → a later withdrawal naming it (§15.4)
    for n, e in b.entries():
        if e["kind"] == "withdrawal":
            withdrawn.setdefault(e["body"]["withdraws"], n)
            continue
        if e["kind"] != "ballot":
            continue
        body = e["body"]
        voter = body["voter"]
        fix = body.get("correction")
        if fix is not None:
            _check_one(n, body, fix, entries, last.get(voter), run)
            # A withdrawn ballot is not corrected back into the count: the voter has no
            # counted ballot, and a correction always leaves one (§15.2).
            if fix["corrects"] in withdrawn and last.get(voter) == fix["corrects"]:
                run.fail("15.3", f"所更正的第 {fix['corrects']} 条记录已被第 "
                                 f"{withdrawn[fix['corrects']]} 条记录撤回 / corrects entry "
                                 f"{fix['corrects']}, which the withdrawal at entry "
                                 f"{withdrawn[fix['corrects']]} took back", n)
        last[voter] = n


def _check_one(n: int, body: dict, fix: dict, entries: dict[int, dict], latest: int | None,
               run: _Run) -> None:
    if body["channel"] not in STAFF_CHANNELS:
        run.fail("15.1", "更正必须是工作人员录入的纸质或委托选票 / a correction must be a "
                         "paper or proxy ballot entered by staff", n)
    problem = reason_problem(fix["reason"])
    if problem:
        run.fail("15.1", f"{reason_problem_zh(fix['reason'], '更正')} / {problem}", n)
    target = fix["corrects"]
    old = entries.get(target) if target < n else None
    if old is None or old["kind"] != "ballot":
        run.fail("15.2", f"所更正的第 {target} 条不是此前的选票记录 / corrects {target}, "
                         "which is not an earlier ballot entry", n)
    elif old["body"]["voter"] != body["voter"]:
        run.fail("15.2", f"所更正的第 {target} 条记录是另一投票人的选票 / corrects entry "
                         f"{target}, a ballot of another voter", n)
    elif old["body"]["channel"] not in STAFF_CHANNELS:
        run.fail("15.2", f"所更正的第 {target} 条记录是网上选票：只能更正工作人员录入的选票，"
                         f"业主本人所投的选票不能更正 / corrects entry {target}, an online "
                         "ballot: only a ballot entered by staff can be corrected, never the "
                         "owner's own", n)
    elif latest != target:
        last = "该投票人此前没有选票" if latest is None else \
            f"该投票人此前最后一张选票是第 {latest} 条记录"
        run.fail("15.3", f"更正第 {target} 条记录，但{last} / corrects entry {target}, but the "
                         f"voter's last ballot before it is entry {latest}", n)
