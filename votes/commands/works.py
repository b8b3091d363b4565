"""`votes works`: the works and the money after a passed vote (docs/verification.md §18)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors, echo, read_file
from votes.commands.proposal import BUILDING_HELP, ITEM_HELP, OUTPUT_HELP, SCOPE_HELP
from votes.i18n import N_

works_cli = AppGroup("works", help=N_(
    "表决通过后的工程与资金：合同、付款、验收、结算；以及应急使用。"))


def _amount(text: str) -> int:
    from votes.core.numbers import parse_yuan
    from votes.services.errors import DomainError

    try:
        return parse_yuan(text)
    except ValueError as exc:
        raise DomainError(str(exc)) from None


def _files(paths) -> list:
    from votes.services.money.works import EvidenceFile

    return [EvidenceFile(*read_file(p)) for p in paths]


_evidence = click.option("--evidence", "evidence", multiple=True, required=True,
                         type=click.Path(exists=True, dir_okay=False),
                         help=N_("证明材料：扫描件、凭证、照片或报告（可重复）"))


@works_cli.command("tolerance", help=N_(
    "设置小区 COMMUNITY 允许超出预算的幅度 PERCENT（百分数）：合同金额或结算金额超出表决通过的预算"
    "不超过此幅度的，无需重新表决。"))
@click.argument("community")
@click.argument("percent")
@domain_errors
def tolerance(community: str, percent: str) -> None:
    from votes.core.numbers import format_yuan
    from votes.services.money.works import set_tolerance

    click.echo(f"{format_yuan(set_tolerance(community, percent))}%")


@works_cli.command("contract", help=N_("在表决事项的记录链上登记施工合同。"))
@click.argument("proposal")
@click.option("--contractor", required=True, help=N_("施工单位"))
@click.option("--amount", required=True, help=N_("合同金额（元），例如 600000.00"))
@_evidence
@domain_errors
def contract(proposal, contractor, amount, evidence):
    from votes.services.money.works import record_contract

    p = record_contract(proposal, contractor=contractor, amount=_amount(amount),
                        evidence=_files(evidence))
    click.echo(p.chain_head)


@works_cli.command("payment", help=N_("登记从维修资金中支付的预付款。"))
@click.argument("proposal")
@click.option("--amount", required=True, help=N_("金额（元）"))
@click.option("--note", default="", help=N_("备注"))
@_evidence
@domain_errors
def payment(proposal, amount, note, evidence):
    from votes.services.money.works import record_payment

    click.echo(record_payment(proposal, amount=_amount(amount), note=note,
                              evidence=_files(evidence)).chain_head)


@works_cli.command("acceptance", help=N_("登记验收，附验收照片和报告。"))
@click.argument("proposal")
@click.option("--date", "date", required=True, help=N_("验收日期（YYYY-MM-DD）"))
@click.option("--participant", "participants", multiple=True, required=True,
              help=N_("参加验收的人员或单位（可重复）"))
@_evidence
@domain_errors
def acceptance(proposal, date, participants, evidence):
    from votes.services.money.works import record_acceptance

    click.echo(record_acceptance(proposal, date=date, participants=participants,
                                 evidence=_files(evidence)).chain_head)


@works_cli.command("settle", help=N_(
    "结算：结算金额按面积分摊到每户，并从各户维修资金分户账中扣减。"))
@click.argument("proposal")
@click.option("--final-cost", required=True, help=N_("结算金额（元）"))
@domain_errors
def settle(proposal, final_cost):
    from votes.core.numbers import format_yuan
    from votes.i18n import _
    from votes.services.money.settlement import debits, settle as run

    p = run(proposal, final_cost=_amount(final_cost))
    rows = debits(p)
    low = sum(1 for d in rows if d.low)
    unknown = sum(1 for d in rows if d.low is None)
    said = _("已结算 %(total)s 元，%(n)s 户；需续筹 %(low)s 户",
             total=format_yuan(sum(d.share for d in rows)), n=len(rows), low=low)
    if unknown:
        said += _("；%(n)s 户首期交存额或分户账余额未知，无法判断是否需续筹", n=unknown)
    click.echo(said)


@works_cli.command("show", help=N_("表决事项的资金阶段和各项金额。"))
@click.argument("proposal")
@domain_errors
def show(proposal):
    from votes.core.numbers import format_yuan
    from votes.i18n import _
    from votes.services.lifecycle import proposal_now
    from votes.services.money.works import money_summary

    s = money_summary(proposal_now(proposal))

    def yuan(fen) -> str:
        return "-" if fen is None else _("%(amount)s 元", amount=format_yuan(fen))

    click.echo("\n".join([_("阶段：%(stage)s", stage=s["stage_label"] or "-"),
                          _("预算：%(amount)s", amount=yuan(s["budget"])),
                          _("施工单位：%(name)s", name=s["contractor"] or "-"),
                          _("合同金额：%(amount)s", amount=yuan(s["contract"])),
                          _("已付款：%(amount)s", amount=yuan(s["paid"])),
                          _("结算金额：%(amount)s", amount=yuan(s["final_cost"]))]))


@works_cli.command("settlement-notice", help=N_("写出供公示栏张贴的结算公告（A4 PDF）。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@click.option("--balances", is_flag=True,
              help=N_("业委会留存的版本：含每户余额、扣减额和缺口（不张贴）"))
@domain_errors
def settlement_notice(proposal, output, balances):
    from votes.services.lifecycle import proposal_now
    from votes.services.money.settlement_pdf import settlement_notice_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, settlement_notice_pdf(proposal_now(proposal), balances=balances))
    echo(output)


@works_cli.command("emergency-notice", help=N_("写出张贴在楼道的应急使用公告（A4 PDF）。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@domain_errors
def emergency_notice(proposal, output):
    from votes.services.lifecycle import proposal_now
    from votes.services.money.emergency_pdf import emergency_notice_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, emergency_notice_pdf(proposal_now(proposal)))
    echo(output)


@works_cli.command("emergency-letters", help=N_(
    "写出给单位和开发建设单位业主的应急使用告知书（A4 PDF）：每位业主查看本户只读页面的链接、二维码和"
    "单位验证码。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@click.option("--building", default=None, help=BUILDING_HELP)
@domain_errors
def emergency_letters(proposal, output, building):
    from votes.services.lifecycle import proposal_now
    from votes.services.money.emergency_letters import emergency_letters_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, emergency_letters_pdf(proposal_now(proposal), building=building))
    echo(output)


@works_cli.command("application", help=N_("写出提交维修资金管理部门的使用申请材料（ZIP）。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@domain_errors
def application(proposal, output):
    from votes.services.lifecycle import proposal_now
    from votes.services.money.application import application_package
    from votes.services.output import check_output, write_output

    check_output(output)  # before the package is made (and audited as made)
    write_output(output, application_package(proposal_now(proposal), actor="cli"))
    echo(output)


@works_cli.command("emergency", help=N_("未经业主表决的应急使用：立即公布，并显示其编号。"))
@click.option("--community", required=True, help=N_("小区编码"))
@click.option("--title", required=True, help=N_("标题"))
@click.option("--scope", required=True, help=SCOPE_HELP)
@click.option("--budget", required=True, help=N_("预算（元），例如 18000.00"))
@click.option("--item", "items", multiple=True, help=ITEM_HELP)
@click.option("--category", required=True, type=click.Choice(["elevator", "fire", "leak",
                                                              "facade"]),
              help=N_("情形：elevator（电梯故障危及人身安全）| fire（消防设施失效）| leak（屋面、"
                      "外墙渗漏或管道爆裂）| facade（外墙、附属物脱落危及安全）"))
@click.option("--applicant", required=True, type=click.Choice(["committee",
                                                               "property_company"]),
              help=N_("申请人：committee（业主委员会）| property_company（物业服务企业）"))
@click.option("--reason", required=True, help=N_("为何不能等待表决（在公示栏公开）"))
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False),
              help=N_("附件文件（可重复）"))
@click.option("--acknowledge-failed", "acknowledged", multiple=True, type=int,
              help=N_("（可重复）同一楼栋正在进行或近 12 个月内未通过的表决的编号，确认已知悉"
                      "（记入审计日志，在公示栏公开）"))
@click.option("--acknowledge-emergency", "earlier", multiple=True, type=int,
              help=N_("（可重复）近 12 个月内列支范围重叠、与本次合计超过应急使用预算上限的应急使用"
                      "的编号，确认已知悉（记入审计日志，在公示栏公开）"))
@_evidence
@domain_errors
def emergency(community, title, scope, budget, items, category, applicant, reason, docs,
              acknowledged, earlier, evidence):
    from votes.services.money.emergency import EmergencyApplication, apply_emergency
    from votes.services.proposal_create import DocumentUpload

    app = EmergencyApplication(community=community, title=title, scope=scope, budget=budget,
                               category=category, applicant=applicant, reason=reason,
                               items=tuple(items),
                               documents=tuple(DocumentUpload.from_path(d) for d in docs),
                               acknowledged_failed=tuple(acknowledged),
                               acknowledged_emergencies=tuple(earlier))
    from votes.i18n import _
    from votes.services.money.emergency import Unacknowledged

    try:
        click.echo(apply_emergency(app, _files(evidence)).id)
    except Unacknowledged as err:
        err.message += " " + _("（命令行：%(opts)s）", opts=" ".join(
            [f"--acknowledge-failed {f.id}" for f in err.failed]
            + [f"--acknowledge-emergency {u.id}" for u in err.earlier]))
        raise
