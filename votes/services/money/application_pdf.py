"""The application form (维修资金使用申请表) the committee signs and takes to the fund office."""

from __future__ import annotations

from votes.core.numbers import format_yuan
from votes.core.rules import Matter
from votes.models import Proposal
from votes.services.clock import printed_date, printed_time
from votes.services.money import pdf
from votes.services.money.works import money_summary
from votes.core.scope_words import scope_text
from votes.services.notices import scope_flats
from votes.services.procedure.notice_lines import NAMES, figure

BLANK = "＿＿＿＿＿＿＿＿"


def _vote_rows(tally) -> list[list[str]]:
    rows = [["指标", "实际", "基数", "门槛", "需要", "是否达到"]]
    for c in tally.checks:
        rows.append([NAMES[c.name], figure(c.name, c.part), figure(c.name, c.whole),
                     str(c.threshold), figure(c.name, c.needed), "达到" if c.met else "未达到"])
    return rows


def application_form_pdf(proposal: Proposal, *, tally, close_digest: str | None,
                         emergency: dict | None, bundle_head: str, total_shortfall: int,
                         outcome=None, unknown_balances: int = 0,
                         settlement: dict | None = None) -> bytes:
    """outcome: the decision (votes.services.procedure.outcome) — by 从多 where adopted, the
    final result after an objection period — which the form states, not the ballots' tally
    alone (a vote passed by 从多 read "未通过" on the very form applying for its money).
    settlement: once the works are settled (application._settlement), the final cost and
    the shortfall of its apportionment, given beside the budget applied for."""
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    s = pdf.styles()
    c = proposal.community
    money = money_summary(proposal)
    items = "；".join(f"{i.title} {format_yuan(i.amount)} 元" for i in proposal.items) or \
        proposal.title
    budget = f"{format_yuan(proposal.budget)} 元，按各户专有部分面积分摊"
    if settlement is not None:
        decided = "应急使用预算" if emergency is not None else "表决通过的预算"
        budget = (f"{format_yuan(proposal.budget)} 元（{decided}，本申请所依据的金额），"
                  "按各户专有部分面积分摊，见分摊表“预算分摊”栏")
    contractor = (f"{money['contractor']}，合同金额 {format_yuan(money['contract'])} 元"
                  if money["contract"] is not None else "尚未选定")
    facts = [["申请事项", f"{proposal.title}（{Matter(proposal.matter).label_zh}）"],
             ["小区", f"{c.name}（编号 {c.code}）"],
             ["所属辖区", c.jurisdiction or BLANK],
             ["列支范围", scope_text(proposal.scope, scope_flats(proposal))],
             ["维修项目", items],
             ["预算金额", budget],
             ["施工单位", contractor]]
    if settlement is None:
        # A unit whose balance is unknown has no shortfall to add (its cell is empty):
        # said, or the office reads the total as all that is not covered.
        facts.append(["分户账不足合计", f"{format_yuan(total_shortfall)} 元"
                      + (f"（另有 {unknown_balances} 户分户账余额未知，未计入；见分摊表）"
                         if unknown_balances else "（见分摊表）")])
    else:
        # Settled: the budget's shortfall is no longer what the office must cover; the
        # settlement's is, as the settlement notice totals it.
        facts += [["结算金额", f"{format_yuan(settlement['final_cost'])} 元"
                               f"（{printed_date(settlement['when'])}结算，已付款 "
                               f"{format_yuan(settlement['paid'])} 元），按各户专有部分面积分摊，"
                               f"从各户分户账扣减合计 {format_yuan(settlement['debited'])} 元，"
                               "见分摊表“结算分摊”栏"],
                  ["结算分摊不足合计", f"{format_yuan(settlement['shortfall'])} 元"
                   + (f"（其中 {settlement['unknown']} 户分户账余额未知，未扣减，其结算分摊全部计入；"
                      "见分摊表）" if settlement["unknown"] else "（见分摊表）")]]
    story = [pdf.para("住宅专项维修资金使用申请表", s["title"]), Spacer(1, 0.3 * cm),
             *pdf.table(facts, [3.4, 14.2], s["body"], header=False), Spacer(1, 0.3 * cm)]
    if emergency is not None:
        story += [pdf.para("应急使用：未经业主表决", s["strong"]),
                  pdf.para(f"情形：{emergency['category_zh']}；申请人：{emergency['applicant_zh']}；"
                           f"原因：{emergency['reason']}", s["body"])]
        # The fund office approves the spending no owner voted: it reads, as the lobby did,
        # the votes this use overrides and the earlier uses it adds to past the cap.
        from votes.services.money.emergency_pdf import acknowledged_lines

        story += [pdf.para(line, s["strong"]) for line in acknowledged_lines(emergency)]
    else:
        from votes.services.procedure.notice_lines import follow_lines, objection_lines

        passed = outcome.result_passed if outcome is not None else tally.passed
        story += [pdf.para(f"业主表决：{printed_time(proposal.voting_start)} 至 "
                           f"{printed_time(proposal.voting_end)}（北京时间），结果："
                           f"{'通过' if passed else '未通过'}", s["h"]),
                  *pdf.table(_vote_rows(tally), [3.6, 3.0, 3.0, 2.0, 3.0, 3.0], s["cell"])]
        if outcome is not None:
            story += [pdf.para(line, s["cell"])
                      for line in follow_lines(outcome, tally.checks) + objection_lines(outcome)]
        story.append(pdf.para(f"表决结束记录摘要：{close_digest}", s["cell"]))
    # The attachments, the signatures and the office's opinion on one page: a form that broke
    # before 申请单位（盖章） left the seal and signatures alone on page 2, apart from what
    # they sign (a page that can be swapped under a signature).
    story += [Spacer(1, 0.3 * cm), KeepTogether([
              pdf.para(("附件：分摊表（XLSX、CSV）；经验证的记录导出包" if emergency is not None
                        else "附件：表决结果公告（PDF）；分摊表（XLSX、CSV）；经验证的表决导出包")
                       + f"（链头 {bundle_head}）。", s["body"]),
              Spacer(1, 0.8 * cm),
              pdf.para(f"申请单位：{c.committee_name or BLANK}（盖章）", s["sign"]),
              pdf.para(f"业主委员会主任（签字）：{BLANK}　委员（签字）：{BLANK}", s["sign"]),
              pdf.para(f"经办人（签字）：{BLANK}　联系电话：{c.contact_phone or BLANK}",
                       s["sign"]),
              pdf.para(f"日期：{BLANK}", s["sign"]),
              Spacer(1, 0.6 * cm),
              pdf.para(f"维修资金管理机构审核意见：{BLANK}{BLANK}", s["body"]),
              pdf.para(f"审核人（签字）：{BLANK}　日期：{BLANK}", s["sign"])])]
    return pdf.build("住宅专项维修资金使用申请表", story, proposal)
