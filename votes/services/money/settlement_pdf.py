"""The settlement notice (结算公告): final cost, what each unit paid, who must top up.

Two copies. The public one (the board, anyone with the link) lists each flat's area and
share, which anyone can recompute from the public plan, and only the number of flats that
must top up. A flat's sub-ledger balance, what was debited from it and its shortfall are
the household's financial data: a flat number names its owner to the neighbours, so they
are in the committee's copy only (DESIGN.md, Privacy; docs/fund-application.md)."""

from __future__ import annotations

from votes.core.numbers import format_area_grouped, format_yuan
from votes.extensions import db
from votes.models import Proposal
from votes.services.clock import now, printed_date
from votes.services.errors import NotFound
from votes.services.money import pdf
from votes.services.money.settlement import debits
from votes.services.money.works import works_bodies
from votes.core.scope_words import flat_words, scope_text
from votes.services.notices import scope_flats


def _yuan(fen: int | None) -> str:
    return "未知" if fen is None else format_yuan(fen)


def decision_line(proposal: Proposal, how: str) -> str:
    from sqlalchemy import select

    from votes.models import ChainEntry

    if how == "emergency":
        return "本项为应急使用维修资金，未经业主表决（原因见应急使用公告）。"
    close = db.session.scalar(select(ChainEntry.digest).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == "close"))
    return f"业主表决已通过（表决结束记录摘要 {close}）。"


def settlement_notice_pdf(proposal: Proposal, *, balances: bool = False) -> bytes:
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    from votes.services.money.works import decision

    bodies = works_bodies(db.session, proposal)
    settled = [b["data"] for b in bodies if b["stage"] == "settlement"]
    if not settled:
        raise NotFound(_no_settlement())
    s = pdf.styles()
    data = settled[0]
    contract = next(b["data"] for b in bodies if b["stage"] == "contract")
    accepted = next((b["data"] for b in bodies if b["stage"] == "acceptance"), None)
    rows = debits(proposal)
    low = [d for d in rows if d.low]
    unknown = sum(1 for d in rows if d.low is None)
    how = decision(db.session, proposal)
    story = [pdf.para("住宅专项维修资金使用结算公告", s["title"]), Spacer(1, 0.3 * cm),
             pdf.para(f"小区：{proposal.community.name}　事项：{proposal.title}", s["body"]),
             pdf.para(f"列支范围：{scope_text(proposal.scope, scope_flats(proposal))}　"
                      f"{'应急使用预算' if how == 'emergency' else '表决通过的预算'}："
                      f"{format_yuan(proposal.budget)} 元", s["body"]),
             pdf.para(decision_line(proposal, how), s["strong" if how == "emergency" else "body"]),
             pdf.para(f"施工单位：{contract['contractor']}　合同金额：{format_yuan(contract['amount'])} 元",
                      s["body"]),
             pdf.para(f"已付款：{format_yuan(data['paid'])} 元　结算金额：{format_yuan(data['final_cost'])} 元",
                      s["body"])]
    if accepted:
        story.append(pdf.para(f"验收日期：{printed_date(accepted['date'])}　参加验收："
                              f"{'、'.join(accepted['participants'])}", s["body"]))
    area = sum(d.area for d in rows)
    # The figures each share comes from, so an owner can check their own with a calculator:
    # a share alone, with no total area, could be checked by nobody.
    story += [pdf.para(f"结算金额按各户专有部分面积分摊，从各户维修资金分户账中扣减：本户分摊 = "
                       f"结算金额 {format_yuan(data['final_cost'])} 元 × 本户面积 ÷ 总面积 "
                       f"{format_area_grouped(area)} m²（共 {len(rows)} 户），按最大余数法取整到分，各户"
                       f"合计与结算金额分毫不差。分摊记录摘要：{data['shares_digest']}",
                       s["body"]),
              pdf.para(f"分户账余额低于首期交存额 30% 的房屋共 {len(low)} 户，应当续筹维修资金"
                       + ("（表中“需续筹”一栏）。" if balances else
                          "，业主委员会将分别通知。"), s["strong" if low else "body"])]
    if unknown:
        # Never counted as needing no top-up: 30 % of an unknown first deposit, or a
        # balance no one knows, is no figure.
        story.append(pdf.para(f"另有 {unknown} 户首期交存额或分户账余额未知，无法判断是否需续筹"
                              + ("（表中“需续筹”一栏注明）" if balances else "")
                              + "，请向维修资金管理机构核实其首期交存额和分户账余额。", s["strong"]))
    story.append(Spacer(1, 0.3 * cm))
    if balances:
        table = [["房屋", "面积(m²)", "分摊(元)", "已扣减(元)", "扣减后余额(元)", "不足(元)",
                  "需续筹"]]
        table += [[flat_words(d.building, d.entrance, d.room), format_area_grouped(d.area),
                   format_yuan(d.share), format_yuan(d.debited), _yuan(d.balance_after),
                   format_yuan(d.shortfall), _top_up(d.low)] for d in rows]
        table.append([f"合计（{len(rows)} 户）", format_area_grouped(area),
                      format_yuan(sum(d.share for d in rows)),
                      format_yuan(sum(d.debited for d in rows)), "",
                      format_yuan(sum(d.shortfall for d in rows)), ""])
        # 2.4 cm holds 9,999,999.99 at the cells' size; a larger figure is printed smaller.
        # 3.6 cm holds a flat as the notices name it (1号楼1单元1001室) on one line.
        story += pdf.table(table, [3.6, 2.4, 2.4, 2.4, 2.4, 2.4, 1.8], s["cell"])
    else:
        table = [["房屋", "面积(m²)", "分摊(元)"]]
        table += [[flat_words(d.building, d.entrance, d.room), format_area_grouped(d.area),
                   format_yuan(d.share)] for d in rows]
        table.append([f"合计（{len(rows)} 户）", format_area_grouped(area),
                      format_yuan(sum(d.share for d in rows))])
        story += pdf.table(table, [6.0, 4.0, 4.0], s["cell"])
    # Whom to ask, and room for the seal, as on the result notice: a posted notice with no
    # telephone left an owner who found their share wrong no one to turn to.
    tail = [Spacer(1, 0.4 * cm)]
    if not balances:
        tail += [pdf.online_check(proposal, s, "业主网上查询本户结算",
                                  "可只读查看本户分摊、扣减和余额（结算后一年内可查询）。"),
                 Spacer(1, 0.3 * cm)]
    tail += [pdf.para("如对本户分摊有疑问，请向业主委员会查询；分户账余额和扣减以维修资金管理机构的"
                      "账目为准。", s["body"]),
             Spacer(1, 0.4 * cm),
             *pdf.signature(proposal.community, rows[0].created_at if rows else now(), s)]
    # After hundreds of flats' rows the seal, whom to ask and the QR code are one block on
    # one page, below the table's end: never a seal split from its date, nor a QR code
    # alone at a page's foot.
    story.append(KeepTogether(tail))
    return pdf.build("维修资金使用结算公告", story, proposal)


def _top_up(low: bool | None) -> str:
    return "无法判断" if low is None else "是" if low else ""


def _no_settlement() -> str:
    from votes.i18n import _

    return _("尚未结算，没有结算公告。")
