"""The regulator's view: every proposal of a district, and verifying its bundle."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.cells import safe_row
from votes.core.verifier import Report, verify_bundle
from votes.extensions import db
from votes.models import Community, Proposal, Verification
from votes.services import clock
from votes.services.export import export_bundle
from votes.services.figures import ProposalFigures, proposal_figures
from votes.services.keys import keyring
from votes.services.tx import unit_of_work


@dataclass(frozen=True)
class OverviewRow:
    figures: ProposalFigures
    verification: Verification | None
    money: dict | None = None  # money stage and amounts (votes.core.works.money_stage)


def overview(communities: list[Community], state: str = "", since: datetime | None = None,
             until: datetime | None = None) -> list[OverviewRow]:
    ids = [c.id for c in communities]
    query = select(Proposal).where(Proposal.community_id.in_(ids)).order_by(
        Proposal.voting_end.desc())
    if state:
        query = query.where(Proposal.state == state)
    if since:
        query = query.where(Proposal.voting_end >= since)
    if until:
        query = query.where(Proposal.voting_start <= until)
    from votes.services.money.works import money_summaries

    proposals = list(db.session.scalars(query))
    money = money_summaries([p.id for p in proposals])
    return [OverviewRow(proposal_figures(str(p.id)), latest_verification(p), money[p.id])
            for p in proposals]


CSV_OUTCOME = {"verified": "ok", "in_progress": "in progress", "failed": "FAILED",
               "unanchored": "FAILED"}


def overview_csv(rows: list[OverviewRow]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["小区 community", "事项 proposal", "状态 state", "表决截止 voting end",
                "总面积 total area (centi-m²)", "总人数 headcount", "参与面积 participating area",
                "参与人数 participating", "同意面积 agree area", "同意人数 agree",
                "达到法定人数 quorum", "通过 passed", "链头 chain head", "验证 verified",
                "资金阶段 money stage", "预算 budget (fen)", "合同 contract (fen)",
                "已付 paid (fen)", "结算 final cost (fen)"])
    for r in rows:
        f, t, final = r.figures, r.figures.turnout, r.figures.tally
        p = f.proposal
        from votes.services.lifecycle import STATE_ZH

        # Agreement is blank until the close: while voting, choices are sealed.
        w.writerow(safe_row([p.community.name, p.title, STATE_ZH.get(p.state, p.state),
                             clock.local_text(p.voting_end),
                             t.total_area, t.total_headcount, t.participating_area,
                             t.participating_headcount, final.agree_area if final else "",
                             final.agree_headcount if final else "", int(_quorum_met(f)),
                             int(f.passed) if final else "", p.chain_head or "",
                             "" if r.verification is None
                             else CSV_OUTCOME.get(r.verification.outcome, "FAILED"),
                             *_money_cells(p, r.money)]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _quorum_met(f) -> bool:
    """The quorum as the decision judged it, like the passed column: by the 从多 figures
    where the rules adopt them (they count delivered non-voters as taking part), else by
    the ballots. The area and headcount columns stay the real ballots' figures."""
    follow = f.outcome.follow if f.tally is not None and f.outcome is not None else None
    return bool(follow["quorum_met"]) if follow else f.turnout.quorum_met


def _money_cells(proposal: Proposal, money: dict | None) -> list:
    """Stage (contract, payment, acceptance, settlement or blank) and amounts in fen."""
    if not money or not money["stage"]:
        return ["", proposal.budget, "", "", ""]
    return [money["stage"], proposal.budget, money["contract"],
            money["paid"], "" if money["final_cost"] is None else money["final_cost"]]


def verify_now(proposal: Proposal, actor: str) -> Report:
    """Export a fresh bundle and run the offline verifier on it, as a regulator would."""
    buffer = io.BytesIO()
    export_bundle(str(proposal.id), buffer, actor=actor)
    # The server's own key table is the trust anchor, not the keys the bundle carries.
    report = verify_bundle(buffer.getvalue(), trusted_keys=keyring())
    with unit_of_work() as session:
        session.add(Verification(proposal_id=proposal.id, ok=report.ok, outcome=report.outcome,
                                 chain_head=report.chain_head or "", report=report.render(),
                                 verified_by=actor, time=clock.now()))
    return report


def latest_verification(proposal: Proposal) -> Verification | None:
    return db.session.scalar(select(Verification).where(Verification.proposal_id == proposal.id)
                             .order_by(Verification.id.desc()).limit(1))
