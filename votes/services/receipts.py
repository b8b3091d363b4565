"""Owners' signed inclusion receipts (docs/verification.md §11)."""

from __future__ import annotations

from sqlalchemy import select

from votes.core.canonical import format_time
from votes.core.receipt import make_receipt
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal
from votes.services import clock, keys
from votes.services.errors import NotFound


def signed_receipt(proposal: Proposal, digest: str) -> dict:
    """The server's signed statement that the entry `digest` is at its position, under the
    chain's head as it is now: only of a chain still as written (procedure.common.checked;
    tally.ResultUnshown otherwise), never signed over one altered in the database."""
    from votes.services.procedure.common import checked

    checked(proposal, _("现在不能出具带签名的回执"))
    seq = db.session.scalar(select(ChainEntry.seq).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.digest == digest))
    if seq is None:
        raise NotFound(_("没有这条记录"))
    length, head = db.session.execute(
        select(Proposal.chain_length, Proposal.chain_head).where(Proposal.id == proposal.id)
        .execution_options(populate_existing=True)).one()
    _kid, private_key = keys.signing_key()
    return make_receipt(private_key, proposal=proposal.uid, seq=seq, digest=digest,
                        length=length, head=head, time=format_time(clock.now()))
