"""The emergency use announcement (应急使用公告) for the lobby: what the committee spends
from the fund without an owners' vote, why, and how each flat's share will be computed.

Owners learn of a use of the fund from a notice posted in the lobby; an emergency use was
announced on the online board only, and the voting notice and poster refuse it (there is
no vote to take part in). Chinese only, as every printed notice."""

from __future__ import annotations

from sqlalchemy import select

from votes.core.numbers import format_area_grouped, format_yuan
from votes.extensions import db
from votes.models import Evidence, Proposal
from votes.services.clock import now, printed_date, printed_time
from votes.services.errors import DomainError
from votes.services.money import pdf
from votes.core.scope_words import notice_scope_text
from votes.services.notices import scope_flats
from votes.services.records import scope_totals

# A digest's first 16 hex digits, labelled as such: enough for an owner to match the paper
# against the original the applicant shows; the whole digest is on the board and the chain.
DIGEST_SHOWN = 16


def emergency_notice_pdf(proposal: Proposal, file_names: bool = True) -> bytes:
    """The announcement the lobby posts. file_names=False (the copy anyone downloads from the
    board) numbers the evidence files instead of naming them: a name is the uploader's own
    words ("张三家漏水照片.jpg"), and the board itself shows only how many there are."""
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    from votes.services.money.emergency import emergency_facts

    facts = emergency_facts(proposal) if proposal.state == "emergency" else None
    if facts is None:
        raise DomainError(_not_emergency())
    s = pdf.styles()
    units, area = scope_totals(proposal)
    budget = format_yuan(proposal.budget)
    story = [pdf.para("住宅专项维修资金应急使用公告", s["title"]), Spacer(1, 0.3 * cm),
             pdf.para(f"小区：{proposal.community.name}", s["body"]),
             pdf.para(f"事项：{proposal.title}", s["body"]),
             pdf.para(f"情形：{facts['category_zh']}　申请人：{facts['applicant_zh']}　"
                      f"公布时间：{printed_time(proposal.opened_at)}（北京时间）", s["body"]),
             pdf.para(f"列支范围：{notice_scope_text(proposal.scope, scope_flats(proposal))}　应急使用预算："
                      f"{budget} 元", s["body"]),
             pdf.para("本项为危及房屋使用安全的紧急情况，按规定应急使用维修资金，未经业主表决；"
                      "不设表决和异议期。", s["strong"]),
             pdf.para("不能等待业主表决的原因：", s["h"]),
             pdf.para(facts["reason"], s["body"])]
    story += [pdf.para(line, s["strong"]) for line in acknowledged_lines(facts)]
    items = sorted(proposal.items, key=lambda i: i.position)
    if items:
        story.append(pdf.para("维修项目：" + "；".join(
            f"{i.title} {format_yuan(i.amount)} 元" for i in items), s["body"]))
    # The figures each share comes from, so an owner can check their own with a calculator,
    # as the settlement notice gives them for the final cost.
    story += [pdf.para("费用分摊", s["h"]),
              pdf.para(f"费用按各户专有部分面积分摊，从各户维修资金分户账中扣减：本户预计分摊 = "
                       f"预算 {budget} 元 × 本户面积 ÷ 列支范围总面积 {format_area_grouped(area)} m²"
                       f"（共 {units} 户）。工程结算后按实际结算金额重新分摊，各户实际"
                       f"扣减的金额以结算公告为准。", s["body"]),
              pdf.para("证明材料", s["h"]),
              pdf.para(f"申请人提交的险情证明材料，每份的 SHA-256 摘要已记入本事项的记录链；下表"
                       f"列出摘要的前 {DIGEST_SHOWN} 位，可请申请人出示原件核对。", s["body"]),
              Spacer(1, 0.2 * cm)]
    story += pdf.table([["证明材料", f"SHA-256 摘要（前 {DIGEST_SHOWN} 位）"]]
                       + [[name if file_names else f"证明材料 {n}", digest[:DIGEST_SHOWN]]
                          for n, (name, digest)
                          in enumerate(_evidence(proposal, facts["evidence"]), start=1)],
                       [10.0, 7.0], s["cell"])
    tail = [Spacer(1, 0.4 * cm),
            pdf.online_check(proposal, s, "业主网上查看本户分摊",
                             "可只读查看本事项的情况和本户预计分摊（结算后为实际扣减）。"),
            Spacer(1, 0.3 * cm),
            pdf.para("应急使用不经业主表决，没有异议期。对险情、费用或本户的分摊有疑问的，请向"
                     "业主委员会询问，或向维修资金管理部门反映。", s["body"]),
            Spacer(1, 0.4 * cm),
            *pdf.signature(proposal.community, now(), s)]
    # The QR code, whom to ask and the seal on one page, however long the reason or title.
    story.append(KeepTogether(tail))
    return pdf.build("维修资金应急使用公告", story, proposal)


def acknowledged_lines(facts: dict) -> list[str]:
    """What the applicant acknowledged (emergency_facts' failed_before and split_before), as
    paper says it: the announcement and the application form, one wording for both, so the
    fund office reads what the lobby was told."""
    lines = [f"公布时本小区列支范围重叠的表决“{f.title}”正在进行。" if f.running else
             f"本小区 {f.months} 个月内列支范围重叠的表决“{f.title}”未通过。"
             for f in facts["failed_before"]]
    split = facts["split_before"]
    if split is not None:
        lines.append("公布前 12 个月内本小区列支范围重叠的应急使用：" + "；".join(
            f"“{u.title}”（{printed_date(u.opened_at)}公布，预算 {format_yuan(u.budget)} 元）"
            for u in split.uses) + f"，连同本次合计 {format_yuan(split.total)} 元，超过公布时"
            f"议事规则规定的应急使用预算上限 {format_yuan(split.cap)} 元；申请人已确认知晓。")
    return lines


def _evidence(proposal: Proposal, digests: list[str]) -> list[tuple[str, str]]:
    """Each evidence file's name and digest, in the emergency entry's order."""
    names = dict(db.session.execute(select(Evidence.sha256, Evidence.name).where(
        Evidence.proposal_id == proposal.id, Evidence.sha256.in_(digests))).all())
    return [(names.get(d, "—"), d) for d in digests]


def _not_emergency() -> str:
    from votes.i18n import _

    return _("只有应急使用（未经业主表决）的事项有应急使用公告；经业主表决的事项请打印表决通知、"
             "楼道海报或结果公告。")
