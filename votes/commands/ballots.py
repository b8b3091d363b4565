"""`votes ballots list`, `correct` and `withdraw`: staff-entered ballots, corrections and
withdrawals of ballots entered for the wrong unit."""

from __future__ import annotations

import click

from votes.commands import domain_errors, read_file
from votes.commands.proposal import ballots_cli


@ballots_cli.command("list")
@click.argument("proposal")
@domain_errors
def ballots_list(proposal: str) -> None:
    """List the paper/proxy ballots entered (never the choices)."""
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


@ballots_cli.command("correct")
@click.argument("proposal")
@click.option("--entry", type=int, required=True, help="Chain position (#) of the wrong ballot")
@click.option("--choice", required=True, help="agree/disagree/abstain (同意/反对/弃权)")
@click.option("--reason", required=True, help="Why, e.g. 录入时勾错了意见 (public; no names)")
@click.option("--entered-by", required=True, help="Login of the clerk entering the correction")
@click.option("--channel", type=click.Choice(["paper", "proxy"]), default=None,
              help="Default: the wrong entry's channel")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Scan of the form (default: the wrong entry's scan)")
@domain_errors
def ballots_correct(proposal: str, entry: int, choice: str, reason: str, entered_by: str,
                    channel: str | None, evidence: str | None) -> None:
    """Correct a paper/proxy ballot before the close: a new chain entry supersedes it."""
    from votes.i18n import _
    from votes.services.corrections import correct_ballot

    scan = read_file(evidence) if evidence else None
    ballot = correct_ballot(proposal, entry, choice=choice, reason=reason, actor=entered_by,
                            channel=channel, evidence=scan)
    click.echo(_("已更正：第 %(m)d 条记录取代第 %(n)d 条", m=ballot.seq, n=entry))


@ballots_cli.command("withdraw")
@click.argument("proposal")
@click.argument("entry", type=int)
@click.option("--reason", required=True,
              help="Why, e.g. 表决票签名为2号楼住户，录入时错选了房号 (public; no names)")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True), required=True,
              help="Scan that shows the mistake (e.g. the form naming another flat)")
@click.option("--entered-by", required=True, help="Login of the clerk entering the withdrawal")
@domain_errors
def ballots_withdraw(proposal: str, entry: int, reason: str, evidence: str,
                     entered_by: str) -> None:
    """Withdraw a paper/proxy ballot entered for the wrong unit, before the close: its
    voter then has no counted ballot (docs/verification.md §15) and may vote themselves."""
    from votes.i18n import _
    from votes.services.withdrawals import withdraw_ballot

    seq = withdraw_ballot(proposal, entry, reason=reason, evidence=read_file(evidence),
                          actor=entered_by)
    click.echo(_("已撤回：第 %(m)d 条记录撤回第 %(n)d 条，该户现为未表决", m=seq, n=entry))
