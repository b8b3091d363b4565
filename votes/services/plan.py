"""The plan as owners read it on the board from the start of publicity: what, how much,
who pays what share, when, and what it takes to pass; and one flat's own share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.roll import unit_key
from votes.extensions import db
from votes.models import FrozenUnit, FundDebit, Proposal
from votes.core.scope_words import scope_text
from votes.services.notices import rule_sentence, scope_flats
from votes.services.records import scope_totals


@dataclass(frozen=True)
class PlanView:
    proposal: Proposal
    scope: str
    rule: str  # in the page's language, from the rules frozen when publicity started
    total_area: int  # centi-m² of the frozen units in scope
    units: int
    publicity_start: datetime | None
    # The community's current cap on an emergency use's budget (fen, 0: none), shown with
    # its other rules; the server's rule, not frozen with the proposal's (§18.6).
    emergency_cap: int = 0


def plan_view(proposal: Proposal) -> PlanView:
    units, area = scope_totals(proposal)
    from votes.core.local_rules import emergency_cap
    from votes.i18n import _, language
    from votes.services.labels import scope_label

    # Chinese as printed on the notices; other languages through the catalogue.
    scope = scope_text(proposal.scope, scope_flats(proposal)) if language() == "zh_CN" \
        else scope_label(proposal.scope)
    return PlanView(proposal, scope,
                    rule_sentence(proposal.rules, _) if proposal.rules else "", int(area),
                    int(units), proposal.publicity_start or proposal.frozen_at,
                    emergency_cap(proposal.community.rules))


@dataclass(frozen=True)
class ShareLookup:
    """One flat's part of the cost: its label, area and share of the budget, and once the
    works are settled its share of the final cost; never its owners, nor anything of its
    maintenance-fund balance (what was debited, the shortfall): the public settlement
    notice lists the same settled shares, the balances are the committee's copy only."""

    found: bool
    label: str = ""
    area: int = 0
    share: int = 0  # fen of the budget
    settled: int | None = None  # fen of the final cost; None until the settlement


def share_of(proposal: Proposal, building: str, entrance: str, room: str) -> ShareLookup:
    if not building.strip() or not room.strip():
        return ShareLookup(False)
    # The lobby's key: '3号楼/1单元/1502' and '3/1/1502' find the same flat. The settled
    # share is the settlement's row for the same key (one per unit: a unique index).
    found = db.session.execute(
        select(FrozenUnit, FundDebit.share)
        .outerjoin(FundDebit, (FundDebit.proposal_id == FrozenUnit.proposal_id)
                   & (FundDebit.unit_key == FrozenUnit.unit_key))
        .where(FrozenUnit.proposal_id == proposal.id,
               FrozenUnit.unit_key == unit_key(building, entrance, room)).limit(2)).all()
    if len(found) != 1:
        return ShareLookup(False)
    u, settled = found[0]
    from votes.services.labels import unit_words  # the page's language, not the notices'

    return ShareLookup(True, unit_words(u), u.area, u.share, settled)
