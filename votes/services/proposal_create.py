"""Drafting a proposal: every field checked before anything is written."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from votes.core.numbers import format_yuan, parse_yuan
from votes.core.counting import electorate as counted_electorate
from votes.core.roll import Scope
from votes.core.roll_labels import refuse_ambiguous
from votes.core.procedure import procedure_rules
from votes.core.rules import Matter, community_rules
from votes.i18n import _
from votes.models import Proposal, ProposalDocument, ProposalItem
from votes.services import audit, clock
from votes.services.clock import parse_iso
from votes.services.communities import MAX_PUBLICITY_DAYS, get_community
from votes.services.documents import accept
from votes.services.errors import DomainError
from votes.services.plain_text import check_plain, check_printable
from votes.services.labels import scope_label
from votes.services.communities import procedure_of
from votes.services.roll import community_records
from votes.services.tx import unit_of_work

DEFAULT_PUBLICITY_DAYS = 7


@dataclass(frozen=True)
class DocumentUpload:
    """A file as uploaded; its type is decided from its bytes (services.documents)."""

    name: str
    content: bytes

    @classmethod
    def from_path(cls, path: str) -> "DocumentUpload":
        p = Path(path)
        try:
            content = p.read_bytes()
        except OSError as exc:
            raise DomainError(_("无法读取文件 %(path)s：%(reason)s", path=path,
                                reason=exc.strerror)) from None
        return cls(p.name, content)


@dataclass(frozen=True)
class ProposalDraft:
    community: str
    title: str
    matter: str
    scope: str
    budget: str
    voting_start: str
    voting_end: str
    publicity_start: str | None = None
    items: tuple[str, ...] = ()  # "title:amount"
    documents: tuple[DocumentUpload, ...] = ()
    description: str = ""
    allow_change: bool = False
    emergency: bool = False


def _parse_matter(text: str) -> Matter:
    try:
        return Matter(text)
    except ValueError:
        names = ", ".join(m.value for m in Matter)
        raise DomainError(_("表决事项类型“%(matter)s”无效，可选：%(names)s", matter=text,
                            names=names)) from None


def _parse_items(items: tuple[str, ...]) -> list[tuple[str, int]]:
    parsed = []
    for raw in items:
        title, sep, amount = raw.rpartition(":")
        if not sep or not title.strip():
            raise DomainError(_("维修项目“%(item)s”应写作 名称:金额", item=raw))
        if len(title.strip()) > 200:
            raise DomainError(_("维修项目名称不能超过 200 个字"))
        try:
            parsed.append((title.strip(), parse_yuan(amount)))
        except ValueError as exc:
            raise DomainError(_("维修项目“%(item)s”的金额“%(amount)s”无效：%(problem)s",
                                item=title.strip(), amount=amount.strip(),
                                problem=str(exc))) from None
    return parsed


# A time typed to the minute may be a few seconds past by the time the form arrives.
TYPING_GRACE = timedelta(minutes=1)
# Neither the law nor the Ministry's rules set a longest voting period or publicity; a year
# (as MAX_PUBLICITY_DAYS for the community's setting) is more than any vote needs, and
# without a bound an end in 9999 kept the fund from the works for ever (none before a close).
MAX_VOTING_DAYS = 365


def _check_periods(publicity: datetime | None, start: datetime, end: datetime,
                   emergency: bool, publicity_days: int, now: datetime) -> datetime:
    if end <= start:
        raise DomainError(_("表决结束时间必须晚于开始时间"))
    if end - start > timedelta(days=MAX_VOTING_DAYS):
        raise DomainError(_("表决期不能超过 %(n)d 天", n=MAX_VOTING_DAYS))
    minimum = timedelta(days=0 if emergency else publicity_days)
    if publicity is None:
        publicity = start - minimum
        # Said of the time the member typed, never of the start derived from it.
        if publicity < now - TYPING_GRACE and not minimum:
            raise DomainError(_("表决开始时间 %(time)s 已过去", time=clock.local_text(start)))
        if publicity < now - TYPING_GRACE:
            raise DomainError(_(
                "表决开始时间 %(time)s 太早：公示期至少 %(days)s 天，表决最早于 %(earliest)s "
                "开始（紧急情况可缩短公示期）", time=clock.local_text(start),
                days=publicity_days, earliest=clock.local_text(now + minimum)))
    # Publicity starts no earlier than the proposal exists: a back-dated start would let
    # the scheduled move count days nobody could see the plan (also with --emergency).
    if publicity < now:
        if publicity < now - TYPING_GRACE:
            raise DomainError(_(
                "公示开始时间 %(time)s 已过去：公示只能从现在或以后开始；"
                "要立即公示，请创建草稿后点击“开始公示”，并让表决开始时间留足公示期",
                time=clock.local_text(publicity)))
        publicity = now
    if publicity > start:
        raise DomainError(_("公示开始时间不能晚于表决开始时间"))
    if start - publicity < minimum:
        raise DomainError(_("公示期至少 %(days)s 天（紧急情况可缩短）", days=publicity_days))
    if start - publicity > timedelta(days=MAX_PUBLICITY_DAYS):
        raise DomainError(_("公示期不能超过 %(n)d 天", n=MAX_PUBLICITY_DAYS))
    return publicity


def publicity_days(community) -> int:
    return int((community.rules or {}).get("publicity_days", DEFAULT_PUBLICITY_DAYS))


def check_publicity_length(proposal: Proposal, publicity: datetime) -> None:
    """Publicity starting at `publicity` still lasts the community's days before voting."""
    _check_periods(publicity, proposal.voting_start, proposal.voting_end, proposal.emergency,
                   publicity_days(proposal.community), publicity)


@dataclass(frozen=True)
class CheckedDraft:
    """A draft's fields, every one checked, ready to store (new or over an existing draft)."""

    community: object
    fields: dict
    items: list[tuple[str, int]]
    documents: list


def check_draft(draft: ProposalDraft, now: datetime) -> CheckedDraft:
    """Check every field of a draft; raise DomainError with the first problem."""
    community = get_community(draft.community)
    title = draft.title.strip()
    if not title:
        raise DomainError(_("标题不能为空"))
    if len(title) > 200:
        raise DomainError(_("标题不能超过 200 个字"))
    check_plain(title, *(item.rpartition(":")[0] for item in draft.items))
    check_plain(draft.description, lines=True)
    # All three are printed on every voter's notice.
    check_printable(title, *(item.rpartition(":")[0] for item in draft.items), draft.description)
    matter = _parse_matter(draft.matter)
    try:
        rules = community_rules(matter, (community.rules or {}).get(matter.value))
        scope = Scope.parse(draft.scope)
        budget = parse_yuan(draft.budget)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    items = _parse_items(draft.items)
    refuse_too_many_bytes(draft.documents)
    documents = [accept(d.name, d.content) for d in draft.documents]
    if items and sum(a for _, a in items) != budget:
        raise DomainError(_("维修项目合计 %(items)s 元与预算 %(budget)s 元不一致",
                            items=format_yuan(sum(a for _i, a in items)),
                            budget=format_yuan(budget)))
    start = parse_iso(draft.voting_start, _("表决开始时间"))
    end = parse_iso(draft.voting_end, _("表决结束时间"))
    publicity = parse_iso(draft.publicity_start, _("公示开始时间")) \
        if draft.publicity_start else None
    days = publicity_days(community)
    publicity = _check_periods(publicity, start, end, draft.emergency, days, now)
    try:
        records = community_records(community)
        electorate = counted_electorate(records, scope)
        # A roll imported before the import refused "A-3栋" beside "A" / "3-1单元": the
        # scope's text would hold flats of both.
        refuse_ambiguous(scope, records)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    if not electorate.units:
        raise DomainError(_("表决范围 %(scope)s 内没有房屋", scope=scope_label(str(scope))))
    fields = dict(title=title, description=draft.description.strip(), matter=matter.value,
                  scope=str(scope), budget=budget, emergency=draft.emergency,
                  max_changes=1 if draft.allow_change else 0, publicity_start=publicity,
                  voting_start=start, voting_end=end,
                  rules={**rules.to_dict(), **procedure_rules(community.rules),
                         **procedure_of(community).to_rules(), **_tolerance(community)})
    return CheckedDraft(community, fields, items, documents)


def _tolerance(community) -> dict:
    """The community's tolerance over an approved budget, frozen with the proposal's rules
    (§18): raising it after the vote must not let a dearer contract through."""
    bp = int((community.rules or {}).get("budget_tolerance_bp", 0))
    return {"budget_tolerance_bp": bp} if bp else {}


def refuse_too_many_bytes(documents, held: int = 0) -> None:
    """A proposal's documents, with `held` bytes it keeps already, stay within the limit."""
    from flask import current_app

    from votes.settings import documents_max_bytes

    limit = documents_max_bytes(current_app.config)
    if held + sum(len(d.content) for d in documents) > limit:
        raise DomainError(too_many_bytes_message(limit))


def too_many_bytes_message(limit: int) -> str:
    mb, kb = 1024 * 1024, 1024
    size = f"{limit // mb} MB" if limit % mb == 0 else f"{limit / mb:.1f} MB" \
        if limit >= mb else f"{max(1, limit // kb)} KB"
    return _("一个议案的附件合计不能超过 %(size)s；请压缩或删去部分附件后再上传", size=size)


def stored_documents(documents, first: int = 0) -> list[ProposalDocument]:
    return [ProposalDocument(position=first + i, name=d.name,
                             sha256=hashlib.sha256(d.content).hexdigest(), size=len(d.content),
                             media_type=d.media_type, content=d.content)
            for i, d in enumerate(documents)]


def create_proposal(draft: ProposalDraft, actor: str = "cli", *,
                    created_at: datetime | None = None, schedule: bool = False) -> Proposal:
    """Check and store a draft. `created_at` lets the demo stage a vote that was drafted
    in the past; the CLI and the web form always create it now. A saved draft never moves
    by itself; `schedule` is the committee's explicit confirmation of its publicity start."""
    now = created_at or clock.now()
    checked = check_draft(draft, now)
    community = checked.community
    with unit_of_work() as session:
        proposal = Proposal(uid=secrets.token_hex(8), community_id=community.id,
                            state="draft", chain_length=0, created_at=now,
                            publicity_scheduled=schedule, **checked.fields)
        proposal.items = [ProposalItem(position=i, title=t, amount=a)
                          for i, (t, a) in enumerate(checked.items)]
        proposal.documents = stored_documents(checked.documents)
        session.add(proposal)
        session.flush()
        audit.record(session, actor, "proposal.create", community_id=community.id,
                     target=str(proposal.id),
                     details={"title": proposal.title, "budget": proposal.budget})
        if schedule:
            audit.record(session, actor, "proposal.schedule", community_id=community.id,
                         target=str(proposal.id),
                         details={"state": "draft",
                                  "publicity_start": proposal.publicity_start.isoformat()})
    return proposal
