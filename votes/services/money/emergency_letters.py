"""The emergency use's letter (应急使用告知书) to each company or developer owner of its scope.

An emergency use (§18.6) debits every flat of its scope without a vote, and its owners see
their share on a read-only page reached from the board by building and room and a second
factor. There the second factors are the same two for every flat (the last 6 characters of
an ID number, an SMS code), which tell whoever typed the flat nothing of its owners; so a
company or developer with no mobile on the roll had no way in. Its letter carries the
owner's own link (QR code and address, the vote notice's: the access made when the scope
was frozen) and notice code, which sign it in read-only there. Drawn with the voting
notices' machinery (votes/services/notices.py, notices_pdf.py); Chinese only, as every
printed notice."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from votes.extensions import db
from votes.i18n import _
from votes.models import FrozenVoter, Proposal, VoterAccess
from votes.services import audit
from votes.services.access import public_base_url, voter_link
from votes.services.second_factor import methods
from votes.services.clock import printed_time
from votes.services.errors import DomainError
from votes.services.tx import unit_of_work

HEADING = "住宅专项维修资金应急使用告知书"
HOW_TO_VERIFY = ("验证身份：输入本告知书上的单位验证码；名册上登记了手机号的，也可以接收短信"
                 "验证码。")


def emergency_letters_pdf(proposal: Proposal, building: str | None = None,
                          actor: str = "cli") -> bytes:
    """A letter for each voter of the emergency use with a company or developer among its
    owners, in the order of delivery, or only those of one `building` (as notices_pdf takes
    it). Audited: each letter signs its owner in."""
    from votes.core.numbers import format_area_grouped
    from votes.services.money.emergency import emergency_facts
    from votes.services.notices import (_balance, _by_voter, _code_row, in_building, money,
                                        notice_plan, unit_label, units_in_delivery_order)
    from votes.services.notices_pdf import Notice, render_notices

    facts = emergency_facts(proposal) if proposal.state == "emergency" else None
    if facts is None:
        raise DomainError(_("只有应急使用（未经业主表决）的事项有单位业主告知书；经业主表决的事项"
                            "请打印表决通知。"))
    public_base_url()  # refuse before any work when the deployment's address is unknown
    frozen = units_in_delivery_order(proposal)
    # The voters given a notice code when the scope was frozen (create_access): those with a
    # company or the developer among their owners. Every emergency use was frozen so.
    accesses = {a.voter_key: a for a in db.session.scalars(select(VoterAccess).where(
        VoterAccess.proposal_id == proposal.id, VoterAccess.notice_code_hash.is_not(None)))}
    voters = {v.voter_key: v for v in db.session.scalars(select(FrozenVoter).where(
        FrozenVoter.proposal_id == proposal.id, FrozenVoter.voter_key.in_(accesses)))}
    units = {key: held for key, held in _by_voter(frozen).items()
             if key in voters and methods(proposal, key, voters[key]).notice_code}
    if not units:
        raise DomainError(_("本事项列支范围内没有单位或开发建设单位业主，无需打印单位业主告知书；"
                            "个人业主可以从公示栏按楼栋房号验证后查看本户分摊。"))
    if building is not None:
        units = in_building(units, building)
        if not units:
            raise DomainError(_("本事项没有“%(b)s”的单位业主告知书", b=building))
    plan = replace(notice_plan(proposal, frozen), matter="维修资金应急使用（未经业主表决）",
                   publicity=printed_time(proposal.opened_at) + "（北京时间）",
                   how_to_verify=HOW_TO_VERIFY)
    extra = (("险情", facts["category_zh"]), ("申请人", facts["applicant_zh"]))
    notices = [
        Notice(plan=plan,
               units=tuple((unit_label(u), format_area_grouped(u.area)) for u in held),
               area=format_area_grouped(sum(u.area for u in held)),
               share=money(voters[key].share), fund_balance=_balance(held),
               link=voter_link(proposal, accesses[key]),
               extra=extra + _code_row(proposal, accesses[key]))
        for key, held in units.items()]
    pdf = render_notices(notices, heading=HEADING, page=_letter)
    with unit_of_work() as session:
        audit.record(session, actor, "emergency.letters", community_id=proposal.community_id,
                     target=str(proposal.id),
                     details={"building": building, "letters": len(notices)})
    return pdf


def letter_count(proposal: Proposal) -> int:
    """How many voters of the proposal were given a notice code (a company or the developer
    among their owners): the letters an emergency use has to print."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(VoterAccess).where(
        VoterAccess.proposal_id == proposal.id, VoterAccess.notice_code_hash.is_not(None)))


def _letter(n, heading: str, s: dict) -> list:
    """One owner's letter: what was decided without them, their flats and share, and the
    QR code and address of their read-only page, on one page as a voting notice is."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from votes.services.pdf_text import Paragraph

    from votes.services.notices_pdf import (MAX_DESCRIPTION, MAX_UNITS, FitOrFlow, _items,
                                            _label, _short, facts_table, qr_beside, seal)
    from votes.services.pdf_text import markup

    p = n.plan
    more = f"……共 {len(n.units)} 户（全部房屋见查看网页）" if len(n.units) > MAX_UNITS else ""
    extra = [(markup(label), markup(value)) for label, value in n.extra]
    rows = [("小区", markup(p.community)),
            ("房屋", "、".join(f"{markup(u)}（{markup(a)} m²）" for u, a in n.units[:MAX_UNITS])
             + markup(more)),
            ("事项", markup(p.title)),
            ("事项类型", markup(p.matter)),
            *extra[:2],  # the danger and who applied
            ("公布时间", markup(p.publicity))]
    if p.description.strip():
        rows.append(("事项说明", markup(_short(p.description, MAX_DESCRIPTION))))
    rows += [("应急预算", f"{markup(p.budget)} 元"),
             ("费用明细", _items(p)),
             ("列支范围", markup(p.scope)),
             ("分摊方式", markup(p.split)),
             ("本户分摊", f"<font size=13>{markup(n.share)} 元</font>（预计；您的房屋面积 "
                      f"{markup(n.area)} m²；维修资金分户账余额 {markup(n.fund_balance)}）。"
                      "工程结算后按实际结算金额重新分摊，以结算公告为准"),
             *extra[2:]]  # the notice code
    committee = markup(p.committee or p.community + "业主委员会")
    names = markup("、".join(u for u, _a in n.units[:MAX_UNITS]) + more)
    steps = Paragraph(
        "<font size=12>如何查看本户分摊</font><br/>"
        "1. 用手机扫描左侧二维码，或在浏览器中输入下方网址；<br/>"
        f"2. {markup(p.how_to_verify)}<br/>"
        "3. 在网页上只读查看本事项的险情、申请理由、证明材料摘要和本户分摊（结算后为实际扣减），"
        "不能也无需表决。", s["step"])
    return [FitOrFlow(_label(n), content=[
        Paragraph(markup(heading), s["title"]), Spacer(1, 0.25 * cm),
        Paragraph(f"{names} 业主：", s["lead"]),
        Paragraph(f"　　下列事项为危及房屋使用安全的紧急情况，已按规定应急使用住宅专项维修资金，"
                  f"未经业主表决，不设表决和异议期；费用按列支范围内各户房屋专有面积分摊，"
                  f"从各户维修资金分户账中扣减，您的房屋在列支范围内。{committee}特此告知。"
                  "本告知书上的二维码、网址和单位验证码只属于您的房屋，请勿转交他人。", s["step"]),
        Spacer(1, 0.2 * cm), facts_table(rows, s), Spacer(1, 0.25 * cm),
    ], tail=[
        qr_beside(n.link, steps), Paragraph("您的查看网址：", s["small"]),
        Paragraph(markup(n.link), s["link"]),
        Paragraph(f"公示栏（应急使用公告、证明材料摘要）：{markup(p.board)}", s["small"]),
        Paragraph("对险情、费用或本户的分摊有疑问的，请向业主委员会询问，或向维修资金管理部门"
                  "反映。", s["small"]),
        Spacer(1, 0.3 * cm), seal(p, s),
    ])]
