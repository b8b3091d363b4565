"""`votes ballots list`, `correct` and `withdraw`: staff-entered ballots, corrections and
withdrawals of ballots entered for the wrong unit."""

from __future__ import annotations

import click

from votes.commands import domain_errors, read_file
from votes.commands.proposal import CHOICE_HELP, ballots_cli
from votes.i18n import N_


@ballots_cli.command("list", help=N_("列出已录入的纸质/委托表决票（不显示意见）。"))
@click.argument("proposal")
@domain_errors
def ballots_list(proposal: str) -> None:
    from votes.services.clock import local_text
    from votes.services.corrections import staff_ballots
    from votes.services.lifecycle import get_proposal, refresh

    rows = staff_ballots(refresh(get_proposal(proposal)))
    click.echo("entry\tunits\tchannel\tentered_by\ttime\tevidence\tcorrects\tstate")
    for b in rows:
        state = f"superseded by #{b.superseded_by}" if b.superseded_by else "current"
        if b.withdrawn_by is not None:  # §15: entered for the wrong unit, counts no more
            state = f"withdrawn by #{b.withdrawn_by}" + (
                f", superseded by #{b.superseded_by}" if b.superseded_by else "")
        corrects = "-" if b.corrects is None else f"#{b.corrects}"
        click.echo(f"#{b.seq}\t{b.units}\t{b.channel}\t{b.entered_by}\t{local_text(b.cast_at)}"
                   f"\t{b.evidence[:16]}\t{corrects}\t{state}")


@ballots_cli.command("correct", help=N_(
    "在表决结束前更正录入有误的纸质/委托表决票：记录链上的一条新记录取代原记录。"
    "原记录所附的表决票仍属于该户，更正后也不能用于其他房屋的选票；录错了房屋或附错了另一户的"
    "表决票的，请用 ballots withdraw 撤回，再为签字的业主重新录入。"))
@click.argument("proposal")
@click.option("--entry", type=int, required=True, help=N_("录入有误的选票在记录链上的序号（#）"))
@click.option("--choice", required=True, help=CHOICE_HELP)
@click.option("--reason", required=True,
              help=N_("更正原因，例如“录入时勾错了意见”（随链公开，请勿写姓名）"))
@click.option("--entered-by", required=True, help=N_("录入更正的工作人员的登录名"))
@click.option("--channel", type=click.Choice(["paper", "proxy"]), default=None,
              help=N_("paper（纸质）或 proxy（委托）；默认与原记录相同"))
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), default=None,
              help=N_("表决票扫描件（默认沿用原记录的扫描件）"))
@domain_errors
def ballots_correct(proposal: str, entry: int, choice: str, reason: str, entered_by: str,
                    channel: str | None, evidence: str | None) -> None:
    from votes.i18n import _
    from votes.services.corrections import correct_ballot

    scan = read_file(evidence) if evidence else None
    ballot = correct_ballot(proposal, entry, choice=choice, reason=reason, actor=entered_by,
                            channel=channel, evidence=scan)
    click.echo(_("已更正：第 %(m)d 条记录取代第 %(n)d 条", m=ballot.seq, n=entry))


@ballots_cli.command("withdraw", help=N_(
    "在表决结束前撤回错录到其他房屋的纸质/委托表决票：该户随即再无计入表决的选票"
    "（docs/verification.md §15），业主可以自行表决。ENTRY 是该选票在记录链上的序号。"))
@click.argument("proposal")
@click.argument("entry", type=int)
@click.option("--reason", required=True,
              help=N_("撤回原因，例如“表决票签名为2号楼住户，录入时错选了房号”（随链公开，请勿写姓名）"))
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), required=True,
              help=N_("能说明错录的扫描件（例如写明另一户房号的表决票）"))
@click.option("--entered-by", required=True, help=N_("录入撤回的工作人员的登录名"))
@domain_errors
def ballots_withdraw(proposal: str, entry: int, reason: str, evidence: str,
                     entered_by: str) -> None:
    from votes.i18n import _
    from votes.services.withdrawals import withdraw_ballot

    seq = withdraw_ballot(proposal, entry, reason=reason, evidence=read_file(evidence),
                          actor=entered_by)
    click.echo(_("已撤回：第 %(m)d 条记录撤回第 %(n)d 条，该户现为未表决", m=seq, n=entry))
