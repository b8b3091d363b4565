"""`votes proposal delivery|objection|answer|objections`: 从多 deliveries and objections."""

from __future__ import annotations

import click

from votes.commands import domain_errors, read_file
from votes.commands.proposal import proposal_cli
from votes.core.objection import DECISION_LABELS
from votes.i18n import _


@proposal_cli.command("delivery")
@click.argument("proposal")
@click.option("--building", required=True)
@click.option("--entrance", default="")
@click.option("--room", required=True)
@click.option("--method", required=True, help="hand | registered_mail | electronic")
@click.option("--at", "delivered_at", required=True, help="When delivered; ISO, Beijing time")
@click.option("--evidence", required=True, type=click.Path(dir_okay=False, exists=True),
              help="Scan of the signed receipt, postal record or screenshot")
@click.option("--by", "entered_by", default="cli", help="Who enters it")
@domain_errors
def delivery(proposal, building, entrance, room, method, delivered_at, evidence, entered_by):
    """Record a proved delivery of the notice to a unit's owner (从多; before the close)."""
    from votes.services.procedure.deliveries import record_delivery

    d = record_delivery(proposal, building, entrance, room, method, delivered_at,
                        read_file(evidence), entered_by)
    click.echo(_("已记录送达：第 %(seq)s 条记录，%(method)s，证明材料 %(evidence)s", seq=d.seq,
                 method=d.method_label, evidence=d.evidence))


@proposal_cli.command("objection")
@click.argument("proposal")
@click.option("--building", required=True)
@click.option("--entrance", default="")
@click.option("--room", required=True)
@click.option("--text", required=True, help="The objection as the owner wrote it")
@click.option("--evidence", required=True, type=click.Path(dir_okay=False, exists=True),
              help="Scan of the written objection")
@click.option("--by", "entered_by", default="cli")
@domain_errors
def objection(proposal, building, entrance, room, text, evidence, entered_by):
    """Enter an owner's written objection received in the objection period."""
    from votes.services.procedure.objections import file_by_staff

    row = file_by_staff(proposal, building, entrance, room, text, read_file(evidence),
                        entered_by)
    click.echo(_("已记录异议：第 %(seq)s 条记录", seq=row.seq))


@proposal_cli.command("answer")
@click.argument("proposal")
@click.argument("seq", type=int)
@click.option("--decision", required=True, type=click.Choice(["rejected", "noted", "upheld"]),
              help="rejected: not founded; noted: founded, result unaffected; upheld: "
                   "founded, affects the result")
@click.option("--text", required=True)
@click.option("--by", "answered_by", default="cli")
@domain_errors
def answer(proposal, seq, decision, text, answered_by):
    """Answer the objection at chain position SEQ."""
    from votes.services.procedure.objections import answer as give_answer

    row = give_answer(proposal, seq, decision, text, answered_by)
    click.echo(_("已答复第 %(objection)s 条记录的异议（%(decision)s）：答复为第 %(seq)s 条记录",
                 objection=seq, decision=_decision(decision), seq=row.answer_seq))


@proposal_cli.command("objections")
@click.argument("proposal")
@click.option("--show-withdrawn", is_flag=True,
              help="Also print the texts the committee withdrew from publication (they may "
                   "name people or give phone numbers); each stays marked as withdrawn")
@domain_errors
def objections(proposal, show_withdrawn):
    """List the objections, their answers, deliveries, and when the period ends.

    A text the committee withdrew from publication is shown as withdrawn, with the reason,
    and printed only with --show-withdrawn."""
    from votes.services.lifecycle import get_proposal, refresh
    from votes.services.procedure.deliveries import deliveries
    from votes.services.procedure.objections import objections as rows, period_end
    from votes.services.clock import local_text

    p = refresh(get_proposal(proposal))
    for line in procedure_lines(p):
        click.echo(line)
    for d in deliveries(p):
        click.echo(_("送达 第 %(seq)s 条：%(voter)s，%(method)s，%(t)s（北京时间），%(who)s 录入",
                     seq=d.seq, voter=d.voter_key[:12], method=d.method_label,
                     t=local_text(d.delivered_at), who=d.entered_by))
    end = period_end(p)
    if end is not None:
        click.echo(_("异议期至 %(t)s（北京时间）", t=local_text(end)))
    for o in rows(p):
        click.echo(_("异议 第 %(n)s 条（%(channel)s）：%(text)s", n=o.seq,
                     text=_published(o.text, o.text_withdrawn, show_withdrawn),
                     channel=_("网上") if o.channel == "online" else _("工作人员录入")))
        if o.answer_seq is not None:
            click.echo("  " + _("答复 第 %(n)s 条（%(decision)s）：%(text)s", n=o.answer_seq,
                                text=_published(o.answer_text, o.answer_withdrawn,
                                                show_withdrawn),
                                decision=_decision(o.decision)))
        else:
            click.echo("  " + _("尚未答复"))


def _decision(decision: str) -> str:
    """An answer's decision in words, in the command's language (the labels are the
    catalogue's msgids)."""
    label = DECISION_LABELS.get(decision)
    return _(label) if label else decision


def _published(text: str, withdrawn: str | None, show: bool) -> str:
    """A text as the listing prints it: one the committee withdrew from publication is
    marked so, and left out unless asked for, as the board and the result notice leave it
    out (a terminal's output is pasted and forwarded)."""
    if withdrawn is None:
        return text
    mark = _("〔已撤下公示：%(reason)s〕", reason=withdrawn)
    return mark + text if show else mark


def _objection_line(p) -> str:
    """Until when objections may be filed, how many were and how many await an answer."""
    from votes.services import clock
    from votes.services.procedure.objections import objections, period_end

    end = period_end(p)
    if end is None:
        return ""
    filed = objections(p)
    waiting = sum(1 for o in filed if o.answer_seq is None)
    when = clock.local_text(end)
    if clock.now() < end:
        return _("异议期：至 %(t)s（北京时间）止；已提出异议 %(n)s 件，待答复 %(w)s 件",
                 t=when, n=len(filed), w=waiting)
    return _("异议期已于 %(t)s（北京时间）结束；已提出异议 %(n)s 件，待答复 %(w)s 件",
             t=when, n=len(filed), w=waiting)


def procedure_lines(p) -> list[str]:
    """从多 figures and the final result, for `proposal show`."""
    from votes.core.procedure_report import follow_lines
    from votes.services.procedure.common import close_entry, entries_of

    close = close_entry(p) if p.state in ("closed", "published") else None
    lines = follow_lines(close.entry["body"].get("follow")) if close else []
    if p.state == "closed":
        lines.append(_objection_line(p))
    for s in entries_of(p, "result"):
        b = s.entry["body"]
        lines.append(_("最终结果：%(r)s（异议 %(n)s 件）", n=len(b["objections"]),
                       r=_("通过") if b["passed"] else _("未通过")))
    return [x for x in lines if x]
