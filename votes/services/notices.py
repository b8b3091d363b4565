"""Printable voting notices: one per voter, with the QR code of that voter's link."""

from __future__ import annotations

from sqlalchemy import func, select

from votes.core.local_rules import EXCLUDABLE, Procedure, UnitKind
from votes.core.numbers import format_area_grouped
from votes.core.roll import (Scope, has_control, natural_key, normalise_building,
                             normalise_entrance)
from votes.core.scope_words import flat_words, notice_scope_text, suffixed
from votes.core.rules import Matter, Rules, Threshold
from votes.extensions import db
from votes.i18n import _
from votes.models import FrozenUnit, FrozenVoter, Proposal, VoterAccess
from votes.services import clock
from votes.services.access import lobby_link, notice_code, public_base_url, voter_link
from votes.services.second_factor import methods
from votes.services.clock import printed_date, printed_time
from votes.services.errors import DomainError
from votes.services.lifecycle import get_proposal, refresh
from votes.services.records import frozen_units

HEADINGS = {Matter.USE_FUND: "住宅专项维修资金使用表决通知",
            Matter.RAISE_FUND: "住宅专项维修资金筹集表决通知"}
HOW_TO_VERIFY = ("验证身份：个人业主输入本房屋任一业主身份证号码的后6位，单位业主输入本通知上的"
                 "单位验证码；名册上登记了手机号的，也可以接收短信验证码。")
PAPER = ("在表决期内到业主委员会领取、填写并交回纸质表决票（请带身份证件），"
         "或委托他人持书面委托书代为表决。")


def unit_label(u: FrozenUnit) -> str:
    return flat_words(u.building, u.entrance, u.room)


def delivery_key(u: FrozenUnit) -> tuple:
    """Building, entrance, then room in natural order (floor by floor: 101, 102, …, 1001)."""
    return (natural_key(normalise_building(u.building)),
            natural_key(normalise_entrance(u.entrance)), natural_key(u.room.strip()))


def money(fen: int) -> str:
    """Fen as yuan with thousands separators: 35600000 -> "356,000.00"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def scope_flats(proposal: Proposal) -> list:
    """The flats a proposal's `unit:` scope names, as scope_text (votes.core.scope_words)
    wants them: its frozen units once frozen, else the community's roll; none for other
    scopes (they name no room)."""
    if Scope.parse(proposal.scope).kind != "unit":
        return []
    t = FrozenUnit.__table__.c
    rows = db.session.execute(select(t.building, t.entrance, t.room)
                              .where(t.proposal_id == proposal.id)).all()
    if rows:
        return list(rows)
    from votes.services.roll import community_records

    return community_records(proposal.community)


def _printed(msgid: str, **variables) -> str:
    """Printed notices are in Chinese whatever the language of the page that asks for them."""
    return msgid % variables if variables else msgid


def _fraction(t: Threshold, _=_printed) -> str:
    if not t.inclusive and (t.num, t.den) == (1, 2):
        return _("过半数")
    f = f"{t.num}/{t.den}"
    return _("%(f)s以上", f=f) if t.inclusive else _("超过%(f)s", f=f)


def rule_sentence(rules: dict, _=_printed) -> str:
    """The thresholds that apply, in one sentence, from the proposal's frozen rules; in
    Chinese for print, in the page's language with `_=votes.i18n._`."""
    r = Rules.from_dict(rules)
    base = _("参与表决") if r.approval_base == "participating" else _("范围内全部")
    return _("须有专有面积占范围内总面积%(qa)s、人数占总人数%(qh)s的业主参与表决，"
             "并经%(base)s专有面积%(aa)s且%(base)s人数%(ah)s的业主同意，方为通过。",
             qa=_fraction(r.quorum_area, _), qh=_fraction(r.quorum_headcount, _), base=base,
             aa=_fraction(r.approval_area, _), ah=_fraction(r.approval_headcount, _)) \
        + _gap(procedure_sentence(rules, _))


def _gap(sentence: str) -> str:
    """A sentence that follows another: Chinese runs on after its 。, English takes a
    space ("… agree. After the vote …", not "agree.After")."""
    return " " + sentence if sentence[:1].isascii() and sentence[:1].isalpha() else sentence


def procedure_sentence(rules: dict, _=_printed) -> str:
    """What owners must be told before voting about 从多, the objection period and the
    tolerance over the budget (§17, §18, §19)."""
    from votes.core.procedure import follow_mode, objection_days

    text = ""
    mode = follow_mode(rules)
    if mode != "off":
        joined = _("计入参与表决，并随已表决业主的多数意见") if mode == "full" \
            else _("只计入参与表决")
        text += _("按本小区议事规则（从多），本通知经证实送达而未表决的业主，%(joined)s；"
                  "该部分在结果中另行统计，不计为选票。", joined=joined)
    days = objection_days(rules)
    if days:
        text += _gap(_("表决结束后先公布初步结果，业主可在 %(days)s 日内提出异议，"
                       "异议期满并答复后公布最终结果。", days=days))
    # The tolerance frozen with the proposal (§18) lets a contract and the final cost go
    # above the budget the owners approve without a new vote: they vote knowing how far.
    tolerance = int(rules.get("budget_tolerance_bp", 0))
    if tolerance:
        from votes.core.numbers import format_yuan

        text += _gap(_("按本小区议事规则，合同金额或结算金额超出预算不超过%(pct)s%%的，"
                       "无需重新表决；超出更多须重新表决。", pct=format_yuan(tolerance)))
    return text.lstrip(" ")


def _period(start, end) -> str:
    if start is None or end is None:
        return "—"
    return f"{printed_time(start)} 至 {printed_time(end)}（北京时间）"


def notice_plan(proposal: Proposal, units: list[FrozenUnit]):
    from votes.services.notices_pdf import NoticePlan

    community = proposal.community
    total = sum(u.area for u in units)
    return NoticePlan(
        community=community.name, title=proposal.title,
        matter=Matter(proposal.matter).label_zh, description=proposal.description or "",
        budget=money(proposal.budget),
        items=tuple((i.title, money(i.amount)) for i in sorted(proposal.items,
                                                                key=lambda i: i.position)),
        scope=notice_scope_text(proposal.scope, units),
        split=(f"按各户房屋专有面积占列支范围内总面积（{format_area_grouped(total)} m²，"
               f"{len(units)} 户）的比例分摊"),
        publicity=_period(proposal.publicity_start or proposal.frozen_at, proposal.voting_start),
        voting=_period(proposal.voting_start, proposal.voting_end),
        rule=rule_sentence(proposal.rules), how_to_verify=HOW_TO_VERIFY, paper=PAPER,
        board=f"{public_base_url()}/p/{proposal.uid}",
        committee=community.committee_name or "", phone=community.contact_phone or "",
        date=printed_date(clock.now()))


def _balance(units: list[FrozenUnit]) -> str:
    if any(u.fund_balance is None for u in units):
        return "未登记"
    return f"{money(sum(u.fund_balance for u in units))} 元"


def notices_pdf(proposal_ref: str, voter_key: str | None = None, building: str | None = None,
                progress=None) -> bytes:
    """Every voter's notice, or only `voter_key`'s (a reprint: the same link and code), or
    only those of one `building` (its label as `notice_buildings` gives it: each voter's
    notice goes with the building of their first unit on the delivery round). `progress`,
    if given, is called with (notices drawn, notices in all) while the PDF is drawn."""
    from votes.services.notices_pdf import Notice, render_notices

    proposal = printable(get_proposal(proposal_ref))
    frozen = units_in_delivery_order(proposal)
    units = _by_voter(frozen)
    if building is not None:
        units = in_building(units, building)
        if not units:
            raise DomainError(_("本事项没有“%(b)s”的表决通知", b=building))
    voters = {v.voter_key: v for v in db.session.scalars(
        select(FrozenVoter).where(FrozenVoter.proposal_id == proposal.id))}
    accesses = {a.voter_key: a for a in db.session.scalars(
        select(VoterAccess).where(VoterAccess.proposal_id == proposal.id))}
    plan = notice_plan(proposal, frozen)
    excluded = set(Procedure.from_rules(proposal.rules).excluded_kinds)
    # An owner holding only units the rules leave out of the vote (§16) still pays a share
    # and must see it before the vote (shared/DESIGN.md): their page is a letter of that
    # share, with no link.
    notices = [
        Notice(plan=plan,
               units=tuple((unit_label(u) + ("（不计入表决）" if u.kind in excluded else ""),
                            format_area_grouped(u.area)) for u in units[key]),
               area=format_area_grouped(sum(u.area for u in units[key])),
               share=money(voters[key].share),
               fund_balance=_balance(units[key]),
               link=voter_link(proposal, accesses[key]),
               extra=() if _no_vote(units[key], excluded) else _code_row(proposal, accesses[key]),
               no_vote=_no_vote(units[key], excluded))
        for key in units if key in accesses and voter_key in (None, key)
    ]
    if voter_key is not None and not notices:
        raise DomainError(_("没有这位业主的表决通知"))
    return render_notices(notices, heading=HEADINGS.get(Matter(proposal.matter),
                                                        "业主共同决定事项表决通知"),
                          progress=progress)


def printable(proposal: Proposal) -> Proposal:
    """The proposal, brought up to date, if its notices can be printed; else DomainError."""
    proposal = refresh(proposal)
    if proposal.state == "draft":
        raise DomainError(_("请先开始公示，冻结表决范围后再打印通知"))
    if proposal.state in ("closed", "published", "withdrawn", "emergency"):
        raise DomainError(_("表决已结束或已撤回，不能再打印表决通知"))
    public_base_url()  # refuse before any work when the deployment's address is unknown
    return proposal


def notice_buildings(proposal: Proposal) -> list[tuple[str, str, int]]:
    """(building label, the building in the page's language, number of notices) in the
    order of delivery: what a committee can print one building at a time when the whole
    file is too long for one download. The label ("3号楼", as the printed notices say it)
    is what notices_pdf(building=…) takes."""
    proposal = printable(proposal)
    counts: dict[str, list] = {}
    accesses = set(db.session.scalars(select(VoterAccess.voter_key).where(
        VoterAccess.proposal_id == proposal.id)))
    for key, held in _by_voter(units_in_delivery_order(proposal)).items():
        if key in accesses:
            label = _building_of(held)
            counts.setdefault(label, [_building_shown(held), 0])[1] += 1
    return [(label, shown, n) for label, (shown, n) in counts.items()]


def _building_shown(units: list[FrozenUnit]) -> str:
    """_building_of in the page's language: "building 3" in English; a building the roll
    names in words (综合楼) as the roll names it."""
    building = normalise_building(units[0].building)
    label = suffixed(building, "号楼")
    if label == building:
        return label or "—"
    return _("%(b)s座", b=building) if label.endswith("座") else _("%(b)s号楼", b=building)


def notice_count(proposal: Proposal) -> int:
    """How many notices the whole file holds (one per voter given a link)."""
    return db.session.scalar(select(func.count()).select_from(VoterAccess).where(
        VoterAccess.proposal_id == proposal.id))


def units_in_delivery_order(proposal: Proposal) -> list[FrozenUnit]:
    """The proposal's frozen units by building, entrance and room (the delivery round)."""
    return sorted(frozen_units(proposal), key=delivery_key)


def _by_voter(frozen: list[FrozenUnit]) -> dict[str, list[FrozenUnit]]:
    """Each voter's units, voters in the order of their first unit on the delivery round
    (building, entrance, room)."""
    units: dict[str, list[FrozenUnit]] = {}
    for u in frozen:
        units.setdefault(u.voter_key, []).append(u)
    return units


def in_building(units: dict[str, list[FrozenUnit]],
                building: str) -> dict[str, list[FrozenUnit]]:
    """The voters (of _by_voter) whose notice goes with `building`: the building of their
    first unit on the delivery round. `building` is the page's label (3号楼), or the building
    as the roll spells it (3栋, 3, a name in Chinese brackets): the command line has no page
    to copy the label from."""
    # Text with control characters is no building of a roll (and is not cleaned into one).
    wanted = {building} if has_control(building) else \
        {building, suffixed(normalise_building(building), "号楼")}
    return {key: held for key, held in units.items() if _building_of(held) in wanted}


def _building_of(units: list[FrozenUnit]) -> str:
    return suffixed(normalise_building(units[0].building), "号楼") or "—"


def _no_vote(units: list[FrozenUnit], excluded: set[str]) -> str | None:
    """Why this owner does not vote, or None when they do."""
    if not excluded or any(u.kind not in excluded for u in units):
        return None
    kinds = "、".join(UnitKind(k).label_zh for k in EXCLUDABLE if k in excluded)
    return (f"按本小区议事规则，{kinds}不计入表决的专有面积和人数，您的房屋不参加本次表决；"
            "但维修费用按列支范围内全部房屋的面积分摊，您仍须按下表分摊费用。")


def _code_row(proposal, access: VoterAccess) -> tuple[tuple[str, str], ...]:
    # Companies and the developer: their credit code is public, so the notice carries a code.
    if not methods(proposal, access.voter_key).notice_code:
        return ()
    code = notice_code(proposal, access.voter_key, access.issue)
    return (("单位验证码", f"{code}（验证身份时输入，请妥善保管，勿告知他人）"),)


def poster_pdf(proposal_ref: str) -> bytes:
    """The lobby poster: a QR code for the page where owners pick building and room."""
    from votes.services.notices_pdf import render_poster

    proposal = refresh(get_proposal(proposal_ref))
    if proposal.state in ("draft", "closed", "published", "withdrawn", "emergency"):
        raise DomainError(_("只有公示中或表决中的事项可以打印海报"))
    return render_poster(proposal.community.name, proposal.title,
                         printed_time(proposal.voting_end), lobby_link(proposal))
