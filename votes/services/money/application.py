"""The application package for the fund office: one ZIP with the form, the result notice,
the apportionment table (XLSX and CSV), the verified bundle and a README."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal
from votes.services import audit, clock
from votes.services.errors import DomainError
from votes.core.numbers import format_yuan
from votes.core.report_text import WIDTH, columns, wrap
from votes.services.money.apportionment_table import (CSV_COLUMNS, SETTLED_COLUMNS,
                                                      apportionment_csv, apportionment_rows,
                                                      apportionment_xlsx, is_settled)
from votes.services.money.application_pdf import application_form_pdf
from votes.services.money.works import decision
from votes.services.tx import unit_of_work

README = """维修资金使用申请材料 / Maintenance-fund application package

application-form.pdf   申请表（需业主委员会签字盖章）
{notice}
apportionment.xlsx     分摊表（数字为数值格式）
apportionment.csv      分摊表（UTF-8，逗号分隔，首行为列名）
bundle.zip             表决导出包，核对方法 how to check it:
                       votes verify bundle.zip --keys <辖区公布的密钥文件>
                       只有退出状态 0（验证通过）可据以拨款；5 为初步结果
                       （异议期未结束）。Only exit status 0 (VERIFIED)
                       allows payment; 5 is a preliminary result, still
                       open to objections.
                       验证结果：{outcome}
                       链头 chain head:
  {head}

{settled}apportionment.csv columns / 列：
{columns}
面积与金额均为两位小数（小数点），余额未知时为空。
Areas and amounts have a decimal point and 2 decimals; balance and shortfall are
empty where the balance is unknown.
"""
# Once settled the package carries two sums, the one applied for and the one spent: said
# which is which, or the office holding the settlement notice beside it sees two shares
# for one flat.
SETTLED = """本项已结算 / this use is settled:
  申请时的金额：{budget_label} {budget} 元，按面积分摊见 share_yuan（申请表“预算金额”）。
  结算金额 {final_cost} 元（{date}），按面积分摊见 settled_share_yuan，从分户账扣减见
  debited_yuan，未能扣减的见 settled_shortfall_yuan（申请表“结算金额”“结算分摊不足合计”），
  与结算公告所列相同。
  The budget applied for ({budget} yuan) is split in share_yuan; the final cost
  ({final_cost} yuan) in settled_share_yuan, as on the settlement notice.

"""
# The line for the vote's result notice; an emergency use held no vote (§18.6) and has none.
NOTICE = {"vote": "result-notice.pdf      表决结果公告",
          "emergency": "（应急使用，未经业主表决，没有表决结果 / emergency use: no owners' vote "
                       "was held, so there is no result to publish）"}
# The server checked the bundle with its own keys when it made the package: not proof
# against whoever holds them (README tells the fund office how to check independently).
SELF_CHECK = {"verified": "验证通过（服务器自检）verified by the server itself",
              "failed": "验证失败 FAILED", "in_progress": "表决进行中 in progress",
              "unanchored": "签名者未确认 signer not confirmed",
              "preliminary": "初步结果，异议期未结束 preliminary, open to objections"}
COLUMN_NOTES = {"building": "楼栋 building", "entrance": "单元 entrance (may be empty)",
                "room": "房号 room", "area_m2": "专有部分面积 area, m²",
                "share_yuan": "按面积分摊的预算金额 share of the budget, yuan",
                "balance_yuan": "分户账当前余额（本项已结算的，为结算扣减前的余额） sub-ledger "
                                "balance today; once this use is settled, the balance its "
                                "settlement drew on, yuan",
                "shortfall_yuan": "分摊金额超出余额的部分 share not covered, yuan"}
SETTLED_NOTES = {"shortfall_yuan": "预算分摊超出结算前余额的部分 share of the budget not covered, "
                                   "yuan",
                 "settled_share_yuan": "按面积分摊的结算金额 share of the final cost, yuan",
                 "debited_yuan": "结算时从分户账扣减的金额 debited from the sub-ledger, yuan",
                 "settled_shortfall_yuan": "结算分摊未能扣减的部分（余额未知的为其全部结算分摊，"
                                           "不为空） share of the final cost not debited (the "
                                           "whole share where the balance is unknown), yuan"}


def application_package(proposal: Proposal, actor: str) -> bytes:
    """The ZIP, for a passed vote (or an emergency use); its bundle is verified first.
    VerifierBusy while this process exports and verifies another vote (export.verifying)."""
    from votes.services.export import verifying

    how = decision(db.session, proposal)
    with verifying(wait=False):
        # The form and tables are read after the bundle is made: an entry (a payment, the
        # settlement) landing between the two gave a form the bundle beside it did not
        # carry. Made again until the head is the same after as the bundle's.
        for _attempt in range(3):
            made, head = _package(proposal, actor, how)
            if _head_now(proposal) == head:
                with unit_of_work() as session:
                    audit.record(session, actor, "proposal.application",
                                 community_id=proposal.community_id, target=str(proposal.id),
                                 details={"chain_head": head})
                return made
        raise DomainError(_("生成申请材料期间表决记录一直在增加，请稍后再试。"))


def _head_now(proposal: Proposal) -> str | None:
    return db.session.scalar(select(Proposal.chain_head).where(Proposal.id == proposal.id)
                             .execution_options(populate_existing=True))


def _package(proposal: Proposal, actor: str, how: str) -> tuple[bytes, str]:
    from votes.services.export import export_bundle, verify_exported
    from votes.services.figures import proposal_figures
    from votes.services.result_notice import result_notice_pdf

    bundle = io.BytesIO()
    head = export_bundle(str(proposal.id), bundle, actor=actor)
    report = verify_exported(bundle.getvalue())
    if report.outcome == "preliminary":  # decision() refuses it; the bundle must agree
        raise DomainError(_("导出包中的表决结果仅为初步结果（异议期至 %(until)s 止，尚无最终结果），"
                            "不能生成申请材料。", until=report.objections_until))
    if report.outcome != "verified":
        raise DomainError(_("导出包未通过验证，不能生成申请材料：%(why)s",
                            why=report.failures[0] if report.failures else report.outcome))
    rows = apportionment_rows(proposal)
    close = db.session.scalar(select(ChainEntry.digest).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.kind == "close"))
    emergency = None
    if how == "emergency":
        from votes.services.money.emergency import emergency_facts

        emergency = emergency_facts(proposal)
    figures = proposal_figures(str(proposal.id))
    settlement = _settlement(proposal, rows) if is_settled(rows) else None
    notes = COLUMN_NOTES | (SETTLED_NOTES if settlement else {})
    files = {
        "application-form.pdf": application_form_pdf(
            proposal, tally=figures.tally, close_digest=close, emergency=emergency,
            bundle_head=head, total_shortfall=sum(r.shortfall or 0 for r in rows),
            outcome=figures.outcome, settlement=settlement,
            unknown_balances=sum(1 for r in rows if r.balance is None)),
        "apportionment.xlsx": apportionment_xlsx(rows, f"{proposal.community.name} "
                                                       f"{proposal.title} 分摊表"),
        "apportionment.csv": apportionment_csv(rows),
        "bundle.zip": bundle.getvalue(),
        "README.txt": _fit(README.format(
            outcome=SELF_CHECK.get(report.outcome, report.outcome),
            notice=NOTICE["emergency" if how == "emergency" else "vote"],
            head=head, settled=_settled_text(how, proposal, settlement),
            columns="\n".join(line for name in CSV_COLUMNS + (SETTLED_COLUMNS if settlement else ())
                              for line in wrap(notes[name], indent=3 + (22 if settlement else 15),
                                               head=f"  {name:{22 if settlement else 15}} ")))
                           ).encode("utf-8"),
    }
    if how == "vote":
        files["result-notice.pdf"] = result_notice_pdf(proposal)
    out = io.BytesIO()
    # A member's time has no zone and zip tools show it as local time: Beijing time, the
    # time the form and every page show (in UTC, 00:09 read as 16:09 the day before).
    made = clock.local_time(clock.now()).timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, made)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # as writestr gives a member named by a string
            z.writestr(info, files[name])
    return out.getvalue(), head


def _fit(text: str) -> str:
    """Each line of README.txt that is wider than a text editor shows (80 columns, a CJK
    character two) wrapped, its continuation under its start (or indented, at the margin)."""
    out = []
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip(" "))
        out += [line] if columns(line) <= WIDTH else wrap(line.lstrip(" "), indent=lead or 2,
                                                          head=" " * lead)
    return "\n".join(out)


def _settlement(proposal: Proposal, rows) -> dict:
    """The settlement's figures for the form and README: from the chain's settlement entry
    and the debits the settlement notice prints (through the table's rows)."""
    from votes.services.money.settlement import debits
    from votes.services.money.works import money_summary

    money = money_summary(proposal)
    return {"final_cost": money["final_cost"], "paid": money["paid"],
            "when": debits(proposal)[0].created_at,
            "debited": sum(r.debited for r in rows),
            "shortfall": sum(r.settled_shortfall for r in rows),
            "unknown": sum(1 for r in rows if r.balance is None)}


def _settled_text(how: str, proposal: Proposal, settlement: dict | None) -> str:
    from votes.services.clock import printed_date

    if settlement is None:
        return ""
    return SETTLED.format(budget_label="应急使用预算" if how == "emergency" else "表决通过的预算",
                          budget=format_yuan(proposal.budget),
                          final_cost=format_yuan(settlement["final_cost"]),
                          date=f"{printed_date(settlement['when'])}结算")
