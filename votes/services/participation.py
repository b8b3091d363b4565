"""The per-unit participation list the board shows after the close (§12 of the spec)."""

from __future__ import annotations

from votes.core.participation import unit_participation
from votes.models import Proposal
from votes.services.records import chain_entries, roll_record


def participation(proposal: Proposal) -> list[dict] | None:
    """Per unit: counted or not and the channel; None until the vote has closed."""
    if proposal.state not in ("closed", "published"):
        return None
    return unit_participation(roll_record(proposal), chain_entries(proposal))
