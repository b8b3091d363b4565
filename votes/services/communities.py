from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from votes.core.bidi import has_bidi_control
from votes.core.numbers import whole_number
from votes.core.roll import has_control
from votes.core.local_rules import (EMERGENCY_MAX_BUDGET, EXCLUDED_KINDS, PROXY_LIMIT,
                                   SETTINGS, STAFF_BARRED, Procedure, emergency_cap,
                                   parse_emergency_cap, parse_setting)
from votes.extensions import db
from votes.i18n import _
from votes.models import Community
from votes.services import audit
from votes.services.errors import DomainError, NotFound
from votes.services.labels import unit_kind_label
from votes.core.full_width import ascii_forms
from votes.services.plain_text import check_plain, check_printable
from votes.services.tx import unit_of_work

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_DISTRICT = re.compile(r"[A-Za-z0-9_.-]*")  # empty: no district
DISTRICT_MAX = 64  # Community.jurisdiction, StaffUser.jurisdiction


def district_code(text: str | None) -> str | None:
    """A district code as typed (a community's jurisdiction, a regulator's), or None for
    none: without the spaces around it, and refused (DomainError) holding a character that
    does not show (a zero-width space or a direction mark pasted with "350502" made another
    district printed as 350502, out of its regulator's sight without a word) or a space
    inside, longer than the database keeps, or another character than a community code's
    (a letter of another script that looks like a digit); full-width digits and letters
    are read as the ASCII ones."""
    from votes.core.bidi import hidden

    code = (text or "").strip()
    if any(hidden(c) for c in code):
        raise DomainError(_("辖区代码“%(code)s”含有看不见的字符（如零宽空格、方向控制符），"
                            "请重新输入", code="".join(c for c in code if not hidden(c))))
    # A Chinese input method's full-width digits and letters (３５０５０２) are the same code:
    # kept as typed, they made another district its regulator never saw.
    code = ascii_forms(code)
    if any(c.isspace() for c in code):
        # "350 502" was a district of its own, printed almost as 350502.
        raise DomainError(_("辖区代码“%(code)s”中间有空格，请去掉空格后重新输入", code=code))
    if len(code) > DISTRICT_MAX:
        raise DomainError(_("辖区代码过长（最多 %(n)s 个字符）", n=DISTRICT_MAX))
    if not _DISTRICT.fullmatch(code):
        # A letter of another script that looks like a digit (Cyrillic З for 3, О for 0,
        # the ideographic 〇) made another district printed as 350502, as a hidden
        # character did. A district's code is written as a community's is.
        raise DomainError(_("辖区代码“%(code)s”只能包含字母、数字、-、_ 和 .（例如 350502），"
                            "请重新输入", code=code))
    return code or None


def create_community(code: str, name: str, jurisdiction: str | None = None,
                     actor: str = "cli") -> Community:
    code = code.strip()
    name = name.strip()
    jurisdiction = district_code(jurisdiction)
    if not _CODE.match(code):
        raise DomainError(_("小区编码“%(code)s”无效：只能包含字母、数字、-、_ 和 .", code=code))
    if not name:
        raise DomainError(_("小区名称不能为空"))
    if len(name) > 200 or len(code) > 64:
        raise DomainError(_("小区名称或编码过长"))
    # The name heads every board, the start page's list and the notices, on the line of the
    # voting times: a direction control there reorders what follows it.
    check_plain(name)
    check_printable(name)
    try:
        with unit_of_work() as session:
            audit.lock(session)  # two creators of MOON and moon at once: one sees the other's
            _refuse_taken(session, code)
            community = Community(code=code, name=name, jurisdiction=jurisdiction, rules={})
            session.add(community)
            session.flush()
            audit.record(session, actor, "community.create", community_id=community.id,
                         target=code, details={"name": name,
                                               "jurisdiction": jurisdiction or ""})
    except IntegrityError:
        # The unique index on lower(code) (codes_0001) refused a code that a writer without
        # the log's lock (another program's insert) took after the check: the creator is
        # told the same, read again now that the other is committed.
        with unit_of_work() as session:
            _refuse_taken(session, code)
        raise
    return community


def _refuse_taken(session: Session, code: str) -> None:
    """Refuse (DomainError) a code some community has, in this case or another."""
    # Codes are typed by hand and in addresses: moon beside MOON were two estates no
    # reader could tell apart. Refused, not folded: existing codes stay as they are.
    same = session.scalars(select(Community).where(
        func.lower(Community.code) == code.lower()).order_by(Community.id)).all()
    if any(c.code == code for c in same):
        raise DomainError(_("小区编码 %(code)s 已存在", code=code))
    if same:
        raise DomainError(_("小区编码 %(code)s 与已有的小区 %(existing)s（%(name)s）只有"
                            "大小写不同，请换一个编码", code=code, existing=same[0].code,
                            name=same[0].name))


def get_community(code: str) -> Community:
    """The community with this code, as typed or in another case (codes no longer differ
    by case alone; where an older database holds two spellings, the exact one is taken, and
    another case that fits both is refused, naming them)."""
    community = db.session.scalar(select(Community).where(Community.code == code))
    if community is not None:
        return community
    if not code.isascii():  # codes are ASCII; str.lower() folds the Kelvin sign K into k
        raise NotFound(_("没有编码为 %(code)s 的小区", code=code))
    alike = list(db.session.scalars(select(Community).where(
        func.lower(Community.code) == code.lower()).order_by(Community.code)))
    if len(alike) > 1:
        raise NotFound(_("有多个小区的编码与 %(code)s 只有大小写不同（%(codes)s），请按原样输入",
                         code=code, codes="、".join(c.code for c in alike)))
    if not alike:
        raise NotFound(_("没有编码为 %(code)s 的小区", code=code))
    return alike[0]


def lock_community(session: Session, community_id: int, *, share: bool = False) -> Community:
    """Serialise the writers of one community's own row and roll until the transaction ends,
    and read the row as it is now. A writer (its rules, its roll) takes an exclusive lock; a
    freeze, which only reads the roll, and a settlement, which debits its units (each under
    its own row lock), take a shared one (`share`), always after their proposal's lock, so
    two proposals of one community still freeze or settle at once but never while its roll
    is being replaced. PostgreSQL:
    FOR NO KEY UPDATE / FOR SHARE (rows that merely reference the community, like a new
    proposal, are not held up); SQLite writes one transaction at a time: a no-op UPDATE
    takes the database's write lock (a shared lock needs none)."""
    if session.get_bind().dialect.name == "sqlite":
        if share:
            return session.get(Community, community_id)
        return session.scalars(
            update(Community).where(Community.id == community_id)
            .values(code=Community.code).returning(Community),
            execution_options={"populate_existing": True,
                               "synchronize_session": False}).one()
    query = select(Community).where(Community.id == community_id)
    query = query.with_for_update(read=True) if share else query.with_for_update(key_share=True)
    return session.scalar(query.execution_options(populate_existing=True))


def list_communities() -> list[Community]:
    return list(db.session.scalars(select(Community).order_by(Community.code)))


def set_rules(code: str, matter: str, settings: dict[str, str], actor: str = "cli") -> dict:
    """Make a community's thresholds for a matter stricter than the Civil Code's (never
    looser); publicity_days sets the minimum publicity period; proxy_limit,
    proxy_staff_barred, excluded_kinds, objection_days and follow_majority set its rules
    of procedure for every matter. Proposals already created keep the rules they froze."""
    from votes.core.rules import Matter, Threshold, community_rules

    community = get_community(code)
    try:
        matter_value = Matter(matter).value
    except ValueError:
        raise DomainError(_("表决事项类型“%(matter)s”无效", matter=matter)) from None
    with unit_of_work() as session:
        # Read, change and write the rules under the row's lock: two people changing
        # different settings at once (an administrator's threshold, the committee's proxy
        # limit) would each write back the rules as both read them, and one change would be
        # lost although both were audited as made.
        community = lock_community(session, community.id)
        rules = dict(community.rules or {})
        rules.update(_procedure_settings(settings))
        if EMERGENCY_MAX_BUDGET in settings:
            try:
                cap = parse_emergency_cap(unicodedata.normalize(
                    "NFKC", str(settings[EMERGENCY_MAX_BUDGET])))
            except ValueError:
                raise DomainError(_("应急使用预算上限“%(value)s”无效，应为金额（元，最多两位小数），"
                                    "留空或 none 表示不设上限。",
                                    value=str(settings[EMERGENCY_MAX_BUDGET])[:40])) from None
            # Kept only when set: rules without it mean no cap, as before.
            rules.pop(EMERGENCY_MAX_BUDGET, None)
            if cap:
                rules[EMERGENCY_MAX_BUDGET] = cap
        thresholds = {k: v for k, v in settings.items()
                      if k != "publicity_days" and k not in SETTINGS
                      and k not in PROCEDURE_SETTINGS and k != EMERGENCY_MAX_BUDGET}
        try:
            merged = {**rules.get(matter_value, {}), **thresholds}
            effective = community_rules(Matter(matter_value), merged)
        except ValueError as exc:
            raise DomainError(str(exc)) from None
        for name in thresholds:
            wanted = getattr(effective, name, None)
            if isinstance(wanted, Threshold) and not wanted.inclusive and wanted.num == wanted.den:
                # "More than all" is a fraction the law's form allows (0 ≤ num ≤ den) and no
                # vote can meet: every proposal of the community would fail, unsaid.
                raise DomainError(_("门槛 %(wanted)s 要求超过全部，任何表决都不可能达到；"
                                    "如要求全体一致，请写 >=1/1", wanted=str(wanted)))
        if thresholds or matter_value in rules:
            rules[matter_value] = merged
        if "publicity_days" in settings:
            # Folded (NFKC): a Chinese keyboard in full-width mode types １２ for 12.
            days = whole_number(unicodedata.normalize("NFKC", str(settings["publicity_days"]))
                                .strip())
            if days is None or days < 7:
                raise DomainError(_("公示期不能少于 7 天"))
            if days > MAX_PUBLICITY_DAYS:
                # 3,000,000 days was accepted, and counting them back from a voting start
                # then failed every proposal of the community (OverflowError, a 500).
                raise DomainError(_("公示期不能超过 %(n)d 天", n=MAX_PUBLICITY_DAYS))
            rules["publicity_days"] = days
        community.rules = rules
        audit.record(session, actor, "community.rules", community_id=community.id, target=code,
                     details={"matter": matter_value, **{k: str(v) for k, v in settings.items()}})
    return rules


# A year: more than any rule of procedure asks for a plan's publicity.
MAX_PUBLICITY_DAYS = 365
# The objection period and 从多 (votes.core.procedure), beside local_rules.SETTINGS.
PROCEDURE_SETTINGS = ("objection_days", "follow_majority")


def _procedure_settings(settings: dict[str, str]) -> dict:
    """The rules of procedure among settings, community-wide and checked: proxies and unit
    kinds (votes.core.local_rules), the objection period and 从多 (votes.core.procedure);
    a DomainError names the bad one (0, off, none: the Civil Code default)."""
    from votes.core.procedure import check_setting

    out = {}
    for name in (*SETTINGS, *PROCEDURE_SETTINGS):
        if name not in settings:
            continue
        check = parse_setting if name in SETTINGS else check_setting
        try:
            # Folded (NFKC) as publicity_days is: a Chinese keyboard in full-width mode
            # types １５ for 15.
            out[name] = check(name, unicodedata.normalize("NFKC", str(settings[name])))
        except ValueError:
            raise DomainError(_setting_error(name, str(settings[name])[:40])) from None
    return out


def _setting_error(name: str, value: str) -> str:
    from votes.core.procedure import MAX_OBJECTION_DAYS

    if name == "objection_days":
        return _("异议期天数应为 0 至 %(n)d 的整数（0 表示不设异议期）。", n=MAX_OBJECTION_DAYS)
    if name == "follow_majority":
        return _("从多规则应为 off（不采用）、quorum（只计入参与）或 full（计入参与并随多数意见）之一。")
    if name == PROXY_LIMIT:
        return _("每位受托人可代理的业主人数 “%(value)s” 无效，应为 1 至 1000 的整数，或 none 表示不限",
                 value=value)
    if name == STAFF_BARRED:
        return _("“%(value)s” 无效：是否禁止物业服务企业工作人员作为受托人，应为 on 或 off",
                 value=value)
    return _("不计入表决的房屋类型 “%(value)s” 无效，只能是 parking（车位）、storeroom（储藏室）或 none",
             value=value)


def procedure_form(form) -> dict[str, str]:
    """The committee page's three settings as set_rules() takes them."""
    return {PROXY_LIMIT: form.get(PROXY_LIMIT, "").strip() or "none",
            STAFF_BARRED: "on" if form.get(STAFF_BARRED) else "off",
            EXCLUDED_KINDS: ",".join(form.getlist(EXCLUDED_KINDS)) or "none",
            EMERGENCY_MAX_BUDGET: form.get(EMERGENCY_MAX_BUDGET, "").strip() or "none"}


def procedure_of(community: Community) -> Procedure:
    """The community's proxies and unit-kind settings (Civil Code defaults when unset)."""
    return Procedure.from_rules(community.rules)


def procedure_summary(p: Procedure) -> str:
    """One line for the CLI and the rules page."""
    limit = _("每位受托人最多代理 %(n)s 户", n=p.proxy_limit) if p.proxy_limit \
        else _("受托人代理户数不限")
    staff = _("物业服务企业工作人员不得作为受托人") if p.proxy_staff_barred \
        else _("不限制受托人身份")
    kinds = _("不计入表决面积和人数：%(kinds)s",
              kinds=_("、").join(unit_kind_label(k) for k in p.excluded_kinds)) \
        if p.excluded_kinds else _("车位、储藏室计入表决面积和人数")
    return _("；").join((limit, staff, kinds))


def emergency_cap_text(rules) -> str:
    """The community's cap on an emergency use's budget, in one phrase (CLI, rules page)."""
    from votes.core.numbers import format_yuan

    cap = emergency_cap(rules)
    return _("应急使用预算上限 %(cap)s 元", cap=format_yuan(cap)) if cap \
        else _("应急使用预算不设上限")


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


# A landline or mobile as people write it: 0595-22881234, (0595) 2288 1234, 13800138000,
# +86 138 0013 8000, optionally an extension (转 123).
_PHONE = re.compile(r"\+?[0-9(][0-9 ()\-]{3,30}(?:\s*(?:转|ext\.?)\s*[0-9]{1,6})?", re.I)


def contact_problem(committee: str | None, phone: str | None) -> str | None:
    """Why the committee name or contact phone cannot be printed on notices, or None."""
    if committee is not None and (len(committee) > 200 or has_control(committee)):
        return _("业委会名称最多 200 个字")
    if committee is not None and has_bidi_control(committee):
        return _("文字中不能包含改变文字显示方向的控制符。")
    if committee:
        try:
            check_printable(committee)
        except DomainError as e:
            return str(e)
    if phone:
        digits = sum(c.isdigit() for c in phone)
        if len(phone) > 64 or not _PHONE.fullmatch(phone) or not 5 <= digits <= 20:
            return _("联系电话只能写数字、空格、短横线和括号，例如 0595-22881234 或 13800138000")
    return None


def set_contact(code: str, committee: str | None = None, phone: str | None = None,
                actor: str = "cli") -> Community:
    """The committee's name and contact phone printed on notices; "" clears one."""
    community = get_community(code)
    changes = {}
    for field, value in (("committee_name", committee), ("contact_phone", phone)):
        if value is not None:
            changes[field] = " ".join(value.split()) or None
    problem = contact_problem(changes.get("committee_name"), changes.get("contact_phone"))
    if problem:
        raise DomainError(problem)
    with unit_of_work() as session:
        for field, value in changes.items():
            setattr(community, field, value)
        audit.record(session, actor, "community.contact", community_id=community.id,
                     target=code, details={k: v or "" for k, v in changes.items()})
    return community
