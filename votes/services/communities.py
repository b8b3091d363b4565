from __future__ import annotations

import re

from sqlalchemy import select

from votes.extensions import db
from votes.i18n import _
from votes.models import Community
from votes.services import audit
from votes.services.errors import DomainError, NotFound
from votes.services.tx import unit_of_work

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def create_community(code: str, name: str, jurisdiction: str | None = None,
                     actor: str = "cli") -> Community:
    code = code.strip()
    name = name.strip()
    if not _CODE.match(code):
        raise DomainError(_("小区编码“%(code)s”无效：只能包含字母、数字、-、_ 和 .", code=code))
    if not name:
        raise DomainError(_("小区名称不能为空"))
    if len(name) > 200 or len(code) > 64:
        raise DomainError(_("小区名称或编码过长"))
    with unit_of_work() as session:
        if session.scalar(select(Community).where(Community.code == code)):
            raise DomainError(_("小区编码 %(code)s 已存在", code=code))
        community = Community(code=code, name=name, jurisdiction=(jurisdiction or None), rules={})
        session.add(community)
        session.flush()
        audit.record(session, actor, "community.create", community_id=community.id,
                     target=code, details={"name": name, "jurisdiction": jurisdiction or ""})
    return community


def get_community(code: str) -> Community:
    community = db.session.scalar(select(Community).where(Community.code == code))
    if community is None:
        raise NotFound(_("没有编码为 %(code)s 的小区", code=code))
    return community


def list_communities() -> list[Community]:
    return list(db.session.scalars(select(Community).order_by(Community.code)))


def set_rules(code: str, matter: str, settings: dict[str, str], actor: str = "cli") -> dict:
    """Make a community's thresholds for a matter stricter than the Civil Code's (never
    looser); publicity_days sets the minimum publicity period. Proposals already published
    keep the rules they froze."""
    from votes.core.rules import Matter, community_rules

    community = get_community(code)
    try:
        matter_value = Matter(matter).value
    except ValueError:
        raise DomainError(_("表决事项类型“%(matter)s”无效", matter=matter)) from None
    rules = dict(community.rules or {})
    thresholds = {k: v for k, v in settings.items() if k != "publicity_days"}
    try:
        merged = {**rules.get(matter_value, {}), **thresholds}
        community_rules(Matter(matter_value), merged)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    rules[matter_value] = merged
    if "publicity_days" in settings:
        days = settings["publicity_days"]
        if not str(days).isdigit() or int(days) < 7:
            raise DomainError(_("公示期不能少于 7 天"))
        rules["publicity_days"] = int(days)
    with unit_of_work() as session:
        community.rules = rules
        audit.record(session, actor, "community.rules", community_id=community.id, target=code,
                     details={"matter": matter_value, **{k: str(v) for k, v in settings.items()}})
    return rules


def parse_settings(items) -> dict[str, str]:
    """NAME=VALUE lines (empty ones skipped) as a dict; DomainError for anything else."""
    pairs = {}
    for item in items:
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        if not sep:
            raise DomainError(_("“%(item)s”应写作 名称=值", item=item))
        pairs[name.strip()] = value.strip()
    return pairs


def set_contact(code: str, committee: str | None = None, phone: str | None = None,
                actor: str = "cli") -> Community:
    """The committee's name and contact phone printed on notices; "" clears one."""
    community = get_community(code)
    changes = {}
    for field, value, limit in (("committee_name", committee, 200), ("contact_phone", phone, 64)):
        if value is None:
            continue
        value = " ".join(value.split())
        if len(value) > limit:
            raise DomainError(_("%(field)s过长，最多 %(limit)s 个字符", limit=limit,
                                field=_("业委会名称") if field == "committee_name" else _("联系电话")))
        changes[field] = value or None
    with unit_of_work() as session:
        for field, value in changes.items():
            setattr(community, field, value)
        audit.record(session, actor, "community.contact", community_id=community.id,
                     target=code, details={k: v or "" for k, v in changes.items()})
    return community
