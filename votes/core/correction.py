"""Corrections of staff-entered ballots (docs/verification.md §15).

A clerk who entered a paper or proxy ballot wrongly (the wrong box ticked, proxy for
paper, the wrong scan) corrects it before the close by a new ballot entry for the same
voter that names the entry it replaces: its body is an ordinary paper/proxy ballot body
plus {"correction": {"corrects": <seq>, "reason": <text>}}. The original stays on the
chain; the correction, being the voter's last ballot, is the one that counts, and it is
not one of the owner's own changes (max_changes).
"""

from __future__ import annotations

from votes.core.bidi import has_bidi_control
from votes.core.roll import has_control

REASON_MAX = 200
STAFF_CHANNELS = ("paper", "proxy")


def reason_problem(reason: str) -> str | None:
    """Why a correction's reason cannot go on the chain, or None (English, for 15.1)."""
    if not isinstance(reason, str) or not reason.strip():
        return "the correction gives no reason"
    if len(reason) > REASON_MAX or has_control(reason) or has_bidi_control(reason):
        return (f"the reason is longer than {REASON_MAX} characters or has control or "
                "text-direction characters")
    return None


def reason_problem_zh(reason, act: str) -> str:
    """reason_problem's answer in Chinese for a reason it refused (the verifier's report gives
    both); `act` names the entry, 更正 or 撤回."""
    if not isinstance(reason, str) or not reason.strip():
        return f"{act}没有写明原因"
    return f"原因超过 {REASON_MAX} 个字符，或含有控制字符或文字方向控制字符"


def correcting(ballot_body: dict, corrects: int, reason: str) -> dict:
    """A paper/proxy ballot body that supersedes the staff-entered ballot at `corrects`."""
    if ballot_body["channel"] not in STAFF_CHANNELS:
        raise ValueError("only paper and proxy ballots are corrections")
    problem = reason_problem(reason)
    if problem:
        raise ValueError(problem)
    return dict(ballot_body, correction={"corrects": corrects, "reason": reason})


def is_correction(body: dict) -> bool:
    return "correction" in body
