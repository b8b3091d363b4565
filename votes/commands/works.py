"""`votes works`: the works and the money after a passed vote (docs/verification.md §18)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors, echo, read_file

works_cli = AppGroup("works", help="Works, payments, acceptance and settlement (工程与资金).")


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
                         help="Scan, voucher, photo or report (repeatable)")


@works_cli.command("tolerance")
@click.argument("community")
@click.argument("percent")
@domain_errors
def tolerance(community: str, percent: str) -> None:
    """Set how far (percent) a contract may exceed the approved budget without a new vote."""
    from votes.core.numbers import format_yuan
    from votes.services.money.works import set_tolerance

    click.echo(f"{format_yuan(set_tolerance(community, percent))}%")


@works_cli.command("contract")
@click.argument("proposal")
@click.option("--contractor", required=True)
@click.option("--amount", required=True, help="Yuan, e.g. 600000.00")
@_evidence
@domain_errors
def contract(proposal, contractor, amount, evidence):
    """Record the works contract on the proposal's chain."""
    from votes.services.money.works import record_contract

    p = record_contract(proposal, contractor=contractor, amount=_amount(amount),
                        evidence=_files(evidence))
    click.echo(p.chain_head)


@works_cli.command("payment")
@click.argument("proposal")
@click.option("--amount", required=True)
@click.option("--note", default="")
@_evidence
@domain_errors
def payment(proposal, amount, note, evidence):
    """Record an advance payment out of the fund."""
    from votes.services.money.works import record_payment

    click.echo(record_payment(proposal, amount=_amount(amount), note=note,
                              evidence=_files(evidence)).chain_head)


@works_cli.command("acceptance")
@click.argument("proposal")
@click.option("--date", "date", required=True, help="YYYY-MM-DD")
@click.option("--participant", "participants", multiple=True, required=True)
@_evidence
@domain_errors
def acceptance(proposal, date, participants, evidence):
    """Record the acceptance (验收) with its photos and report."""
    from votes.services.money.works import record_acceptance

    click.echo(record_acceptance(proposal, date=date, participants=participants,
                                 evidence=_files(evidence)).chain_head)


@works_cli.command("settle")
@click.argument("proposal")
@click.option("--final-cost", required=True)
@domain_errors
def settle(proposal, final_cost):
    """Settle: apportion the final cost by area and debit each unit's balance."""
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
        said += _("；%(n)s 户首期交存额未知，无法判断是否需续筹", n=unknown)
    click.echo(said)


@works_cli.command("show")
@click.argument("proposal")
@domain_errors
def show(proposal):
    """The money stage and amounts of a proposal."""
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


@works_cli.command("settlement-notice")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--balances", is_flag=True,
              help="The committee's copy: each flat's balance, debit and shortfall (not for "
                   "the board)")
@domain_errors
def settlement_notice(proposal, output, balances):
    """Write the settlement notice (A4 PDF) for the board."""
    from votes.services.lifecycle import proposal_now
    from votes.services.money.settlement_pdf import settlement_notice_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, settlement_notice_pdf(proposal_now(proposal), balances=balances))
    echo(output)


@works_cli.command("emergency-notice")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@domain_errors
def emergency_notice(proposal, output):
    """Write an emergency use's announcement for the lobby (应急使用公告, A4 PDF)."""
    from votes.services.lifecycle import proposal_now
    from votes.services.money.emergency_pdf import emergency_notice_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, emergency_notice_pdf(proposal_now(proposal)))
    echo(output)


@works_cli.command("emergency-letters")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--building", default=None,
              help="Only this building's letters, labelled as on the committee's page "
                   "(e.g. 3号楼) or as the roll spells it (3栋).")
@domain_errors
def emergency_letters(proposal, output, building):
    """Write an emergency use's letters to its company and developer owners (应急使用告知书,
    A4 PDF): each owner's link, QR code and notice code for its read-only page."""
    from votes.services.lifecycle import proposal_now
    from votes.services.money.emergency_letters import emergency_letters_pdf
    from votes.services.output import check_output, write_output

    check_output(output)
    write_output(output, emergency_letters_pdf(proposal_now(proposal), building=building))
    echo(output)


@works_cli.command("application")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@domain_errors
def application(proposal, output):
    """Write the application package for the fund office (ZIP)."""
    from votes.services.lifecycle import proposal_now
    from votes.services.money.application import application_package
    from votes.services.output import check_output, write_output

    check_output(output)  # before the package is made (and audited as made)
    write_output(output, application_package(proposal_now(proposal), actor="cli"))
    echo(output)


@works_cli.command("emergency")
@click.option("--community", required=True)
@click.option("--title", required=True)
@click.option("--scope", required=True, help="all | building:3,5 | entrance:3-1 | unit:3-1-1502")
@click.option("--budget", required=True, help="Yuan, e.g. 18000.00")
@click.option("--item", "items", multiple=True, help='Repair item "title:amount"')
@click.option("--category", required=True, type=click.Choice(["elevator", "fire", "leak",
                                                              "facade"]))
@click.option("--applicant", required=True, type=click.Choice(["committee",
                                                               "property_company"]))
@click.option("--reason", required=True, help="Why it cannot wait for a vote (on the board)")
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False))
@click.option("--acknowledge-failed", "acknowledged", multiple=True, type=int,
              help="Id of a vote on the same buildings running now or failed in the last "
                   "12 months, acknowledged as known (audited, shown on the board)")
@_evidence
@domain_errors
def emergency(community, title, scope, budget, items, category, applicant, reason, docs,
              acknowledged, evidence):
    """Emergency use without an owner vote (应急使用): published at once; print its id."""
    from votes.services.money.emergency import EmergencyApplication, apply_emergency
    from votes.services.proposal_create import DocumentUpload

    app = EmergencyApplication(community=community, title=title, scope=scope, budget=budget,
                               category=category, applicant=applicant, reason=reason,
                               items=tuple(items),
                               documents=tuple(DocumentUpload.from_path(d) for d in docs),
                               acknowledged_failed=tuple(acknowledged))
    from votes.i18n import _
    from votes.services.money.emergency import FailedVotesUnacknowledged

    try:
        click.echo(apply_emergency(app, _files(evidence)).id)
    except FailedVotesUnacknowledged as err:
        err.message += " " + _("（命令行：%(opts)s）", opts=" ".join(
            f"--acknowledge-failed {f.id}" for f in err.failed))
        raise
