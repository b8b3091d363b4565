"""The objection period (异议期) after the close, and the final result (docs §17).

When the genesis rules give `objection_days` N > 0, the close is the *preliminary* result.
From the close's time until exactly N × 24 hours later (that instant excluded) owners file
objections; the committee answers each; at or after the period's end, once every objection
is answered, a `result` entry publishes the final result, listing the objections and the
answers. The texts stay in the app (they may name people); the chain carries a salted
commitment to each (`text_commitment`), or in entries written before it, the plain SHA-256
(`text`), which a short text withdrawn from publication could be found again from.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from votes.core.canonical import canonical_bytes
from votes.core.commitment import is_hex64

CHANNELS = ("online", "staff")
DECISIONS = ("rejected", "noted", "upheld")
DECISION_LABELS = {"rejected": "异议不成立", "noted": "异议成立，但不影响表决结果",
                   "upheld": "异议成立，影响表决结果"}


TEXT_DOMAIN = "votes/objection-text/v1"


def text_digest(text: str) -> str:
    """SHA-256 hex of the text's UTF-8 bytes, exactly as stored and shown (the `text` of
    entries written before text commitments, and the digest of evidence files)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_commitment(proposal: str, salt: str, text: str) -> str:
    """SHA-256 hex of the canonical JSON {"domain", "proposal", "salt", "text"} (§17): with
    the 32 random bytes of the salt kept back, a withdrawn text cannot be found again by
    hashing guesses, as its plain digest could."""
    if not is_hex64(salt):
        raise ValueError("salt must be 64 lowercase hex characters (32 bytes)")
    return hashlib.sha256(canonical_bytes({"domain": TEXT_DOMAIN, "proposal": proposal,
                                           "salt": salt, "text": text})).hexdigest()


def bound_text(body: dict) -> str | None:
    """What an objection or answer entry binds its text by: the commitment, or the plain
    digest of an entry written before commitments."""
    return body.get("text_commitment", body.get("text"))


def text_binding(text: str, proposal: str | None, salt: str | None) -> dict:
    """The body member binding a text: its commitment with a salt, else (bundles written
    before commitments, and test vectors of them) its plain digest."""
    if salt is None:
        return {"text": text_digest(text)}
    if proposal is None:
        raise ValueError("a text commitment names its proposal")
    return {"text_commitment": text_commitment(proposal, salt, text)}


def period_end(close_time: datetime, days: int) -> datetime:
    """The first instant after the objection period: the close's time plus N days (the
    latest datetime when that is after the year 9999: objection_days is any uint)."""
    try:
        return close_time + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=close_time.tzinfo)


def objection_body(*, voter: str, text: str, channel: str, entered_by: str | None = None,
                   evidence: str | None = None, proposal: str | None = None,
                   salt: str | None = None) -> dict:
    """An owner's objection: online through their own link, or entered by staff with the
    digest of the written objection they received. Its text bound by text_binding."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    if channel == "staff" and (not (entered_by or "").strip() or not evidence):
        raise ValueError("an objection entered by staff names who entered it and its evidence")
    if channel == "online" and (entered_by or evidence):
        raise ValueError("an online objection carries no entered_by or evidence")
    return {"voter": voter, **text_binding(text, proposal, salt), "channel": channel,
            "entered_by": entered_by, "evidence": evidence}


def answer_body(*, objection: int, decision: str, text: str, answered_by: str,
                proposal: str | None = None, salt: str | None = None) -> dict:
    """The committee's answer to the objection at position `objection`."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision}")
    if not answered_by.strip():
        raise ValueError("an answer names who gave it")
    return {"objection": objection, "decision": decision,
            **text_binding(text, proposal, salt), "answered_by": answered_by}


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
