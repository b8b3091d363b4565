"""Steps 15.4–15.6: withdrawals of staff-entered ballots (docs/verification.md §15.4).

A withdrawal takes back the voter's last ballot, entered by staff for the wrong unit; the
voter then has no counted ballot (7.3, 7.4 count by votes.core.withdrawal.counted).
These steps check that a withdrawal is one the server may write: a clerk's entry with a
reason and the scan showing the mistake, in the voting window, of the voter's own latest
staff ballot, never the owner's online ballot nor a buyer's after a sale.
"""

from __future__ import annotations

from votes.core.bidi import shown
from votes.core.correction import reason_problem
from votes.core.verifier_base import _Bundle, _Run
from votes.core.withdrawal import KIND, withdrawable_problem


def check_withdrawals(b: _Bundle, run: _Run) -> None:
    """15.4 well-formed and in the window; 15.5 it names an earlier staff ballot of its
    voter without transfer; 15.6 that ballot is the voter's last, not withdrawn already."""
    p = b.proposal
    if p is None and b.entries(KIND):
        run.skip("15.4", "proposal.json failed step 1.4 or 1.5: the window of the "
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
            run.fail("15.4", problem.replace("correction", "withdrawal"), n)
        if not body["entered_by"].strip():
            run.fail("15.4", "a withdrawal without entered_by (the clerk who entered it)", n)
        # Times of well-typed entries and proposal: fixed-width UTC text (as in 6.4).
        if p is not None and not p["voting_start"] <= e["time"] < p["voting_end"]:
            run.fail("15.4", f"withdrawal time {e['time']} is outside the voting window", n)
        target = body["withdraws"]
        old = entries.get(target) if target < n else None
        if old is None or old["kind"] != "ballot":
            run.fail("15.5", f"withdraws {target}, which is not an earlier ballot entry", n)
            continue
        if old["body"]["voter"] != body["voter"]:
            run.fail("15.5", f"withdraws entry {target}, a ballot of another voter", n)
            continue
        problem = withdrawable_problem(old["body"])
        if problem:
            run.fail("15.5", f"withdraws entry {target}, {problem}", n)
        latest = last.get(body["voter"])
        if target in withdrawn:
            run.fail("15.6", f"withdraws entry {target}, which the withdrawal at entry "
                             f"{withdrawn[target]} already took back", n)
        elif latest != target:
            run.fail("15.6", f"withdraws entry {target}, but the last ballot of voter "
                             f"{shown(body['voter'], 40)} before it is entry {latest}", n)
        else:
            withdrawn[target] = n
