"""What a proposal's pages and `votes proposal show` report: state, turnout, tally."""

from __future__ import annotations

from dataclasses import dataclass

from votes.core.counting import electorate
from votes.core.roll import Scope
from votes.core.rules import Rules
from votes.core.tally import Tally, compute_tally
from votes.extensions import db
from votes.models import Proposal
from votes.services.lifecycle import get_proposal, refresh
from votes.services.roll import load_units, unit_record
from votes.services.tally import current_tally


@dataclass(frozen=True)
class ProposalFigures:
    proposal: Proposal
    tally: Tally
    ballots: int

    def to_json(self) -> dict:
        p, t = self.proposal, self.tally
        return {
            "id": p.id, "uid": p.uid, "community": p.community.code, "title": p.title,
            "matter": p.matter, "scope": p.scope, "budget": p.budget, "state": p.state,
            "voting_start": p.voting_start.isoformat(), "voting_end": p.voting_end.isoformat(),
            "chain_head": p.chain_head, "chain_length": p.chain_length, "ballots": self.ballots,
            **{k: v for k, v in t.to_dict().items() if k != "checks"},
            "checks": t.to_dict()["checks"],
        }


def proposal_figures(proposal_ref: str) -> ProposalFigures:
    from votes.services.ballots import ballot_count

    proposal = refresh(get_proposal(proposal_ref))
    session = db.session
    if proposal.state == "draft":
        # Not frozen yet: the figures the roll would give today, with nobody voting.
        records = [unit_record(u) for u in load_units(proposal.community)]
        e = electorate(records, Scope.parse(proposal.scope))
        tally = compute_tally(e, {}, Rules.from_dict(proposal.rules))
        return ProposalFigures(proposal, tally, 0)
    tally, _ = current_tally(session, proposal)
    return ProposalFigures(proposal, tally, ballot_count(session, proposal))
