"""Steps 15.4–15.6: withdrawals of staff-entered ballots (docs/verification.md §15.4).

A withdrawal takes back the voter's last ballot, entered by staff for the wrong unit; the
voter then has no counted ballot (7.3, 7.4 count by votes.core.withdrawal.counted).
These steps check that a withdrawal is one the server may write: a clerk's entry with a
reason and the scan showing the mistake, in the voting window, of the voter's own latest
staff ballot, never the owner's online ballot nor a buyer's after a sale.
"""

from __future__ import annotations

from votes.core.bidi import shown
from votes.core.correction import reason_problem, reason_problem_zh
from votes.core.verifier_base import _Bundle, _Run
from votes.core.withdrawal import KIND, withdrawable_problem


def check_withdrawals(b: _Bundle, run: _Run) -> None:
    """15.4 well-formed and in the window; 15.5 it names an earlier staff ballot of its
    voter without transfer; 15.6 that ballot is the voter's last, not withdrawn already."""
    p = b.proposal
    if p is None and b.entries(KIND):
        run.skip("15.4", "proposal.json 未通过第 1.4 或 1.5 步，未核对撤回是否在表决期间内 / "
                         "proposal.json failed step 1.4 or 1.5: the window of the "
                         "withdrawals is not checked")
    entries = dict(b.entries())
    last: dict[str, int] = {}  # voter → position of their latest ballot so far
    withdrawn: dict[int, int] = {}  # ballot position → the withdrawal that took it back
    for n, e in b.entries():
        if e["kind"] == "ballot":
            last[e["body"]["voter"]] = n
            continue
        if e["kind"] != KIND:
            continue
        body = e["body"]
        problem = reason_problem(body["reason"])
        if problem:
            run.fail("15.4", f"{reason_problem_zh(body['reason'], '撤回')} / "
                             f"{problem.replace('correction', 'withdrawal')}", n)
        if not body["entered_by"].strip():
            run.fail("15.4", "撤回没有写明录入的工作人员（entered_by）/ a withdrawal without "
                             "entered_by (the clerk who entered it)", n)
        # Times of well-typed entries and proposal: fixed-width UTC text (as in 6.4).
        if p is not None and not p["voting_start"] <= e["time"] < p["voting_end"]:
            run.fail("15.4", f"撤回时间 {e['time']} 不在表决期间内 / withdrawal time "
                             f"{e['time']} is outside the voting window", n)
        target = body["withdraws"]
        old = entries.get(target) if target < n else None
        if old is None or old["kind"] != "ballot":
            run.fail("15.5", f"撤回的第 {target} 条记录不是此前的选票记录 / withdraws "
                             f"{target}, which is not an earlier ballot entry", n)
            continue
        if old["body"]["voter"] != body["voter"]:
            run.fail("15.5", f"撤回的第 {target} 条记录是另一投票人的选票 / withdraws entry "
                             f"{target}, a ballot of another voter", n)
            continue
        problem = withdrawable_problem(old["body"])
        if problem:
            run.fail("15.5", f"撤回的第 {target} 条记录是{problem[0]} / withdraws entry "
                             f"{target}, {problem[1]}", n)
        latest = last.get(body["voter"])
        if target in withdrawn:
            run.fail("15.6", f"撤回的第 {target} 条记录已被第 {withdrawn[target]} 条记录撤回 / "
                             f"withdraws entry {target}, which the withdrawal at entry "
                             f"{withdrawn[target]} already took back", n)
        elif latest != target:
            voter = shown(body['voter'], 40)
            run.fail("15.6", f"撤回的第 {target} 条记录不是投票人 {voter} 在此之前的最后一张"
                             f"选票（最后一张是第 {latest} 条记录）/ withdraws entry {target}, "
                             f"but the last ballot of voter {voter} before it is entry "
                             f"{latest}", n)
        else:
            withdrawn[target] = n
