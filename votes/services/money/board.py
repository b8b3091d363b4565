"""What the public board shows of the money: each works step and the settlement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from votes.extensions import db
from votes.models import FundDebit, Proposal
from votes.services.money.works import works_bodies


@dataclass(frozen=True)
class MoneyView:
    contract: dict | None
    payments: tuple[dict, ...]
    acceptance: dict | None
    settlement: dict | None
    low_units: int  # units below 30% of their first deposit after the settlement
    unknown_units: int = 0  # units whose first deposit is unknown: no one can say

    @property
    def paid(self) -> int:
        return sum(p["amount"] for p in self.payments)


def money_view(proposal: Proposal) -> MoneyView | None:
    """None until a works step is recorded."""
    bodies = works_bodies(db.session, proposal)
    if not bodies:
        return None
    by = {stage: [b["data"] for b in bodies if b["stage"] == stage]
          for stage in ("contract", "payment", "acceptance", "settlement")}
    low = unknown = 0
    if by["settlement"]:
        # Counted in the database: the board and every share look-up show this, and a city's
        # settlement has a debit row per flat.
        low, unknown = db.session.execute(select(
            func.count().filter(FundDebit.low.is_(True)),
            func.count().filter(FundDebit.low.is_(None))).where(
            FundDebit.proposal_id == proposal.id)).one()
    first = lambda stage: by[stage][0] if by[stage] else None  # noqa: E731
    return MoneyView(first("contract"), tuple(by["payment"]), first("acceptance"),
                     first("settlement"), low, unknown)
