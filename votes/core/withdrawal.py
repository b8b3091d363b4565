"""Withdrawals of staff-entered ballots (docs/verification.md §15.4–15.6).

A clerk who typed a paper or proxy ballot against the wrong flat cannot fix it with a
correction: a correction always leaves the voter with a counted ballot (§15.2), so the
flat's owner would count as having voted, with the clerk's choice. Participation counts
in art. 278's double majority, so one mistyped flat can move a vote over a threshold.

A withdrawal is its own chain entry, in the voting window like a ballot:

    {"voter", "withdraws": <position of the ballot entry>, "reason", "entered_by",
     "evidence": <SHA-256 of the scan that shows the mistake>}

It names the voter's last ballot, entered by staff, carrying no `transfer`. From then on
the voter has no counted ballot (earlier superseded ballots do not come back) until they
vote again. The withdrawn entry stays on the chain, is never opened, holds its form no
more (6.12), and, with the entries its corrections replaced, counts neither toward
`max_changes` (6.7) nor toward its proxy's limit (16.3): it was never the voter's.
"""

from __future__ import annotations

from typing import Container, Iterable

from votes.core.commitment import is_hex64
from votes.core.correction import STAFF_CHANNELS, reason_problem

KIND = "withdrawal"


def withdrawal_body(*, voter: str, withdraws: int, reason: str, entered_by: str,
                    evidence: str) -> dict:
    """The body of a withdrawal of the ballot entry at `withdraws` (ValueError if malformed)."""
    problem = reason_problem(reason)
    if problem:
        raise ValueError(problem)
    if not entered_by:
        raise ValueError("a withdrawal names the clerk who entered it")
    if not is_hex64(evidence):
        raise ValueError("a withdrawal carries the SHA-256 hex of the scan showing the mistake")
    if type(withdraws) is not int or withdraws < 1:
        raise ValueError("a withdrawal names the position of a ballot entry")
    return {"voter": voter, "withdraws": withdraws, "reason": reason,
            "entered_by": entered_by, "evidence": evidence}


def withdrawable_problem(ballot_body: dict) -> tuple[str, str] | None:
    """Why this ballot body cannot be withdrawn by staff whatever its place, as (Chinese,
    English) for the regulator's report (15.5), or None. The owner's own online ballot wins
    over staff, as with corrections; a new owner's ballot after a sale is not a mistyped
    flat: undoing a sale is another matter, and a wrong one is entered again."""
    if ballot_body["channel"] not in STAFF_CHANNELS:
        return ("网上选票：只有工作人员录入的选票可以撤回，业主本人的选票不能撤回",
                "an online ballot: only a ballot entered by staff can be withdrawn, never "
                "the owner's own")
    if "transfer" in ballot_body:
        return ("带有过户证明的选票（§16）：撤回不能撤销过户，录错的应予更正",
                "a ballot carrying transfer (§16): a sale is not undone by a withdrawal; "
                "a wrong entry is corrected")
    return None


def counted(entries: Iterable[tuple[int, dict]]) -> dict[str, tuple[int, dict]]:
    """Each voter's counted ballot among (position, entry) pairs in chain order: their last
    ballot entry, unless a withdrawal after it names it (then none: the ballots it
    superseded stay superseded). A withdrawal naming anything else changes nothing here
    (steps 15.5–15.6 fail it)."""
    out: dict[str, tuple[int, dict]] = {}
    for n, e in entries:
        kind = e["kind"]
        if kind == "ballot":
            out[e["body"]["voter"]] = (n, e)
        elif kind == KIND:
            body = e["body"]
            last = out.get(body["voter"])
            if last is not None and last[0] == body["withdraws"]:
                del out[body["voter"]]
    return out


def chain_of(n: int, ballots: dict[int, dict], taken: Container[int] = ()) -> list[int]:
    """The positions a withdrawal of the ballot at `n` takes back: that entry and, when it
    is a correction, the entries its corrections replaced (one staff entry, corrected;
    §15). `ballots`: position → ballot body, of ballots before n. Stops at anything that
    is not an earlier ballot of the same voter (15.2 fails such a correction), and before
    an entry in `taken`, those earlier withdrawals took back: each took back the entries
    its own ballot's corrections replaced as well, so nothing further is new. Without that
    stop a forged chain — one ballot corrected L times, then corrections of withdrawn
    ballots (failing 15.3) each withdrawn in turn — cost L steps a withdrawal."""
    out = [n]
    voter = ballots[n]["voter"]
    while True:
        fix = ballots[out[-1]].get("correction")
        if fix is None:
            return out
        m = fix["corrects"]
        old = ballots.get(m)
        if m >= out[-1] or old is None or old["voter"] != voter or m in taken:
            return out
        out.append(m)
