"""The objection period (异议期) after the close, and the final result (docs §17).

When the genesis rules give `objection_days` N > 0, the close is the *preliminary* result.
From the close's time until exactly N × 24 hours later (that instant excluded) owners file
objections; the committee answers each; at or after the period's end, once every objection
is answered, a `result` entry publishes the final result, listing the objections and the
answers. The texts stay in the app (they may name people); the chain carries their SHA-256.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Iterable, Mapping

CHANNELS = ("online", "staff")
DECISIONS = ("rejected", "noted", "upheld")
DECISION_LABELS = {"rejected": "异议不成立", "noted": "异议成立，但不影响表决结果",
                   "upheld": "异议成立，影响表决结果"}


def text_digest(text: str) -> str:
    """SHA-256 hex of the text's UTF-8 bytes, exactly as stored and shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def period_end(close_time: datetime, days: int) -> datetime:
    """The first instant after the objection period: the close's time plus N days (the
    latest datetime when that is after the year 9999: objection_days is any uint)."""
    try:
        return close_time + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=close_time.tzinfo)


def objection_body(*, voter: str, text: str, channel: str, entered_by: str | None = None,
                   evidence: str | None = None) -> dict:
    """An owner's objection: online through their own link, or entered by staff with the
    digest of the written objection they received."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    if channel == "staff" and (not (entered_by or "").strip() or not evidence):
        raise ValueError("an objection entered by staff names who entered it and its evidence")
    if channel == "online" and (entered_by or evidence):
        raise ValueError("an online objection carries no entered_by or evidence")
    return {"voter": voter, "text": text_digest(text), "channel": channel,
            "entered_by": entered_by, "evidence": evidence}


def answer_body(*, objection: int, decision: str, text: str, answered_by: str) -> dict:
    """The committee's answer to the objection at position `objection`."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision}")
    if not answered_by.strip():
        raise ValueError("an answer names who gave it")
    return {"objection": objection, "decision": decision, "text": text_digest(text),
            "answered_by": answered_by}


def final_passed(preliminary: bool, decisions: Iterable[str]) -> bool:
    """The final result: the preliminary one, unless an objection was upheld as affecting
    it (then the decision is not confirmed: the matter must be put to a new vote)."""
    return preliminary and "upheld" not in set(decisions)


def result_body(*, close: int, preliminary: bool, objections: Iterable[int],
                answers: Mapping[int, tuple[int, str]]) -> dict:
    """The final result: answers maps each objection's position to (answer position,
    decision); every objection must have one."""
    objections = sorted(objections)
    missing = [o for o in objections if o not in answers]
    if missing:
        raise ValueError(f"objection {missing[0]} has no answer")
    return {"close": close, "preliminary_passed": preliminary,
            "passed": final_passed(preliminary, (answers[o][1] for o in objections)),
            "objections": objections, "answers": [answers[o][0] for o in objections]}
