"""Turnout over time, drawn as a small server-made SVG for the committee's page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from votes.extensions import db
from votes.models import Ballot, FrozenVoter, Proposal
from votes.services.tally import voted_voters


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str          # SVG polyline points of participating headcount
    quorum_y: float      # the 2/3 (or stricter) line
    labels: tuple[tuple[float, str], ...]  # x position and date text
    total: int = 0       # voters in the scope: the top of the headcount axis
    quorum: str = "2/3"  # the participation threshold the dashed line marks


def turnout_chart(proposal: Proposal, quorum_num: int, quorum_den: int,
                  width: int = 600, height: int = 160) -> Chart | None:
    from votes.services.clock import local_text, now

    total = len(list(db.session.scalars(select(FrozenVoter.id).where(
        FrozenVoter.proposal_id == proposal.id))))
    if not total or proposal.state in ("draft", "publicity"):
        return None
    start, end = proposal.voting_start, min(proposal.voting_end, max(now(), proposal.voting_start))
    span = max((proposal.voting_end - start).total_seconds(), 1)
    seen: set[str] = set()
    voted = voted_voters(db.session, proposal)  # a voter whose ballot was withdrawn: not yet
    points = [(0.0, float(height))]
    for voter_key, cast_at in db.session.execute(
            select(Ballot.voter_key, Ballot.cast_at).where(Ballot.proposal_id == proposal.id)
            .order_by(Ballot.cast_at, Ballot.id)):
        if voter_key in seen or voter_key not in voted:
            continue
        seen.add(voter_key)
        x = width * (cast_at - start).total_seconds() / span
        points.append((x, points[-1][1]))
        points.append((x, height - height * len(seen) / total))
    points.append((width * (end - start).total_seconds() / span, points[-1][1]))
    days = max(1, int(span // 86400))
    # At most about 7 dates along the axis, the first and the last always: a month-long vote's
    # 31 labels ran into each other, more so on a phone, where the chart's text is larger.
    step = -(-days // 6)
    shown = sorted(set(range(0, days, step)) | {days})
    if len(shown) > 2 and days - shown[-2] < step:  # too close to the last one
        shown.pop(-2)
    labels = tuple((width * i / days, local_text(start + (proposal.voting_end - start) * i / days,
                                                 "%m-%d")) for i in shown)
    return Chart(width, height, " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                 height - height * quorum_num / quorum_den, labels, total,
                 f"{quorum_num}/{quorum_den}")
