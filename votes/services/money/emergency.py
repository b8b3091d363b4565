"""Emergency use (应急使用) of the fund without an owner vote, for dangers to safety.

The committee or the property company applies with the confirmation evidence; the plan is
published on the board at once, saying that no vote was held and why. On the chain it is a
genesis (the scope's roll frozen for the apportionment) followed by an `emergency` entry,
never ballots or a close (docs/verification.md §18.6); works and settlement follow as after
a passed vote."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from sqlalchemy import select

from votes.core.identity import mask_in_text
from votes.core import works
from votes.core.chain import SealedEntry
from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal, ProposalItem
from votes.services import audit, clock
from votes.services.chain_store import Appender
from votes.services.errors import DomainError
from votes.services.plain_text import check_plain, check_printable
from votes.services.money.works import EvidenceFile, store_evidence
from votes.services.tally import ResultUnshown
from votes.services.proposal_create import (DocumentUpload, ProposalDraft, check_draft,
                                            stored_documents)
from votes.services.tx import unit_of_work

CATEGORY_ZH = {"elevator": "电梯故障危及人身安全", "fire": "消防设施失效",
               "leak": "屋面、外墙渗漏或管道爆裂", "facade": "外墙、附属物脱落危及安全"}
APPLICANT_ZH = {"committee": "业主委员会", "property_company": "物业服务企业"}
MAX_REASON = 2000


@dataclass(frozen=True)
class EmergencyApplication:
    community: str
    title: str
    scope: str
    budget: str
    category: str  # one of works.CATEGORIES
    applicant: str  # committee or property_company
    reason: str  # why it cannot wait for a vote: shown on the board
    items: tuple[str, ...] = ()
    documents: tuple[DocumentUpload, ...] = ()
    description: str = ""
    # Ids of the failed votes on an overlapping scope the applicant acknowledges knowing of.
    acknowledged_failed: tuple[int, ...] = ()
    # Ids of the earlier emergency uses on an overlapping scope that, with this one, exceed
    # the community's cap (emergency_split): the applicant acknowledges each.
    acknowledged_emergencies: tuple[int, ...] = ()


# How far back a failed vote on the same buildings must be acknowledged.
FAILED_VOTE_MONTHS = 12


@dataclass(frozen=True)
class FailedVote:
    """A vote on using the fund that failed, on buildings an emergency use also covers."""

    id: int
    title: str
    months: int  # how many months before the emergency use it was closed (1..12)
    running: bool = False  # in publicity or voting when the emergency use was published


class Unacknowledged(DomainError):
    """Refused until the applicant ticks that they know of each of these failed or running
    votes, and of each earlier emergency use that with this one exceeds the cap (`split`)."""

    def __init__(self, failed: Sequence[FailedVote], split=None):
        def named(votes):
            return _("；").join(_("“%(title)s”（编号 %(id)s）", title=f.title, id=f.id)
                               for f in votes)

        running = [f for f in failed if f.running]
        done = [f for f in failed if not f.running]
        parts = []
        if running:
            parts.append(_("本小区列支范围与本次重叠的维修资金使用表决正在公示或表决中：%(votes)s。",
                           votes=named(running)))
        if done:
            parts.append(_("本小区近 %(n)d 个月内列支范围与本次重叠的维修资金使用表决未通过：%(votes)s。",
                           n=FAILED_VOTE_MONTHS, votes=named(done)))
        if split is not None:
            parts.append(_split_words(split))
        super().__init__("".join(str(p) for p in parts) + str(_(
            "如仍按应急使用办理，请确认已知晓；确认将记入操作日志，并在公示栏和监管页面注明。")))
        self.failed = tuple(failed)
        self.split = split
        self.earlier = () if split is None else split.uses


def _split_words(split) -> str:
    from votes.core.numbers import format_yuan
    from votes.services.clock import local_text

    uses = _("；").join(str(_("“%(title)s”（编号 %(id)s，%(date)s 公布，预算 %(budget)s 元）",
                             title=u.title, id=u.id, date=local_text(u.opened_at, "%Y-%m-%d"),
                             budget=format_yuan(u.budget))) for u in split.uses)
    return str(_("本小区近 %(n)d 个月内已公布列支范围与本次重叠的应急使用：%(uses)s；连同本次预算 "
                 "%(budget)s 元合计 %(total)s 元，超过议事规则规定的应急使用预算上限 %(cap)s 元。"
                 "同一维修不得拆分为多次应急使用以避开上限。",
                 n=FAILED_VOTE_MONTHS, uses=uses, budget=format_yuan(split.budget),
                 total=format_yuan(split.total), cap=format_yuan(split.cap)))


def _check(app: EmergencyApplication) -> str:
    if app.category not in works.CATEGORIES:
        raise DomainError(_("应急使用仅限电梯故障、消防设施失效、渗漏或管道爆裂、外墙脱落等危及安全的情形。"))
    if app.applicant not in works.APPLICANTS:
        raise DomainError(_("应急使用应由业主委员会或物业服务企业申请。"))
    reason = " ".join((app.reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise DomainError(_("请说明为何不能等待业主表决（不超过 2000 字），它将显示在公示栏。"))
    check_plain(reason)
    check_printable(reason)  # printed on the application form
    # Published on the board and, for good, on the chain: a mobile or ID number in it is
    # masked first, as in an objection or the works' texts.
    return mask_in_text(reason)


def apply_emergency(app: EmergencyApplication, evidence: Sequence[EvidenceFile],
                    actor: str = "cli") -> Proposal:
    """Create the emergency use and publish it at once: genesis and emergency entry."""
    reason = _check(app)
    now = clock.now().replace(microsecond=0)  # chain times are whole seconds
    draft = ProposalDraft(
        community=app.community, title=app.title, matter="use_fund", scope=app.scope,
        budget=app.budget, publicity_start=now.isoformat(), voting_start=now.isoformat(),
        # The window is required by the genesis (5.6); no ballot ever falls in it.
        voting_end=(now + timedelta(days=1)).isoformat(), items=app.items,
        documents=app.documents, description=app.description, emergency=True)
    checked = check_draft(draft, now)
    _bring_votes_up_to_date(checked.community.id)
    if checked.fields["budget"] <= 0:
        # Nothing could ever be contracted or paid under it, and it would stand on the board
        # for good: an emergency use is never withdrawn.
        raise DomainError(_("应急使用的预算必须大于 0。"))
    with unit_of_work() as session:
        from votes.services.communities import lock_community

        # Two applications at once, or a change of the rules meanwhile, are judged one after
        # the other: the cap and the repeat are read under the community's lock.
        community = lock_community(session, checked.community.id)
        cap = _refuse_above_cap(community, checked)
        _refuse_repeat(session, checked, evidence)
        p = Proposal(uid=secrets.token_hex(8), community_id=checked.community.id,
                     state="draft", chain_length=0, created_at=now, **checked.fields)
        p.items = [ProposalItem(position=i, title=t, amount=a)
                   for i, (t, a) in enumerate(checked.items)]
        p.documents = stored_documents(checked.documents)
        session.add(p)
        session.flush()
        from votes.services.lifecycle import open_without_vote

        open_without_vote(session, p, now)
        acknowledged, earlier = _refuse_unacknowledged(session, p, now, cap, app)
        body = works.emergency_body(category=app.category, applicant=app.applicant,
                                    reason=reason, evidence=store_evidence(session, p, evidence))
        sealed = Appender(session, p).append(works.EMERGENCY, body, now)
        p.state = "emergency"
        # The cap in force when it was published (0: none): the community may change it later.
        audit.record(session, actor, "proposal.emergency", community_id=p.community_id,
                     target=str(p.id), details={"category": app.category,
                                                "applicant": app.applicant,
                                                "entry": sealed.digest,
                                                "emergency_max_budget": cap,
                                                "acknowledged_failed": acknowledged,
                                                "acknowledged_emergencies": earlier})
    return p


def _bring_votes_up_to_date(community_id: int) -> None:
    """The community's votes moved as the clock says (a publicity whose voting has begun, a
    vote past its end closed), as any page that reads them does: what stands in an
    emergency use's way is judged on where they are now."""
    from votes.services.lifecycle import refresh_or_keep

    for p in db.session.scalars(select(Proposal).where(
            Proposal.community_id == community_id,
            Proposal.state.in_(("draft", "publicity", "voting", "closed")))).all():
        if p.state != "draft" or p.publicity_scheduled:
            refresh_or_keep(p)


def _buildings(session, proposal: Proposal) -> set[str]:
    from votes.core.roll import normalise_building
    from votes.models import FrozenUnit

    return {normalise_building(b) for b in session.scalars(
        select(FrozenUnit.building).where(FrozenUnit.proposal_id == proposal.id).distinct())}


def _overlapping(session, emergency: Proposal, *where, uses: bool = False) -> list[Proposal]:
    """The community's votes on using the fund (`where` narrowing them), or with `uses` its
    other emergency uses, whose scope overlaps the emergency use's: either covers the whole
    community, or they share a building (of their frozen rolls). An emergency use's state
    is "emergency": it is no vote (a vote may still be flagged emergency, for its shorter
    publicity)."""
    mine = _buildings(session, emergency)
    kind = Proposal.state == "emergency" if uses else Proposal.state != "emergency"
    candidates = session.scalars(select(Proposal).where(
        Proposal.community_id == emergency.community_id, Proposal.id != emergency.id,
        Proposal.matter == "use_fund", kind, *where)
        .order_by(Proposal.id)).all()
    return [p for p in candidates
            if "all" in (emergency.scope, p.scope) or mine & _buildings(session, p)]


def _year_before(now):
    try:
        return now.replace(year=now.year - FAILED_VOTE_MONTHS // 12)
    except ValueError:  # 29 February
        return now.replace(year=now.year - FAILED_VOTE_MONTHS // 12, day=28)


def months_between(earlier, later) -> int:
    """Whole calendar months from `earlier` to `later`, a part month counted as one (≥ 1)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if (later.day, later.time()) > (earlier.day, earlier.time()):
        months += 1
    return max(months, 1)


def failed_votes(session, emergency: Proposal, now) -> list[FailedVote]:
    """The votes on using the same buildings (or the whole community) that failed within the
    FAILED_VOTE_MONTHS before `now`: closed, and not passed as the result stands (the final
    one after an objection period, else the decision at the close)."""
    from votes.services.procedure.outcome import outcome

    out = []
    for p in _overlapping(session, emergency, Proposal.state.in_(("closed", "published")),
                          Proposal.closed_at >= _year_before(now), Proposal.closed_at <= now):
        decided = outcome(p)
        if decided is not None and not decided.result_passed:
            out.append(FailedVote(p.id, p.title, months_between(p.closed_at, now)))
    return out


def _refuse_unacknowledged(session, emergency: Proposal, now, cap: int,
                           app: EmergencyApplication) -> tuple[list[int], list[int]]:
    """An emergency use must not take the decision from owners who are deciding it, or who
    have just decided against it, without saying so. A vote on the same buildings (or the
    whole community) in publicity or voting, and one that failed in the last 12 months,
    must each be acknowledged by its id, and are shown with the use. Not refused: a real
    danger (a lift that traps people) cannot wait for the end of another vote, which once
    begun cannot be withdrawn. Nor may works split into several uses each under the cap
    pass unseen: the earlier uses that with this one exceed it are acknowledged alike
    (emergency_split). One refusal names all, so the applicant ticks them at once. Returns
    the ids acknowledged of each (to the audit log)."""
    from votes.services.money.emergency_split import split_at

    named = votes_named(session, emergency, now)
    split = split_at(session, emergency, now, cap)
    earlier = [] if split is None else [u.id for u in split.uses]
    if set(f.id for f in named) - set(app.acknowledged_failed) \
            or set(earlier) - set(app.acknowledged_emergencies):
        raise Unacknowledged(named, split)
    return [f.id for f in named], earlier


def running_votes(session, emergency: Proposal, at) -> list[FailedVote]:
    """The votes on using the same buildings (or the whole community) in publicity or voting
    at `at`: their publicity begun, and neither closed nor withdrawn by then."""
    from sqlalchemy import or_

    return [FailedVote(p.id, p.title, 0, running=True) for p in _overlapping(
        session, emergency,
        Proposal.frozen_at <= at,  # its publicity begun (the roll frozen) by then
        or_(Proposal.closed_at.is_(None), Proposal.closed_at > at),
        or_(Proposal.withdrawn_at.is_(None), Proposal.withdrawn_at > at))]


def votes_named(session, emergency: Proposal, at) -> list[FailedVote]:
    """The votes an emergency use published at `at` names (its applicant acknowledges each):
    those running then, and those failed in the 12 months before."""
    return running_votes(session, emergency, at) + failed_votes(session, emergency, at)


def _refuse_above_cap(community, checked) -> int:
    """The community's rules may cap what an emergency use, decided without the owners, may
    budget (emergency_max_budget): above it the works need an owner vote. `community` read
    under its lock, so a change of the rule made at the same moment is judged before or
    after, never half. The server's rule only: the cap is not in the genesis, and a
    verifier does not check it (docs/verification.md §18.6)."""
    from votes.core.local_rules import emergency_cap
    from votes.core.numbers import format_yuan

    cap = emergency_cap(community.rules)
    budget = checked.fields["budget"]
    if cap and budget > cap:
        raise DomainError(_("本小区议事规则规定，应急使用（不经业主表决）的预算不得超过 %(cap)s 元，"
                            "本次预算 %(budget)s 元；超过上限的维修须经业主表决。",
                            cap=format_yuan(cap), budget=format_yuan(budget)))
    return cap


def _refuse_repeat(session, checked, evidence: Sequence[EvidenceFile]) -> None:
    """The same application sent again (a double click, a reload, two members at once) would
    publish a second emergency use, never to be withdrawn, and a second apportionment of the
    same danger: refused when an emergency use of the same scope already carries every
    evidence file this one brings. Called under the community's lock, so two at once are
    judged one after the other."""
    import hashlib

    digests = {hashlib.sha256(f.content).hexdigest() for f in evidence if f.content}
    if not digests:
        return  # store_evidence refuses it with its own message
    # The uses, not their emergency entries joined: a use whose entry was deleted from the
    # database is one whose evidence cannot be read, not one that has none.
    published = session.scalars(select(Proposal).where(
        Proposal.community_id == checked.community.id,
        Proposal.scope == checked.fields["scope"], Proposal.emergency.is_(True),
        Proposal.chain_length > 0).order_by(Proposal.id)).all()
    for p in published:
        _refuse_unjudged(p)
        line = session.scalar(select(ChainEntry.line).where(
            ChainEntry.proposal_id == p.id, ChainEntry.kind == works.EMERGENCY))
        if line is not None and digests <= set(
                SealedEntry.from_stored(line).entry["body"]["evidence"]):
            raise DomainError(_("同一范围、同样证明材料的应急使用“%(title)s”已经公布，不能重复申请；"
                                "如确为另一次险情，请上传它自己的证明材料。", title=p.title))


class RepeatUnjudged(ResultUnshown):
    """An emergency use of the same scope whose chain is damaged in the database: whether
    this application repeats it (its evidence) cannot be read, and a repeat published is
    never withdrawn: the application is refused, saying which use and whom to call."""

    def __init__(self, damaged, audience: str = "owners", what: str | None = None,
                 title: str = ""):
        super().__init__(damaged, audience, what)
        self.title = title
        self.message = _("已公布的应急使用“%(title)s”：", title=title) + self.message

    def words(self, audience: str) -> str:
        return RepeatUnjudged(self.damaged, audience, self.what, self.title).message


def _refuse_unjudged(proposal: Proposal) -> None:
    from votes.services.records import ChainDamaged, check_chain

    try:
        check_chain(proposal)
    except ChainDamaged as damaged:
        raise RepeatUnjudged(damaged, what=_("不能判断本次申请是否重复，申请未提交"),
                             title=proposal.title) from damaged


def failed_before(proposal: Proposal, details: dict | None) -> list[FailedVote]:
    """For an emergency use, the votes on its buildings running when it was published and
    those failed in the 12 months before, as its applicant acknowledged them (the audit
    log's acknowledged_failed), for the board, the regulator and the papers. Not worked out
    again from the votes' results as they stand: a vote passed at its close and not passed
    in its final result after the use was published was never put to the applicant.
    `details`: the publication's audit entry (emergency_split.published_details)."""
    at = proposal.opened_at
    if proposal.state != "emergency" or at is None:
        return []
    if details is None or "acknowledged_failed" not in details:
        return votes_named(db.session, proposal, at)  # no record of it: as before
    named = db.session.scalars(select(Proposal).where(
        Proposal.community_id == proposal.community_id,
        Proposal.id.in_(details["acknowledged_failed"] or [-1])).order_by(Proposal.id)).all()

    def running(p: Proposal) -> bool:
        return p.closed_at is None or p.closed_at > at

    return ([FailedVote(p.id, p.title, 0, running=True) for p in named if running(p)]
            + [FailedVote(p.id, p.title, months_between(p.closed_at, at))
               for p in named if not running(p)])


def emergency_facts(proposal: Proposal) -> dict | None:
    """The emergency entry's body with its labels, or None for a voted proposal; of a chain
    damaged in the database, tally.ResultUnshown (procedure.common.checked): its danger,
    reason and evidence are not shown as the chain's."""
    if proposal.state == "emergency":
        from votes.services.procedure.common import checked

        checked(proposal, _("不能显示本次应急使用的记录"))
    line = db.session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == works.EMERGENCY))
    if line is None:
        return None
    body = json.loads(line)["entry"]["body"]
    from votes.services.labels import applicant_label, emergency_category_label
    from votes.services.money.emergency_split import published_details, split_before

    details = published_details(proposal)  # what was acknowledged, read once for both
    # Labels in the visitor's language (the _ZH tables are the printed, Chinese ones).
    return {**body, "category_zh": CATEGORY_ZH[body["category"]],
            "applicant_zh": APPLICANT_ZH[body["applicant"]],
            "category_label": emergency_category_label(body["category"]),
            "applicant_label": applicant_label(body["applicant"]),
            "failed_before": failed_before(proposal, details),
            "split_before": split_before(proposal, details)}
