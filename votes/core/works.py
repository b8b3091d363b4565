"""After a passed vote: the works and the money as chain entries (docs/verification.md §18).

One entry kind, `works`, whose body is {"stage", "data"}: the contract, advance payments,
the acceptance and the settlement, in that order. An emergency use without a vote (应急使用)
has an `emergency` entry right after its genesis instead of ballots and a close.
Amounts are integers in fen; the settlement re-apportions the final cost over the frozen
roll by area (largest remainder), and carries the digest of that apportionment.
"""

from __future__ import annotations

import datetime
import re
from typing import Sequence

from votes.core.apportion import Share, apportion
from votes.core.bundle import roll_units
from votes.core.canonical import canonical_digest

KIND = "works"
EMERGENCY = "emergency"
STAGES = ("contract", "payment", "acceptance", "settlement")
# 应急使用: the dangers to safety the Ministry's rules name (elevator, fire systems, leaks,
# falling exterior parts) and who may apply.
CATEGORIES = ("elevator", "fire", "leak", "facade")
APPLICANTS = ("committee", "property_company")
BASIS_POINTS = 10_000  # tolerance is in basis points: 500 = 5%
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def is_date(text: object) -> bool:
    """YYYY-MM-DD in ASCII digits, naming a day of the calendar (2026-02-30 names none)."""
    if not isinstance(text, str) or _DATE.fullmatch(text) is None:
        return False
    try:
        datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:  # a day past the month's end, or year 0
        return False
    return True


def within_tolerance(amount: int, budget: int, tolerance_bp: int) -> bool:
    """amount ≤ budget × (1 + tolerance), in integers: no more than tolerance above budget."""
    return amount * BASIS_POINTS <= budget * (BASIS_POINTS + tolerance_bp)


def most_within_tolerance(budget: int, tolerance_bp: int) -> int:
    """The largest amount (fen) within_tolerance lets through: what a refusal offers."""
    return budget * (BASIS_POINTS + tolerance_bp) // BASIS_POINTS


def _evidence(evidence: Sequence[str]) -> list[str]:
    digests = list(evidence)
    if not digests:
        raise ValueError("at least one evidence digest")
    return digests


def contract_body(*, contractor: str, amount: int, tolerance_bp: int,
                  evidence: Sequence[str]) -> dict:
    """The contract signed: who, for how much, the community's tolerance over the budget."""
    return {"stage": "contract", "data": {"contractor": contractor, "amount": amount,
                                          "tolerance_bp": tolerance_bp,
                                          "evidence": _evidence(evidence)}}


def payment_body(*, amount: int, note: str, evidence: Sequence[str]) -> dict:
    """An advance payment to the contractor out of the fund."""
    return {"stage": "payment", "data": {"amount": amount, "note": note,
                                         "evidence": _evidence(evidence)}}


def acceptance_body(*, date: str, participants: Sequence[str],
                    evidence: Sequence[str]) -> dict:
    """The works accepted (验收) on date by these participants, with photos/report digests."""
    if not is_date(date):
        raise ValueError("date must be YYYY-MM-DD")
    return {"stage": "acceptance", "data": {"date": date, "participants": list(participants),
                                            "evidence": _evidence(evidence)}}


def settlement_body(*, final_cost: int, paid: int, roll: dict) -> dict:
    """The final cost, what was paid before it, and the digest of its apportionment."""
    shares = settlement_shares(roll, final_cost)
    return {"stage": "settlement", "data": {
        "final_cost": final_cost, "paid": paid, "units": len(shares),
        "shares_digest": shares_digest(final_cost, shares)}}


def emergency_body(*, category: str, applicant: str, reason: str,
                   evidence: Sequence[str]) -> dict:
    """Why this use of the fund was decided without an owner vote."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category}")
    if applicant not in APPLICANTS:
        raise ValueError(f"unknown applicant {applicant}")
    return {"category": category, "applicant": applicant, "reason": reason,
            "evidence": _evidence(evidence)}


def settlement_shares(roll: dict, final_cost: int) -> tuple[Share, ...]:
    """The final cost split over the frozen roll's units by area (votes.core.apportion),
    remainders tied broken by roll.json's order (the frozen roll is in natural order)."""
    return apportion(final_cost, roll_units(roll), presorted=True)


def shares_digest(final_cost: int, shares: Sequence[Share]) -> str:
    """SHA-256 of the canonical JSON {"final_cost", "shares": [[unit_id, fen], …]} with the
    shares in roll.json's order."""
    return canonical_digest({"final_cost": final_cost,
                             "shares": [[s.unit_id, s.amount] for s in shares]})


def money_stage(bodies: Sequence[dict]) -> dict:
    """A summary of a chain's works bodies: stage reached and the amounts, for overviews.
    `stage` is the last entry's; `accepted` says whether the works were accepted (a payment
    may come after the acceptance: it is then no advance)."""
    summary = {"stage": "", "contractor": "", "contract": None, "paid": 0, "final_cost": None,
               "accepted": False}
    for body in bodies:
        data = body["data"]
        summary["stage"] = body["stage"]
        if body["stage"] == "acceptance":
            summary["accepted"] = True
        elif body["stage"] == "contract":
            summary.update(contractor=data["contractor"], contract=data["amount"])
        elif body["stage"] == "payment":
            summary["paid"] += data["amount"]
        elif body["stage"] == "settlement":
            summary["final_cost"] = data["final_cost"]
    return summary
