"""`votes proposal delivery|objection|answer|objections`: 从多 deliveries and objections."""

from __future__ import annotations

import click

from votes.commands import domain_errors, read_file
from votes.commands.proposal import proposal_cli
from votes.core.objection import DECISION_LABELS
from votes.i18n import N_, _


@proposal_cli.command("delivery", help=N_(
    "记录表决通知已证实送达某户业主（用于从多；须在表决结束前）。"))
@click.argument("proposal")
@click.option("--building", required=True, help=N_("楼栋"))
@click.option("--entrance", default="", help=N_("单元"))
@click.option("--room", required=True, help=N_("房号"))
@click.option("--method", required=True, help=N_(
    "送达方式：hand（当面签收）| registered_mail（挂号邮寄）| electronic（电子送达）"))
@click.option("--at", "delivered_at", required=True,
              help=N_("送达时间，ISO 格式（不带时区的按北京时间）"))
@click.option("--evidence", required=True, type=click.Path(dir_okay=False, exists=True),
              help=N_("签收单、邮寄凭证或截图的扫描件"))
@click.option("--by", "entered_by", default="cli", show_default=True, help=N_("录入人"))
@domain_errors
def delivery(proposal, building, entrance, room, method, delivered_at, evidence, entered_by):
    from votes.services.procedure.deliveries import record_delivery

    d = record_delivery(proposal, building, entrance, room, method, delivered_at,
                        read_file(evidence), entered_by)
    click.echo(_("已记录送达：第 %(seq)s 条记录，%(method)s，证明材料 %(evidence)s", seq=d.seq,
                 method=d.method_label, evidence=d.evidence))


@proposal_cli.command("objection", help=N_("录入异议期内收到的业主书面异议。"))
@click.argument("proposal")
@click.option("--building", required=True, help=N_("楼栋"))
@click.option("--entrance", default="", help=N_("单元"))
@click.option("--room", required=True, help=N_("房号"))
@click.option("--text", required=True, help=N_("异议内容，按业主书面原文录入"))
@click.option("--evidence", required=True, type=click.Path(dir_okay=False, exists=True),
              help=N_("书面异议扫描件"))
@click.option("--by", "entered_by", default="cli", show_default=True, help=N_("录入人"))
@domain_errors
def objection(proposal, building, entrance, room, text, evidence, entered_by):
    from votes.services.procedure.objections import file_by_staff

    row = file_by_staff(proposal, building, entrance, room, text, read_file(evidence),
                        entered_by)
    click.echo(_("已记录异议：第 %(seq)s 条记录", seq=row.seq))


@proposal_cli.command("answer", help=N_("答复记录链上序号为 SEQ 的异议。"))
@click.argument("proposal")
@click.argument("seq", type=int)
@click.option("--decision", required=True, type=click.Choice(["rejected", "noted", "upheld"]),
              help=N_("rejected：异议不成立；noted：异议成立，但不影响表决结果；upheld：异议成立，"
                      "影响表决结果"))
@click.option("--text", required=True, help=N_("答复内容"))
@click.option("--by", "answered_by", default="cli", show_default=True, help=N_("答复人"))
@domain_errors
def answer(proposal, seq, decision, text, answered_by):
    from votes.services.procedure.objections import answer as give_answer

    row = give_answer(proposal, seq, decision, text, answered_by)
    click.echo(_("已答复第 %(objection)s 条记录的异议（%(decision)s）：答复为第 %(seq)s 条记录",
                 objection=seq, decision=_decision(decision), seq=row.answer_seq))


@proposal_cli.command("objections", help=N_(
    "列出异议及其答复、送达记录，以及异议期何时结束。\n\n业委会已撤下公示的内容只显示为已撤下及"
    "撤下原因，加 --show-withdrawn 才显示原文。"))
@click.argument("proposal")
@click.option("--show-withdrawn", is_flag=True,
              help=N_("同时显示业委会已撤下公示的原文（其中可能有姓名或电话号码）；每条仍标明已撤下"))
@domain_errors
def objections(proposal, show_withdrawn):
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
                     text=_published(o.text, o.text_withdrawn, show_withdrawn, o.text_salt),
                     channel=_("网上") if o.channel == "online" else _("工作人员录入")))
        if o.answer_seq is not None:
            click.echo("  " + _("答复 第 %(n)s 条（%(decision)s）：%(text)s", n=o.answer_seq,
                                text=_published(o.answer_text, o.answer_withdrawn,
                                                show_withdrawn, o.answer_salt),
                                decision=_decision(o.decision)))
        else:
            click.echo("  " + _("尚未答复"))


def _decision(decision: str) -> str:
    """An answer's decision in words, in the command's language (the labels are the
    catalogue's msgids)."""
    label = DECISION_LABELS.get(decision)
    return _(label) if label else decision


def _published(text: str, withdrawn: str | None, show: bool, salt: str | None) -> str:
    """A text as the listing prints it: one the committee withdrew from publication is
    marked so, and left out unless asked for, as the board and the result notice leave it
    out (a terminal's output is pasted and forwarded). Shown, it comes with the salt of its
    commitment, which the board no longer publishes: whoever must check the withdrawn text
    against the chain (a court, the regulator) needs both."""
    if withdrawn is None:
        return text
    mark = _("〔已撤下公示：%(reason)s〕", reason=withdrawn)
    if not show:
        return mark
    return mark + text + (_("〔承诺值的盐值：%(salt)s〕", salt=salt) if salt else "")


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
