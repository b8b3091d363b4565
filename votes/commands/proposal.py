from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from votes.commands import domain_errors, echo, read_file
from votes.core.numbers import format_area_grouped, format_yuan
from votes.i18n import N_, _

proposal_cli = AppGroup("proposal", help=N_("表决事项：起草、公示、开始和结束表决、公布结果、查看。"))
ballots_cli = AppGroup("ballots", help=N_("纸质/委托表决票：录入、列出、更正和撤回。"))
keys_cli = AppGroup("keys", help=N_("服务器签名密钥。"))

SCOPE_HELP = N_("表决与分摊范围：all（全体）| building:3,5（楼栋）| entrance:3-1（单元）| "
                "unit:3-1-1502（房屋）")
ITEM_HELP = N_("维修项目“名称:金额”（可重复）")


MATTER_HELP = N_("表决事项类型：use_fund（使用维修资金）、raise_fund（筹集维修资金）、rebuild（改建、重建"
                 "建筑物及其附属设施）、change_use（改变共有部分用途或利用共有部分从事经营活动）、"
                 "other（其他重大事项）")


@proposal_cli.command("create", help=N_("创建表决事项草稿并显示其编号。草稿不会自行开始表决。"))
@click.option("--community", required=True, help=N_("小区编码"))
@click.option("--title", required=True, help=N_("标题"))
@click.option("--description", default="", help=N_("说明"))
@click.option("--matter", required=True, help=MATTER_HELP)
@click.option("--scope", required=True, help=SCOPE_HELP)
@click.option("--budget", required=True, help=N_("预算（元），例如 356000.00"))
@click.option("--item", "items", multiple=True, help=ITEM_HELP)
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False),
              help=N_("附件文件（可重复）"))
@click.option("--voting-start", required=True,
              help=N_("表决开始时间，ISO 格式，例如 2025-06-01T09:00（不带时区的按北京时间）"))
@click.option("--voting-end", required=True,
              help=N_("表决结束时间，ISO 格式（不带时区的按北京时间）"))
@click.option("--publicity-start", default=None,
              help=N_("计划的公示开始时间，ISO 格式（不带时区的按北京时间）；不填则由 "
                      "start-publicity 立即开始公示"))
@click.option("--allow-change", is_flag=True, help=N_("允许业主在截止前修改一次意见"))
@click.option("--emergency", is_flag=True, help=N_("紧急情况（可缩短公示期）"))
@click.option("--schedule", is_flag=True,
              help=N_("现在就确认于 --publicity-start 自动开始公示（不加此项，草稿等待 "
                      "start-publicity 或 schedule-publicity）"))
@domain_errors
def create(community, title, description, matter, scope, budget, items, docs, voting_start,
           voting_end, publicity_start, allow_change, emergency, schedule):
    from votes.services.proposal_create import DocumentUpload, ProposalDraft, create_proposal

    draft = ProposalDraft(
        community=community, title=title, description=description, matter=matter, scope=scope,
        budget=budget, items=tuple(items), voting_start=voting_start, voting_end=voting_end,
        publicity_start=publicity_start, allow_change=allow_change, emergency=emergency,
        documents=tuple(DocumentUpload.from_path(d) for d in docs))
    click.echo(create_proposal(draft, schedule=schedule).id)


@proposal_cli.command("edit", help=N_("修改草稿（只能修改草稿；已确认的公示计划须重新确认）。只改给出的项。"))
@click.argument("proposal")
@click.option("--title", help=N_("标题"))
@click.option("--description", help=N_("说明"))
@click.option("--matter", help=MATTER_HELP)
@click.option("--scope", help=SCOPE_HELP)
@click.option("--budget", help=N_("预算（元），例如 356000.00"))
@click.option("--item", "items", multiple=True,
              help=N_("维修项目“名称:金额”（可重复）：取代原有的全部项目"))
@click.option("--doc", "docs", multiple=True, type=click.Path(dir_okay=False),
              help=N_("再添加一个附件文件（可重复）"))
@click.option("--remove-doc", "remove_docs", multiple=True, type=int,
              help=N_("删除这个位置（0、1……）的附件（可重复）"))
@click.option("--voting-start", help=N_("表决开始时间，ISO 格式，例如 2025-06-01T09:00（不带时区的按北京时间）"))
@click.option("--voting-end", help=N_("表决结束时间，ISO 格式（不带时区的按北京时间）"))
@click.option("--publicity-start", help=N_("计划的公示开始时间，ISO 格式（不带时区的按北京时间）"))
@click.option("--allow-change/--no-allow-change", default=None,
              help=N_("是否允许业主在截止前修改一次意见"))
@click.option("--emergency/--no-emergency", default=None,
              help=N_("是否为紧急情况（可缩短公示期）"))
@domain_errors
def edit(proposal, docs, remove_docs, items, **changes):
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


@proposal_cli.command("delete", help=N_("删除从未公示过的草稿（记入审计日志）。"))
@click.argument("proposal")
@click.option("--yes", is_flag=True, help=N_("不再询问，直接删除"))
@domain_errors
def delete(proposal, yes):
    from votes.services.proposal_drafts import delete_draft

    if not yes:
        click.confirm(_("删除草稿 %(id)s？", id=proposal), abort=True)
    delete_draft(proposal)
    click.echo(_("已删除草稿 %(id)s", id=proposal))


@proposal_cli.command("withdraw", help=N_("撤回公示中的表决事项：不再表决，也没有表决结果。"))
@click.argument("proposal")
@click.option("--reason", required=True, help=N_("撤回原因（在公示栏公开）"))
@domain_errors
def withdraw(proposal, reason):
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


_move("start-publicity", "start_publicity", N_("立即开始公示，并冻结表决名册。"),
      lambda p: _("正在冻结表决名册并开始公示（事项 %(p)s）…", p=p))
_move("schedule-publicity", "schedule_publicity",
      N_("确认草稿计划的公示开始时间：到时自动开始公示。"))
_move("open", "open_voting", N_("开始表决（在表决开始时间或之后）。"))
_move("close", "close_voting", N_("结束表决并计票（在表决结束时间之后，或全体业主都已表决时）。"),
      lambda p: _("正在结束表决并计票（事项 %(p)s）…", p=p))
_move("publish-result", "publish_result", N_("公布已结束的表决的结果。"))


@proposal_cli.command("show", help=N_("表决事项的状态、参与情况和计票结果。"))
@click.argument("proposal")
@click.option("--json", "as_json", is_flag=True,
              help=N_("输出一个 JSON 对象（面积以 0.01 m² 为单位）"))
@domain_errors
def show(proposal: str, as_json: bool) -> None:
    from votes.services.figures import proposal_figures
    from votes.services.labels import matter_label, scope_label, state_label, threshold_label

    f = proposal_figures(proposal)
    if f.tally is None and f.proposal.state == "voting":
        from votes.services.procedure.common import checked

        # The turnout is counted from the ballots table, which stands for the chain only
        # while the chain is as written: of a chain damaged in the database, no figure
        # (tally.ResultUnshown, in the office's words by domain_errors), as the committee's
        # and the regulator's pages say in its place.
        checked(f.proposal, _("不能显示表决进度"))
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
        # What its applicant acknowledged, as the board and the staff pages say it.
        for f in facts["failed_before"]:
            click.echo(_("公布时本小区范围重叠的表决正在进行：%(title)s", title=f.title) if f.running
                       else _("本小区 %(n)s 个月内曾表决未通过：%(title)s", n=f.months,
                              title=f.title))
        split = facts["split_before"]
        if split is not None:
            from votes.core.numbers import format_yuan
            from votes.services.clock import local_text

            for u in split.uses:
                click.echo(_("公布前 12 个月内本小区范围重叠的应急使用：%(title)s（%(date)s 公布，"
                             "预算 %(budget)s 元）", title=u.title,
                             date=local_text(u.opened_at, "%Y-%m-%d"),
                             budget=format_yuan(u.budget)))
            click.echo(_("连同本次合计 %(total)s 元，超过公布时的应急使用预算上限 %(cap)s 元；"
                         "申请人已确认知晓上述应急使用。", total=format_yuan(split.total),
                         cap=format_yuan(split.cap)))
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


@ballots_cli.command("import", help=N_("从 CSV 文件录入纸质/委托表决票：全部录入，或一张也不录入。"))
@click.argument("proposal")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--evidence-dir", default=None, type=click.Path(file_okay=False),
              help=N_("存放 evidence 列所列扫描件的文件夹（默认为 CSV 文件所在的文件夹）；"
                      "不读取此文件夹以外的文件"))
@domain_errors
def ballots_import(proposal: str, file: str, evidence_dir: str | None) -> None:
    from votes.services.paper_ballots import import_paper_ballots

    ballots = import_paper_ballots(proposal, file, evidence_dir=evidence_dir)
    click.echo(_("已录入 %(n)s 张选票", n=len(ballots)))
    for b in ballots:
        click.echo(f"  #{b.seq} {b.receipt}")


CHOICE_HELP = N_("意见：agree（同意）| disagree（反对）| abstain（弃权）")


@ballots_cli.command("transfer", help=N_(
    "表决期间过户的房屋：录入新业主的选票，代替原业主表决（取代原业主已投的选票，包括网上表决）；"
    "新业主委托他人表决的，用 --proxy-* 各项。"))
@click.argument("proposal")
@click.option("--building", required=True, help=N_("楼栋"))
@click.option("--entrance", default="", help=N_("单元"))
@click.option("--room", required=True, help=N_("房号"))
@click.option("--choice", required=True, help=CHOICE_HELP)
@click.option("--buyer-name", required=True, help=N_("新业主姓名（加密保存）"))
@click.option("--buyer-id", required=True, help=N_("新业主证件号码（加密保存）"))
@click.option("--transfer-evidence", required=True, type=click.Path(dir_okay=False),
              help=N_("过户证明（不动产权证书、网签合同等）的扫描件"))
@click.option("--form", "ballot_form", required=True, type=click.Path(dir_okay=False),
              help=N_("新业主签字的表决票扫描件"))
@click.option("--entered-by", required=True, help=N_("录入的工作人员"))
@click.option("--proxy-name", default=None,
              help=N_("新业主委托他人表决的：受托人姓名（加密保存）"))
@click.option("--proxy-id", default=None, help=N_("受托人证件号码（加密保存）"))
@click.option("--proxy-id-type", default=None,
              help=N_("受托人证件类型：居民身份证（默认）、港澳居民来往内地通行证、"
                      "台湾居民来往大陆通行证、护照 或 外国人永久居留身份证"))
@click.option("--authorisation", default=None, type=click.Path(dir_okay=False),
              help=N_("新业主的书面授权委托书扫描件"))
@click.option("--proxy-company-staff", type=click.Choice(["yes", "no"]), default=None,
              help=N_("受托人是否为物业服务企业工作人员（按申报）"))
@domain_errors
def ballots_transfer(proposal, building, entrance, room, choice, buyer_name, buyer_id,
                     transfer_evidence, ballot_form, entered_by, proxy_name, proxy_id,
                     proxy_id_type, authorisation, proxy_company_staff) -> None:
    from votes.core.local_rules import Procedure
    from votes.i18n import _
    from votes.services.errors import DomainError
    from votes.services.lifecycle import get_proposal
    from votes.services.proxies import parse_proxy
    from votes.services.transfers import TransferEntry, enter_transfer

    found = get_proposal(proposal)
    proxy = None
    if any(v is not None for v in (proxy_name, proxy_id, proxy_id_type, authorisation,
                                   proxy_company_staff)):
        problems: list[str] = []
        proxy = parse_proxy({"proxy_name": proxy_name, "proxy_id": proxy_id,
                             "proxy_id_type": proxy_id_type,
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


@keys_cli.command("generate", help=N_("生成新的 Ed25519 签名密钥；旧密钥仍可用于验证。"))
@with_appcontext
@domain_errors
def keys_generate() -> None:
    from votes.services.keys import generate_key

    click.echo(generate_key())


@keys_cli.command("list", help=N_(
    "列出每个密钥的编号、SHA-256 指纹（供 votes verify --fingerprint 使用），以及当前签名用哪一个。"))
@with_appcontext
@domain_errors
def keys_list() -> None:
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


OUTPUT_HELP = N_("输出文件")


@click.command("export", help=N_("写出表决事项的已签名导出包（ZIP）。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@with_appcontext
@domain_errors
def export(proposal: str, output: str) -> None:
    from votes.services.export import export_bundle

    head = export_bundle(proposal, output,
                         doing=lambda p: click.echo(_("正在导出事项 %(p)s 的记录 …", p=p), err=True))
    echo(_("已导出 %(file)s，链头 %(head)s", file=output, head=head))


@click.command("tick", help=N_(
    "推进所有到时间的表决事项（由 cron 定时运行，无需其他调度程序）。"))
@with_appcontext
@domain_errors
def tick() -> None:
    from votes.services.sms_codes import sweep_phone_counts
    from votes.services.labels import state_label
    from votes.services.lifecycle import journal_name, tick as run_tick
    from votes.services.lobby import sweep as sweep_lobby
    from votes.services.roll_upload import sweep_expired
    from votes.services.signin_devices import sweep as sweep_devices
    from votes.services.signin_pauses import record as record_pauses
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
        record_pauses()  # before the sweep, though the sweep takes only rows a day old
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


BUILDING_HELP = N_("只要这一栋楼的，楼栋按业委会页面的写法（如 3号楼）或名册的写法（如 3栋）")


@click.command("notices", help=N_("写出可打印的表决通知（A4 PDF，每位表决人一份，带二维码）。"))
@click.argument("proposal")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help=OUTPUT_HELP)
@click.option("--building", default=None, help=BUILDING_HELP)
@with_appcontext
@domain_errors
def notices(proposal: str, output: str, building: str | None) -> None:
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
