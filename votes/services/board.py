"""The public board: state, turnout against the quorum, chain head, receipt lookup."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from votes.core.tally import Tally
from votes.extensions import db
from votes.models import Proposal
from votes.services.figures import proposal_figures
from votes.services.owner_pages import ReceiptLookup, lookup_receipt, proposal_by_uid


@dataclass(frozen=True)
class BoardView:
    proposal: Proposal
    tally: Tally
    ballots: int
    lookup: ReceiptLookup | None

    @property
    def final(self) -> bool:
        return self.proposal.state in ("closed", "published")

    def check(self, name: str):
        return next(c for c in self.tally.checks if c.name == name)


def board_view(uid: str, receipt: str = "") -> BoardView:
    proposal = proposal_by_uid(uid)
    if proposal.state == "draft":
        from votes.services.errors import NotFound

        raise NotFound("没有这个表决事项 (no such proposal)")
    figures = proposal_figures(str(proposal.id))
    lookup = lookup_receipt(proposal, receipt) if receipt.strip() else None
    return BoardView(proposal, figures.tally, figures.ballots, lookup)


def open_boards() -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.state.in_(("publicity", "voting", "closed", "published", "withdrawn")))
        .order_by(Proposal.voting_end.desc()).limit(20)))
