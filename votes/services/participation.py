"""The per-unit participation list the board shows after the close (§12 of the spec)."""

from __future__ import annotations

from votes.core.chain import counted_ballots
from votes.core.participation import unit_participation
from votes.models import Proposal
from votes.i18n import _
from votes.services.records import ChainDamaged, roll_record
from votes.services.records import chain_entries as _entries


def chain_entries(proposal: Proposal):
    """records.chain_entries, refused for a chain damaged in the database in the words of
    the page's readers, the owners (tally.ResultUnshown): whom to tell, not the server's
    administrator."""
    from votes.services.tally import ResultUnshown

    try:
        return _entries(proposal)
    except ChainDamaged as damaged:
        raise ResultUnshown(damaged, what=_("不能显示各房屋是否计入表决")) from damaged


def participation(proposal: Proposal) -> list[dict] | None:
    """Per unit: counted or not and the channel; None until the vote has closed."""
    if proposal.state not in ("closed", "published"):
        return None
    return unit_participation(roll_record(proposal), chain_entries(proposal))


def participation_page(proposal: Proposal) -> tuple[list[dict], set[str]] | None:
    """The list, and the units whose counted ballot is a new owner's after a transfer (§16):
    the page marks them beside the channel. The rows stay exactly §12's."""
    if proposal.state not in ("closed", "published"):
        return None
    roll, chain = roll_record(proposal), chain_entries(proposal)
    sold = {voter for voter, s in counted_ballots(chain).items() if s.entry["body"].get("transfer")}
    return (unit_participation(roll, chain),
            {u["unit_id"] for u in roll["units"] if u["voter"] in sold})
