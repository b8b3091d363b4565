"""Splitting (拆分) emergency uses under the community's cap (emergency_max_budget).

The cap bounds one use; works split into several uses, each under it, would spend past it
without an owner vote, a classic way around a procurement threshold. A real danger is
not blocked: when the uses of an overlapping scope published in the 12 months before,
with this one, exceed the cap, the applicant acknowledges each of them by its id, as the
failed votes (emergency.votes_named); the ids go to the audit log and are shown with the
use. The server's rule only, as the cap is (docs/verification.md §18.6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.extensions import db
from votes.models import AuditEntry, Proposal


@dataclass(frozen=True)
class EarlierUse:
    """An emergency use of an overlapping scope published in the 12 months before."""

    id: int
    title: str
    opened_at: datetime
    budget: int  # fen


@dataclass(frozen=True)
class Split:
    """The earlier uses that, with this one's budget, exceed the cap."""

    uses: tuple[EarlierUse, ...]
    budget: int  # this use's, fen
    cap: int  # fen, the cap in force when this use was (or is being) published

    @property
    def total(self) -> int:
        return self.budget + sum(u.budget for u in self.uses)


def _earlier(p: Proposal) -> EarlierUse:
    return EarlierUse(p.id, p.title, p.opened_at, p.budget)


def split_at(session, emergency: Proposal, now, cap: int) -> Split | None:
    """The uses the applicant of `emergency`, published at `now` under `cap`, must
    acknowledge: None without a cap or when the total stays within it (at the cap is
    allowed). `emergency`'s roll is frozen (its buildings are read from it); called under
    the community's lock, so a use published meanwhile is one this sees."""
    if not cap:
        return None
    from votes.services.money.emergency import _overlapping, _year_before

    uses = tuple(_earlier(p) for p in _overlapping(
        session, emergency, Proposal.opened_at >= _year_before(now),
        Proposal.opened_at <= now, uses=True))
    split = Split(uses, emergency.budget, cap)
    return split if uses and split.total > cap else None


def published_details(proposal: Proposal) -> dict | None:
    """The audit entry of an emergency use's publication (`proposal.emergency`): what its
    applicant acknowledged and the cap then; None if the log has none."""
    details = db.session.scalar(select(AuditEntry.details).where(
        AuditEntry.community_id == proposal.community_id,
        AuditEntry.action == "proposal.emergency", AuditEntry.target == str(proposal.id)))
    return details if isinstance(details, dict) else None


def split_before(proposal: Proposal, details: dict | None) -> Split | None:
    """For an emergency use, the earlier uses its applicant acknowledged and the cap then,
    as the audit log keeps them (`proposal.emergency`'s acknowledged_emergencies and
    emergency_max_budget), for the board, the staff pages and the announcement; `details`
    as published_details reads them."""
    if proposal.state != "emergency":
        return None
    ids = (details or {}).get("acknowledged_emergencies") or []
    if not ids:
        return None
    uses = db.session.scalars(select(Proposal).where(
        Proposal.community_id == proposal.community_id, Proposal.id.in_(ids))
        .order_by(Proposal.id)).all()
    return Split(tuple(_earlier(p) for p in uses), proposal.budget,
                 int(details.get("emergency_max_budget") or 0))
