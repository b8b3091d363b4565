from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from votes.commands import domain_errors, echo, read_file
from votes.core.numbers import format_area_grouped, format_yuan
from votes.i18n import _

proposal_cli = AppGroup("proposal", help="Draft, open, close and show proposals (表决事项).")
ballots_cli = AppGroup("ballots", help="Enter paper and proxy ballots (纸质/委托表决票).")
keys_cli = AppGroup("keys", help="Server signing keys (服务器签名密钥).")


@proposal_cli.command("create")
@click.option("--community", required=True)
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--matter", required=True, help="use_fund, raise_fund, rebuild, change_use, other")
@click.option("--scope", required=True, help="all | building:3,5 | entrance:3-1 | unit:3-1-1502")
@click.option("--budget", required=True, help="Budget in yuan, e.g. 356000.00")
@click.option("--item", "items", multiple=True, help='Repair item "title:amount"')
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False))
@click.option("--voting-start", required=True, help="ISO time; Beijing time if no offset")
@click.option("--voting-end", required=True)
@click.option("--publicity-start", default=None)
@click.option("--allow-change", is_flag=True, help="Allow one change of ballot before the end")
@click.option("--emergency", is_flag=True, help="Emergency repair: shorter publicity allowed")
@click.option("--schedule", is_flag=True,
              help="Confirm now that publicity starts by itself at --publicity-start "
                   "(without it the draft waits for start-publicity or schedule-publicity)")
@domain_errors
def create(community, title, description, matter, scope, budget, items, docs, voting_start,
           voting_end, publicity_start, allow_change, emergency, schedule):
    """Create a draft proposal and print its id. A draft never starts a vote by itself."""
    from votes.services.proposal_create import DocumentUpload, ProposalDraft, create_proposal

    draft = ProposalDraft(
        community=community, title=title, description=description, matter=matter, scope=scope,
        budget=budget, items=tuple(items), voting_start=voting_start, voting_end=voting_end,
        publicity_start=publicity_start, allow_change=allow_change, emergency=emergency,
        documents=tuple(DocumentUpload.from_path(d) for d in docs))
    click.echo(create_proposal(draft, schedule=schedule).id)


@proposal_cli.command("edit")
@click.argument("proposal")
@click.option("--title")
@click.option("--description")
@click.option("--matter")
@click.option("--scope")
@click.option("--budget")
@click.option("--item", "items", multiple=True, help='Replaces all items: "title:amount"')
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False),
              help="Attach another document")
@click.option("--remove-doc", "remove_docs", multiple=True, type=int,
              help="Remove the document at this position (0, 1, …)")
@click.option("--voting-start")
@click.option("--voting-end")
@click.option("--publicity-start")
@click.option("--allow-change/--no-allow-change", default=None)
@click.option("--emergency/--no-emergency", default=None)
@domain_errors
def edit(proposal, docs, remove_docs, items, **changes):
    """Edit a draft (only a draft; a confirmed schedule must be confirmed again)."""
    import dataclasses

    from votes.services.proposal_create import DocumentUpload
    from votes.services.lifecycle import proposal_now
    from votes.services.proposal_drafts import draft_of, edit_draft, refuse_unless_draft

    found = proposal_now(proposal)
    # Said first: positions named on a proposal past its draft were refused as unknown.
    refuse_unless_draft(found)
    current = draft_of(found)
    # Positions are not shown by the command line nor renumbered after a removal: one that
    # names no document said 已修改草稿 and removed nothing. Refused, with those there are.
    positions = {d.position: d.name for d in found.documents}
    unknown = [n for n in remove_docs if n not in positions]
    if unknown:
        from votes.services.errors import DomainError

        raise DomainError(_("没有位置为 %(n)s 的附件，未修改草稿；现有附件：%(docs)s", n=unknown[0],
                            docs="、".join(f"{n} {name}" for n, name in sorted(positions.items()))
                            or _("无")))
    given = {k: v for k, v in changes.items() if v is not None}
    if items:
        given["items"] = tuple(items)
    draft = dataclasses.replace(current, **given,
                                documents=tuple(DocumentUpload.from_path(d) for d in docs))
    p = edit_draft(proposal, draft, remove_documents=tuple(remove_docs))
    click.echo(_("已修改草稿 %(id)s", id=p.id))


@proposal_cli.command("delete")
@click.argument("proposal")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@domain_errors
def delete(proposal, yes):
    """Delete a draft that was never published (audited)."""
    from votes.services.proposal_drafts import delete_draft

    if not yes:
        click.confirm(_("删除草稿 %(id)s？", id=proposal), abort=True)
    delete_draft(proposal)
    click.echo(_("已删除草稿 %(id)s", id=proposal))


@proposal_cli.command("withdraw")
@click.argument("proposal")
@click.option("--reason", required=True, help="Shown on the public board")
@domain_errors
def withdraw(proposal, reason):
    """Withdraw a proposal in publicity (撤回): it ends without a vote or a result."""
    from votes.services.labels import state_label
    from votes.services.lifecycle import withdraw as run

    p = run(proposal, reason)
    click.echo(f"{p.id}: {state_label(p.state)}")


def _move(name: str, service: str, help_text: str, doing=None):
    """`doing`: what a move over a whole electorate (seconds for a city's roll) says on
    stderr as it starts, given the proposal as typed."""
    @proposal_cli.command(name, help=help_text)
    @click.argument("proposal")
    @domain_errors
    def command(proposal: str) -> None:
        from votes.services import lifecycle
        from votes.services.labels import state_label

        if doing is not None:
            click.echo(doing(proposal), err=True)
        p = getattr(lifecycle, service)(proposal)
        click.echo(f"{p.id}: {state_label(p.state)}")

    return command


_move("start-publicity", "start_publicity", "Publish the plan now and freeze the electorate.",
      lambda p: _("正在冻结表决名册并开始公示（事项 %(p)s）…", p=p))
_move("schedule-publicity", "schedule_publicity",
      "Confirm the draft's planned publicity start: it then starts by itself at that time.")
_move("open", "open_voting", "Open voting (at or after its start time).")
_move("close", "close_voting", "Close voting (after the end, or once everyone has voted).",
      lambda p: _("正在结束表决并计票（事项 %(p)s）…", p=p))
_move("publish-result", "publish_result", "Publish the result of a closed vote.")


@proposal_cli.command("show")
@click.argument("proposal")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (areas in centi-m²)")
@domain_errors
def show(proposal: str, as_json: bool) -> None:
    """State, turnout and tally of a proposal."""
    from votes.services.figures import proposal_figures
    from votes.services.labels import matter_label, scope_label, state_label, threshold_label

    f = proposal_figures(proposal)
    if as_json:
        click.echo(json.dumps(f.to_json(), ensure_ascii=False, sort_keys=True))
        return
    p, t = f.proposal, f.tally or f.turnout
    click.echo(f"[{p.id}] {p.title}  ({p.community.code}, {matter_label(p.matter)}, "
               f"{scope_label(p.scope)})")
    click.echo(_("状态：%(state)s   预算：%(budget)s 元", state=state_label(p.state),
                 budget=format_yuan(p.budget)))
    click.echo(_("专有部分总面积：%(area)s m²   总人数：%(n)s", area=format_area_grouped(t.total_area),
                 n=t.total_headcount))
    if p.state == "emergency":  # no vote was held (§18.6): no thresholds, no quorum
        _show_emergency(p)
        return
    click.echo(_("参与表决：%(area)s m²，%(n)s 人", area=format_area_grouped(t.participating_area),
                 n=t.participating_headcount))
    _show_procedure(p)
    if f.tally is not None:
        click.echo(_("同意：%(area)s m²，%(n)s 人", area=format_area_grouped(t.agree_area),
                     n=t.agree_headcount))
    if p.state == "draft":
        # Nothing is counted for a draft: no thresholds to miss yet.
        click.echo(_("结果：草稿，尚未公示"))
    else:
        final = p.state in ("closed", "published")
        for c in t.checks:
            mark = _("达到") if c.met else (_("未达到") if final else _("尚未达到"))
            amount = (lambda v: f"{format_area_grouped(v)} m²") if "area" in c.name else str
            click.echo("  " + _("%(name)s：%(part)s / %(whole)s，门槛 %(threshold)s，"
                                "需要 %(needed)s → %(mark)s", name=threshold_label(c.name),
                                part=amount(c.part), whole=amount(c.whole),
                                threshold=str(c.threshold), needed=amount(c.needed), mark=mark))
        quorum = _("达到") if t.quorum_met else (_("未达到") if final else _("尚未达到"))
        result = _result_text(p, t)
        if p.state == "voting":
            result = _("%(result)s；各户意见在表决结束时公开", result=result)
        click.echo(_("法定人数：%(quorum)s   结果：%(result)s", quorum=quorum, result=result))
    from votes.commands.procedure import procedure_lines

    for line in procedure_lines(p):
        click.echo(line)
    if p.state == "withdrawn" and p.withdraw_reason:
        click.echo(_("撤回原因：%(reason)s", reason=p.withdraw_reason))
    if p.chain_head:
        click.echo(_("链头：%(head)s（%(n)s 条记录）", head=p.chain_head, n=p.chain_length))


def _show_emergency(p) -> None:
    """What the board says of an emergency use: no vote, the danger, who applied and why."""
    from votes.services.money.emergency import emergency_facts

    facts = emergency_facts(p)
    click.echo(_("应急使用维修资金：未经业主表决"))
    if facts is not None:
        click.echo(_("情形：") + facts["category_label"] + _("　") + _("申请人：")
                   + facts["applicant_label"])
        click.echo(_("为何不能等待表决：") + facts["reason"])
        for digest in facts["evidence"]:
            click.echo(_("证明材料摘要（SHA-256）：") + digest)
    if p.chain_head:
        click.echo(_("链头：%(head)s（%(n)s 条记录）", head=p.chain_head, n=p.chain_length))


def _result_text(p, t) -> str:
    if p.state in ("closed", "published"):
        from votes.services.procedure.outcome import outcome

        o = outcome(p)
        text = _("通过") if o.result_passed else _("未通过")
        if o.follow is not None:
            text += _("（仅计选票：%(r)s）", r=_("通过") if o.ballots_passed else _("未通过"))
        if o.preliminary:
            text = _("初步结果：%(text)s，%(when)s", text=text,
                     when=_("异议期中") if o.period_open else _("异议期已结束，待答复"))
        return text
    from votes.services.labels import state_label

    return {"publicity": _("公示中，尚未表决"),
            "voting": _("表决中"),
            "withdrawn": _("已撤回，无表决结果")}.get(p.state, state_label(p.state))


@ballots_cli.command("import")
@click.argument("proposal")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--evidence-dir", default=None, type=click.Path(file_okay=False),
              help="Folder holding the scanned forms the evidence column names "
                   "(default: the CSV's folder); nothing outside it is read")
@domain_errors
def ballots_import(proposal: str, file: str, evidence_dir: str | None) -> None:
    """Enter paper/proxy ballots from CSV: all rows accepted or none."""
    from votes.services.paper_ballots import import_paper_ballots

    ballots = import_paper_ballots(proposal, file, evidence_dir=evidence_dir)
    click.echo(_("已录入 %(n)s 张选票", n=len(ballots)))
    for b in ballots:
        click.echo(f"  #{b.seq} {b.receipt}")


@ballots_cli.command("transfer")
@click.argument("proposal")
@click.option("--building", required=True)
@click.option("--entrance", default="")
@click.option("--room", required=True)
@click.option("--choice", required=True, help="agree | disagree | abstain (同意/反对/弃权)")
@click.option("--buyer-name", required=True, help="The new owner's name (stored encrypted)")
@click.option("--buyer-id", required=True, help="The new owner's ID number (stored encrypted)")
@click.option("--transfer-evidence", required=True, type=click.Path(dir_okay=False),
              help="Scan of the new certificate or registered contract")
@click.option("--form", "ballot_form", required=True, type=click.Path(dir_okay=False),
              help="Scan of the ballot the new owner signed")
@click.option("--entered-by", required=True, help="The clerk entering it")
@click.option("--proxy-name", default=None, help="When the new owner voted through a proxy: "
              "the proxy's name (stored encrypted)")
@click.option("--proxy-id", default=None, help="The proxy's ID number (stored encrypted)")
@click.option("--authorisation", default=None, type=click.Path(dir_okay=False),
              help="Scan of the new owner's written authorisation of the proxy")
@click.option("--proxy-company-staff", type=click.Choice(["yes", "no"]), default=None,
              help="Whether the proxy works for the property company (declared)")
@domain_errors
def ballots_transfer(proposal, building, entrance, room, choice, buyer_name, buyer_id,
                     transfer_evidence, ballot_form, entered_by, proxy_name, proxy_id,
                     authorisation, proxy_company_staff) -> None:
    """A unit sold during the vote: the new owner's ballot in the seller's place (it
    supersedes the seller's ballot, even an online one); through a proxy with --proxy-*."""
    from votes.core.local_rules import Procedure
    from votes.i18n import _
    from votes.services.errors import DomainError
    from votes.services.lifecycle import get_proposal
    from votes.services.proxies import parse_proxy
    from votes.services.transfers import TransferEntry, enter_transfer

    found = get_proposal(proposal)
    proxy = None
    if any(v is not None for v in (proxy_name, proxy_id, authorisation, proxy_company_staff)):
        problems: list[str] = []
        proxy = parse_proxy({"proxy_name": proxy_name, "proxy_id": proxy_id,
                             "authorisation": authorisation,
                             "company_staff": {"yes": "是", "no": "否"}.get(
                                 proxy_company_staff or "", "")},
                            read_file, Procedure.from_rules(found.rules), problems.append)
        if proxy is None:
            raise DomainError(_("委托信息有误，未录入") + "\n" + "\n".join(problems))
    entry = TransferEntry(building, entrance, room, choice, buyer_name, buyer_id,
                          read_file(transfer_evidence), read_file(ballot_form), proxy)
    ballot = enter_transfer(found, entry, entered_by, actor=entered_by)
    click.echo(_("已录入过户后新业主的选票 #%(seq)s %(receipt)s", seq=ballot.seq,
                 receipt=ballot.receipt))


def _show_procedure(p) -> None:
    """The rules of procedure the proposal froze, when they depart from the Civil Code."""
    from votes.core.local_rules import Procedure
    from votes.i18n import _
    from votes.services.communities import procedure_summary

    procedure = Procedure.from_rules(p.rules)
    if procedure != Procedure():
        click.echo(_("议事规则") + "：" + procedure_summary(procedure))


@keys_cli.command("generate")
@with_appcontext
@domain_errors
def keys_generate() -> None:
    """Make a new Ed25519 signing key; older keys stay valid for verification."""
    from votes.services.keys import generate_key

    click.echo(generate_key())


@keys_cli.command("list")
@with_appcontext
@domain_errors
def keys_list() -> None:
    """Each key's id, SHA-256 fingerprint (for votes verify --fingerprint) and which one signs."""
    from votes.services.clock import local_text
    from votes.services.keys import listed_keys

    keys = listed_keys()
    if not keys:
        click.echo(_("没有签名密钥（第一次开始表决时自动生成，或运行 votes keys generate）"))
    for k in keys:
        mark = "  " + _("当前签名密钥") if k.active else ""
        click.echo(f"{k.key_id}  {k.fingerprint}  {local_text(k.created_at)}{mark}")
    if len(keys) > 1:  # every bundle lists them all, and `votes verify` wants each vouched for
        click.echo(_("每个导出包都列出以上全部密钥：监管部门核对时须给出全部密钥的指纹（每个指纹一个 "
                     "--fingerprint），密钥轮换后旧密钥的指纹仍然需要。"))


@click.command("export")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
@domain_errors
def export(proposal: str, output: str) -> None:
    """Write the signed export bundle (ZIP) of a proposal."""
    from votes.services.export import export_bundle

    head = export_bundle(proposal, output,
                         doing=lambda p: click.echo(_("正在导出事项 %(p)s 的记录 …", p=p), err=True))
    echo(_("已导出 %(file)s，链头 %(head)s", file=output, head=head))


@click.command("tick")
@with_appcontext
@domain_errors
def tick() -> None:
    """Move every proposal whose time has come (run from cron; no scheduler needed)."""
    from votes.services.sms_codes import sweep_phone_counts
    from votes.services.labels import state_label
    from votes.services.lifecycle import journal_name, tick as run_tick
    from votes.services.lobby import sweep as sweep_lobby
    from votes.services.roll_upload import sweep_expired
    from votes.services.signin_devices import sweep as sweep_devices
    from votes.services.signin_throttle import sweep as sweep_signins

    refused: list[tuple[int, str]] = []
    try:
        for proposal, before, after in run_tick(refused):
            click.echo(f"{proposal.id}: {state_label(before)} → {state_label(after)}"
                       f"（{journal_name(proposal)}）")
        removed = sweep_expired()
        if removed:
            click.echo(_("已删除 %(n)s 个过期的名册预览", n=removed))
        sweep_lobby()
        sweep_signins()
        sweep_devices()
        sweep_phone_counts()
    finally:
        # After everything else has been done, and also when a sweep failed: the operator
        # is told which proposals did not move either way.
        for proposal_id, message in refused:
            click.echo(f"{proposal_id}: {message}", err=True)
    if refused:
        sys.exit(1)


@click.command("notices")
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--building", default=None,
              help="Only this building's notices, labelled as on the committee's page "
                   "(e.g. 3号楼) or as the roll spells it (3栋).")
@with_appcontext
@domain_errors
def notices(proposal: str, output: str, building: str | None) -> None:
    """Write the printable voting notices (A4 PDF, one per voter, with QR codes)."""
    from votes.services.notices import notices_pdf
    from votes.services.output import check_output, write_output

    check_output(output)  # before drawing thousands of pages
    # Thousands of notices take minutes: say how far it is (on a terminal only).
    with click.progressbar(length=1, label=_("正在生成表决通知"), file=sys.stderr) as bar:
        def drawn(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)
        pdf = notices_pdf(proposal, building=building, progress=drawn)
    write_output(output, pdf)
    echo(_("已生成表决通知 %(file)s", file=output))
