"""The public board: state, turnout against the quorum, chain head, receipt lookup."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from votes.core.tally import Tally, Turnout
from votes.extensions import db
from votes.i18n import _
from votes.models import Proposal
from votes.services.figures import proposal_figures
from votes.services.owner_pages import proposal_by_uid
from votes.services.owner_receipts import ReceiptLookup, lookup_receipt


@dataclass(frozen=True)
class BoardView:
    proposal: Proposal
    turnout: Turnout
    tally: Tally | None  # None while voting is open: choices are sealed until the close
    ballots: int
    lookup: ReceiptLookup | None
    witnessed: tuple = ()  # each witness's longest cosigned head (WitnessCosignature)
    outcome: object = None  # procedure.outcome.Outcome after the close (从多, objections)

    @property
    def final(self) -> bool:
        return self.tally is not None

    def check(self, name: str):
        return next(c for c in (self.tally or self.turnout).checks if c.name == name)


# The most a receipt box may hold: a full receipt as the receipt page prints it (64 digits in
# groups of four, 79 characters with their spaces) pasted with room to spare for other
# separators and the punctuation around it. The box puts what was typed back into the page:
# uncapped, a request as long as the proxy allows made a page as long.
RECEIPT_TYPED_MAX = 128


def board_view(uid: str, receipt: str = "") -> BoardView:
    proposal = proposal_by_uid(uid)
    if proposal.state == "draft":
        from votes.services.errors import NotFound

        raise NotFound(_("没有这个表决事项"))
    figures = proposal_figures(str(proposal.id))
    if len(receipt) > RECEIPT_TYPED_MAX:
        # Not read at all: a longer typing cut short could read as a prefix of a digest.
        lookup = ReceiptLookup(receipt[:RECEIPT_TYPED_MAX], None, malformed=True)
    else:
        lookup = lookup_receipt(proposal, receipt) if receipt.strip() else None
    from votes.services.witness import latest_cosignatures

    return BoardView(proposal, figures.turnout, figures.tally, figures.ballots, lookup,
                     tuple(latest_cosignatures(proposal)), figures.outcome)


def open_boards() -> list[Proposal]:
    """The start page's boards, with their communities (each named there) in the same
    statement: loaded one by one as the page named them, up to 20 statements more a view."""
    return list(db.session.scalars(
        select(Proposal).options(joinedload(Proposal.community))
        .where(Proposal.state.in_(("publicity", "voting", "closed", "published", "withdrawn",
                                   "emergency")))
        .order_by(Proposal.voting_end.desc()).limit(20)))
