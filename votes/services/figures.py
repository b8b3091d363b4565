"""What a proposal's pages and `votes proposal show` report: state, turnout, tally.

While voting is open only the turnout exists for anyone to see: how many voted, with how
much area, against the quorum. The tally (agree, disagree, abstain, passed) appears at the
close, taken from the close entry that revealed the choices.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from votes.core.counting import electorate
from votes.core.local_rules import Procedure, counting_electorate
from votes.core.roll import Scope
from votes.core.rules import Rules
from votes.core.tally import Tally, Turnout, compute_turnout, turnout_of
from votes.extensions import db
from votes.i18n import _
from votes.models import Proposal
from votes.services.choices import revealed
from votes.services.lifecycle import proposal_now
from votes.services.kept import Kept
from votes.services.roll import community_records
from votes.services.tally import current_turnout, final_tally


@dataclass(frozen=True)
class ProposalFigures:
    proposal: Proposal
    turnout: Turnout
    tally: Tally | None  # None until the close: choices stay sealed while voting is open
    ballots: int
    outcome: object = None  # procedure.outcome.Outcome once revealed: 从多, objection period
    damaged: str | None = None  # why no result is shown: the chain is damaged in the database

    @property
    def passed(self) -> bool | None:
        """The decision: by 从多 where adopted, the final result after an objection period."""
        if self.tally is None:
            return None
        return self.outcome.result_passed if self.outcome is not None else self.tally.passed

    @property
    def preliminary(self) -> bool:
        """The decision is the close's, still open to objections or awaiting answers (§17)."""
        return self.outcome is not None and self.outcome.preliminary

    def to_json(self) -> dict:
        p = self.proposal
        figures = (self.tally or self.turnout).to_dict()
        return {
            "id": p.id, "uid": p.uid, "community": p.community.code, "title": p.title,
            "matter": p.matter, "scope": p.scope, "budget": p.budget, "state": p.state,
            "voting_start": p.voting_start.isoformat(), "voting_end": p.voting_end.isoformat(),
            "chain_head": p.chain_head, "chain_length": p.chain_length, "ballots": self.ballots,
            "revealed": self.tally is not None, **figures,
            **({"outcome": outcome_json(self.outcome)} if self.outcome is not None else {}),
        }


def outcome_json(o) -> dict:
    """The decision beside the ballots' tally: 从多 figures and the objection period."""
    return {"passed": o.result_passed, "ballots_passed": o.ballots_passed, "follow": o.follow,
            "preliminary": o.preliminary,
            "objection_period_end": o.period_end.isoformat() if o.period_end else None,
            "objections": len(o.objections)}


def proposal_figures(proposal_ref: str) -> ProposalFigures:
    from votes.services.ballots import ballot_count

    # A move the proposal refuses leaves its figures those of where it stands.
    proposal = proposal_now(proposal_ref)
    session = db.session
    if proposal.state == "draft":
        # Not frozen yet: the figures the roll would give today, with nobody voting.
        records = community_records(proposal.community)
        e = counting_electorate(electorate(records, Scope.parse(proposal.scope)),
                                Procedure.from_rules(proposal.rules).excluded_kinds)
        return ProposalFigures(proposal, compute_turnout(e, (), Rules.from_dict(proposal.rules)),
                               None, 0)
    if revealed(proposal):
        from votes.services.procedure.outcome import outcome

        tally = final_tally(session, proposal)
        return ProposalFigures(proposal, turnout_of(tally), tally, ballot_count(session, proposal),
                               outcome(proposal))
    if proposal.state == "emergency":
        from votes.services.procedure.common import checked

        # What it decided is its emergency entry and the works after it (§18.6): shown by
        # the pages beside these figures, only of a chain as written.
        checked(proposal, _("不能显示本次应急使用的记录"))
    turnout, ballots = _open_figures(session, proposal)
    return ProposalFigures(proposal, turnout, None, ballots)


def figures_or_damage(proposal_ref: str, progress: bool = False) -> ProposalFigures:
    """proposal_figures, or for a chain damaged in the database (tally.ResultUnshown) no
    tally, with the words saying why, to the regulator: its pages still list the proposal
    and offer the verification that names the entries at fault. With `progress`, during
    the vote too (the regulator's proposal page): the turnout is counted from the ballots
    table, which the chain no longer vouches for (progress_damage, the committee page's
    check, remembered per process). The overview's rows check within a budget of entries
    a view and mark the rest unchecked (oversight.CHECK_ENTRIES): checking 20 open votes of
    2,000 ballots each read 40,000 entries, about 3 s on PostgreSQL."""
    from votes.services.records import REGULATOR
    from votes.services.tally import ResultUnshown

    try:
        figures = proposal_figures(proposal_ref)
    except ResultUnshown as unshown:
        proposal = proposal_now(proposal_ref)
        turnout, ballots = _open_figures(db.session, proposal)
        return ProposalFigures(proposal, turnout, None, ballots,
                               damaged=unshown.words(REGULATOR))
    if progress and figures.tally is None and figures.proposal.state == "voting":
        damaged = progress_damage(figures.proposal, REGULATOR)
        if damaged:
            return dataclasses.replace(figures, damaged=damaged)
    return figures


def progress_damage(proposal: Proposal, audience: str) -> str | None:
    """Why an open vote's progress (turnout, ballots received, their chart) is not shown, in
    the words for `audience` (records.whom_to_tell), or None: those figures are counted from
    the ballots table, which stands for the chain only while the chain is as written
    (procedure.common.checked, the writers' and the readers' check, remembered per process:
    a page read since the last entry reads nothing). Not for the owners' board or cast."""
    from votes.services.procedure.common import checked
    from votes.services.tally import ResultUnshown

    try:
        checked(proposal, _("不能显示表决进度"))
    except ResultUnshown as unshown:
        return unshown.words(audience)
    return None


def _open_figures(session, proposal: Proposal) -> tuple[Turnout, int]:
    """The turnout and the ballot count of a vote not yet revealed, kept per process by the
    chain's length. Every public board view showed them, and each counted the proposal's
    ballots anew (a window over all of them, then a COUNT): the work of a view grew with
    every ballot cast, at the peak when a notice is delivered and hundreds open the board.
    A ballot row is only ever written, or withdrawn, with an entry on the chain, in the
    same transaction: the same length means the same ballots. The length is read with the
    proposal's row before the ballots, so a figure kept under it holds at least its
    entries and a new entry is a new key: never a figure older than the page's head."""
    from votes.services.ballots import ballot_count

    key = (str(session.get_bind().url), proposal.uid, proposal.frozen_at, proposal.state,
           proposal.chain_length, json.dumps(proposal.rules, sort_keys=True, default=str))
    found = _kept.get(key)
    if found is not None:
        return found
    figures = current_turnout(session, proposal), ballot_count(session, proposal)
    _kept.put(key, figures)
    return figures


_kept = Kept(size=1024)  # (turnout, count) pairs: a few hundred bytes each
