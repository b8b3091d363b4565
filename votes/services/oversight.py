"""The regulator's view: every proposal of a district, and verifying its bundle."""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from votes.core.cells import safe_row
from votes.core.numbers import format_area, format_yuan_plain
from votes.extensions import db
from votes.i18n import _
from votes.models import Community, Proposal, Verification
from votes.services import clock
from votes.services.figures import ProposalFigures, figures_or_damage


@dataclass(frozen=True)
class OverviewRow:
    figures: ProposalFigures
    verification: Verification | None
    money: dict | None = None  # money stage and amounts (votes.core.works.money_stage)
    running: Verification | None = None  # a verification running now (its worker alive)
    # Of an open vote's participation (counted from the ballots table): whether its chain
    # was found as written for this view (True), or not checked, the server's count (False);
    # None where there is no such figure (a revealed tally is the checked close entry's).
    checked: bool | None = None

    @property
    def verification_outcome(self) -> str | None:
        return verification_outcome(self.figures.proposal, self.verification)

    @property
    def quorum_met(self) -> bool:
        """Whether the quorum is reached, judged as the CSV's column judges it; never of a
        chain damaged in the database (the ballots table's count is not what it recorded)."""
        return not self.figures.damaged and _quorum_met(self.figures)


def overview(communities: list[Community], state: str = "", since: datetime | None = None,
             until: datetime | None = None) -> list[OverviewRow]:
    return overview_rows(overview_proposals(communities, state, since, until))


def overview_proposals(communities: list[Community], state: str = "",
                       since: datetime | None = None,
                       until: datetime | None = None) -> list[Proposal]:
    """The proposals of these communities the filters keep, latest voting end first: one
    query, no figures (a district's years of votes are thousands)."""
    ids = [c.id for c in communities]
    query = select(Proposal).where(Proposal.community_id.in_(ids)).order_by(
        Proposal.voting_end.desc(), Proposal.id.desc())
    if state:
        query = query.where(Proposal.state == state)
    if since:
        query = query.where(Proposal.voting_end >= since)
    if until:
        query = query.where(Proposal.voting_start <= until)
    return list(db.session.scalars(query))


# Entries of open votes' chains an overview view reads to check their participation: one
# chain of 2,000 read whole is 137–155 ms on PostgreSQL (bench/overview_checks.py), so at
# most about half a second; a chain this process found sound at the same head costs none,
# one found sound shorter only its new entries. The rest are marked unchecked (未核对), the
# server's count, and checked when their page is opened: never shown as if checked.
CHECK_ENTRIES = 6000


def overview_rows(proposals: list[Proposal]) -> list[OverviewRow]:
    """Each proposal's figures, verification and money: several queries a proposal."""
    from votes.services.figures import progress_damage
    from votes.services.money.works import money_summaries
    from votes.services.records import REGULATOR, check_cost
    from votes.services.verify_jobs import running_jobs

    money = money_summaries([p.id for p in proposals])
    running = running_jobs([p.id for p in proposals])
    budget = CHECK_ENTRIES
    rows = []
    for p in proposals:
        figures = figures_or_damage(str(p.id))
        checked = None if figures.damaged else True if figures.tally is not None else None
        if not figures.damaged and figures.tally is None and figures.proposal.state == "voting":
            # The turnout of an open vote is the ballots table's count: shown as the vote's
            # only of a chain found as written (the proposal page's check), within the
            # view's budget; past it, said to be unchecked.
            cost = check_cost(figures.proposal)
            checked = cost <= budget
            if checked:
                budget -= cost
                damaged = progress_damage(figures.proposal, REGULATOR)
                if damaged:
                    figures, checked = dataclasses.replace(figures, damaged=damaged), None
        # money_summaries read the works entries unchecked: of a chain found damaged (by
        # figures_or_damage) no contract, payment or settlement is shown either.
        rows.append(OverviewRow(figures, latest_verification(p),
                                None if figures.damaged else money[p.id], running.get(p.id),
                                checked))
    return rows


def verification_outcome(proposal: Proposal, v: Verification | None) -> str | None:
    """The last verification's outcome, or "stale" when it passed (or found the chain intact
    so far) at a chain head that is no longer the proposal's: the entries since (the close, a
    contract, a payment) were never checked, and 已验证 must not vouch for them."""
    if v is None:
        return None
    if v.outcome in ("verified", "in_progress", "preliminary") and v.chain_head != (proposal.chain_head or ""):
        return "stale"
    return v.outcome


def _outcome(outcome: str) -> str:
    return {"verified": _("已验证"), "in_progress": _("链完整，表决进行中"),
            "preliminary": _("链完整，仅为初步结果（异议期）"),
            "stale": _("验证后有新记录，需重新验证")}.get(outcome, _("验证失败"))


def _verification_text(r: OverviewRow) -> str:
    """The CSV's 验证 cell: the last finished verification's outcome, and one running."""
    last = None if r.verification is None else _outcome(r.verification_outcome)
    if r.running is None:
        return last or ""
    return _("正在验证…（上次结果：%(r)s）", r=last) if last else _("正在验证…")


def overview_csv(rows: list[OverviewRow]) -> bytes:
    """For people (a regulator's spreadsheet): words, areas in m² with two decimals, times in
    Beijing time; the column order is fixed."""
    from votes.services.labels import state_label

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([_("小区"), _("表决事项"), _("状态"), _("表决截止（北京时间）"),
                _("专有部分总面积（m²）"), _("总人数"), _("参与表决面积（m²）"), _("参与表决人数"),
                _("同意面积（m²）"), _("同意人数"), _("达到法定人数"), _("表决结果"), _("链头"),
                _("验证"), _("资金阶段"), _("预算（元）"), _("合同金额（元）"), _("已付（元）"),
                _("结算金额（元）"),
                # Last, so that the columns before keep their places in a kept spreadsheet.
                _("参与数据与记录链核对")])
    yes, no = _("是"), _("否")
    for r in rows:
        f, t, final = r.figures, r.figures.turnout, r.figures.tally
        p = f.proposal
        # Agreement is blank until the close: while voting, choices are sealed. An emergency
        # use held no vote (§18.6): no deadline, no participation, no quorum to miss.
        # Of a chain damaged in the database no figure either: the ballots table may count
        # what the chain no longer holds (a row deleted) or holds unreadable.
        voted = p.state != "emergency" and not f.damaged
        w.writerow(safe_row([p.community.name, p.title, state_label(p.state),
                             clock.local_text(p.voting_end) if voted else "",
                             format_area(t.total_area), t.total_headcount,
                             format_area(t.participating_area) if voted else "",
                             t.participating_headcount if voted else "",
                             format_area(final.agree_area) if final else "",
                             final.agree_headcount if final else "",
                             _quorum_text(p.state, r.quorum_met, yes, no) if voted else "",
                             _("表决记录已损坏") if f.damaged
                             else _result_text(f) if final else "",
                             p.chain_head or "",
                             _verification_text(r),
                             *_money_cells(p, r.money),
                             "" if r.checked is None else yes if r.checked
                             else _("否（服务器计数）")]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _quorum_text(state: str, met: bool, yes: str, no: str) -> str:
    """What the overview's 法定人数 cell says: blank before voting (draft, publicity), for a
    withdrawn vote and an emergency use (no vote held), 尚未达到 while voting and short of
    it, else 是 or 否."""
    if state not in ("voting", "closed", "published"):
        return ""
    if met:
        return yes
    return _("尚未达到") if state == "voting" else no


def _result_text(f: ProposalFigures) -> str:
    """通过 or 未通过, marked preliminary while the result is open to objections (§17): a
    regulator reading the column must not take it for the final decision."""
    if f.preliminary:
        return _("通过（初步结果）") if f.passed else _("未通过（初步结果）")
    return _("通过") if f.passed else _("未通过")


def _quorum_met(f) -> bool:
    """The quorum as the decision judged it, like the passed column: by the 从多 figures
    where the rules adopt them (they count delivered non-voters as taking part), else by
    the ballots. The area and headcount columns stay the real ballots' figures."""
    follow = f.outcome.follow if f.tally is not None and f.outcome is not None else None
    return bool(follow["quorum_met"]) if follow else f.turnout.quorum_met


def _money_cells(proposal: Proposal, money: dict | None) -> list:
    """Stage (合同, 付款中, 验收, 已验收，付款中, 结算 or blank) and amounts in yuan."""
    from votes.services.labels import stage_label

    budget = "" if proposal.budget is None else format_yuan_plain(proposal.budget)
    if not money or not money["stage"]:
        return ["", budget, "", "", ""]
    return [stage_label(money["stage"], money["accepted"]), budget, format_yuan_plain(money["contract"]),
            format_yuan_plain(money["paid"]),
            "" if money["final_cost"] is None else format_yuan_plain(money["final_cost"])]


def verification_failures(v: Verification | None) -> list[str]:
    """A failed verification's failed checks, as its report lists them: step, its title in
    the page's language, and the entries at fault, else how many (the regulator coming back
    sees what failed, and where, without the text)."""
    from votes.core.step_titles import title
    from votes.core.verifier_report import failed_steps, unlisted_in
    from votes.i18n import language, ngettext

    if v is None or v.outcome != "failed":
        return []
    english = language() == "en"
    checks = []
    for step, n, entries in failed_steps(v.report):
        where = ""
        if entries:
            shown = _("、").join(str(e) for e in entries[:MAX_ENTRIES_SHOWN])
            if len(entries) > MAX_ENTRIES_SHOWN:
                shown += "…"
            where = ngettext("（第 %(entries)s 条记录）", "（第 %(entries)s 条记录）", len(entries),
                             entries=shown)
        elif n > 1:
            where = _("（%(n)s 处）", n=n)
        checks.append(" ".join(filter(None, (step, title(step, english=english)))) + where)
    unlisted = unlisted_in(v.report)
    if unlisted:
        checks.append(_("另有 %(n)s 处问题未逐条列出", n=unlisted))
    return checks


MAX_ENTRIES_SHOWN = 5


def verification_text(v: Verification) -> bytes:
    """The stored report as the regulator downloads it: when and by whom, then the report
    as the verifier rendered it."""
    return "\n".join([_("验证时间：%(t)s（北京时间）", t=clock.local_text(v.time)),
                      _("验证人：%(who)s", who=v.verified_by), "", v.report, ""]).encode("utf-8")


def latest_verification(proposal: Proposal) -> Verification | None:
    """The last finished verification (a job still running or that failed to run is none:
    votes/services/verify_jobs.py)."""
    return db.session.scalar(select(Verification).where(Verification.proposal_id == proposal.id,
                                                        Verification.state == "done")
                             .order_by(Verification.id.desc()).limit(1))
