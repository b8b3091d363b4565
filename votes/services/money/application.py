"""The application package for the fund office: one ZIP with the form, the result notice,
the apportionment table (XLSX and CSV), the verified bundle and a README."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from votes.extensions import db
from votes.i18n import _
from votes.models import ChainEntry, Proposal
from votes.services import audit
from votes.services.errors import DomainError
from votes.services.money.apportionment_table import (CSV_COLUMNS, apportionment_csv,
                                                      apportionment_rows, apportionment_xlsx)
from votes.services.money.application_pdf import application_form_pdf
from votes.services.money.works import decision
from votes.services.tx import unit_of_work

README = """维修资金使用申请材料 / Maintenance-fund application package

application-form.pdf   申请表（需业主委员会签字盖章）
{notice}
apportionment.xlsx     分摊表（数字为数值格式）
apportionment.csv      分摊表（UTF-8，逗号分隔，首行为列名）
bundle.zip             表决导出包：votes verify bundle.zip --keys <辖区公布的密钥文件>
                       验证结果：{outcome}；链头 chain head {head}

apportionment.csv columns / 列：
{columns}
面积与金额均为两位小数（小数点），余额未知时为空。Areas and amounts have a decimal point
and 2 decimals; balance and shortfall are empty where the balance is unknown.
"""
# The line for the vote's result notice; an emergency use held no vote (§18.6) and has none.
NOTICE = {"vote": "result-notice.pdf      表决结果公告",
          "emergency": "（应急使用，未经业主表决，没有表决结果 / emergency use: no owners' vote "
                       "was held, so there is no result to publish）"}
# The server checked the bundle with its own keys when it made the package: not proof
# against whoever holds them (README tells the fund office how to check independently).
SELF_CHECK = {"verified": "验证通过（服务器自检）verified by the server itself",
              "failed": "验证失败 FAILED", "in_progress": "表决进行中 in progress",
              "unanchored": "签名者未确认 signer not confirmed"}
COLUMN_NOTES = {"building": "楼栋 building", "entrance": "单元 entrance (may be empty)",
                "room": "房号 room", "area_m2": "专有部分面积 area, m²",
                "share_yuan": "按面积分摊的预算金额 share of the budget, yuan",
                "balance_yuan": "分户账当前余额（本项已结算的，为结算扣减前的余额） sub-ledger "
                                "balance today; once this use is settled, the balance its "
                                "settlement drew on, yuan",
                "shortfall_yuan": "分摊金额超出余额的部分 share not covered, yuan"}


def application_package(proposal: Proposal, actor: str) -> bytes:
    """The ZIP, for a passed vote (or an emergency use); its bundle is verified first."""
    from votes.services.export import export_bundle, verify_exported
    from votes.services.figures import proposal_figures
    from votes.services.result_notice import result_notice_pdf

    how = decision(db.session, proposal)
    bundle = io.BytesIO()
    head = export_bundle(str(proposal.id), bundle, actor=actor)
    report = verify_exported(bundle.getvalue())
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
    files = {
        "application-form.pdf": application_form_pdf(
            proposal, tally=figures.tally, close_digest=close, emergency=emergency,
            bundle_head=head, total_shortfall=sum(r.shortfall or 0 for r in rows),
            outcome=figures.outcome,
            unknown_balances=sum(1 for r in rows if r.balance is None)),
        "apportionment.xlsx": apportionment_xlsx(rows, f"{proposal.community.name} "
                                                       f"{proposal.title} 分摊表"),
        "apportionment.csv": apportionment_csv(rows),
        "bundle.zip": bundle.getvalue(),
        "README.txt": README.format(outcome=SELF_CHECK.get(report.outcome, report.outcome),
                                    notice=NOTICE["emergency" if how == "emergency" else "vote"],
                                    head=head, columns="\n".join(
            f"  {name:15} {COLUMN_NOTES[name]}" for name in CSV_COLUMNS)).encode("utf-8"),
    }
    if how == "vote":
        files["result-notice.pdf"] = result_notice_pdf(proposal)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(name, files[name])
    with unit_of_work() as session:
        audit.record(session, actor, "proposal.application", community_id=proposal.community_id,
                     target=str(proposal.id), details={"chain_head": head})
    return out.getvalue()
