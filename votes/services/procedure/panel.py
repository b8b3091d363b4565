"""What the committee's proposal page shows of 从多 and the objection period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from votes.core.follow import DELIVERY_METHODS
from votes.core.procedure import follow_mode, objection_days
from votes.models import Proposal
from votes.services import clock


@dataclass(frozen=True)
class ProcedurePanel:
    follow_mode: str
    objection_days: int
    deliveries: tuple
    outcome: object  # Outcome after the close, else None
    can_deliver: bool
    can_object: bool
    period_end: datetime | None
    methods: tuple = ()  # (value, label in the visitor's language) per delivery method
    scans: tuple = ()  # deliveries' and written objections' stored scans, for staff


def procedure_panel(proposal: Proposal) -> ProcedurePanel:
    from votes.services.procedure.deliveries import deliveries
    from votes.services.procedure.objections import in_period, period_end
    from votes.services.procedure.outcome import outcome
    from votes.services.labels import delivery_method_label
    from votes.services.procedure.scans import procedure_scans

    rules = proposal.rules or {}
    mode, days = follow_mode(rules), objection_days(rules)
    now = clock.now()
    return ProcedurePanel(
        mode, days, tuple(deliveries(proposal)) if mode != "off" else (),
        outcome(proposal) if proposal.state in ("closed", "published") else None,
        mode != "off" and proposal.state == "voting" and now < proposal.voting_end,
        in_period(proposal, now), period_end(proposal),
        scans=tuple(procedure_scans(proposal)) if mode != "off" or days else (),
        methods=tuple((m, delivery_method_label(m)) for m in DELIVERY_METHODS))
