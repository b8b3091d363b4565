from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors, echo
from votes.commands.proposal import MATTER_HELP
from votes.core.numbers import format_area_grouped
from votes.i18n import N_, _

community_cli = AppGroup("community", help=N_("小区：登记和列出小区，设置议事规则和联系方式。"))
roll_cli = AppGroup("roll", help=N_("业主名册：导入和查看。"))
COMMUNITY_HELP = N_("小区编码")


@community_cli.command("create", help=N_("登记小区，CODE 为小区编码。"))
@click.argument("code")
@click.option("--name", required=True, help=N_("小区名称，例如 阳光花园"))
@click.option("--jurisdiction", default=None, help=N_("监管部门的辖区编码"))
@domain_errors
def community_create(code: str, name: str, jurisdiction: str | None) -> None:
    from votes.services.communities import create_community

    community = create_community(code, name, jurisdiction)
    echo(_("已创建小区 %(code)s %(name)s", code=community.code, name=community.name))


@community_cli.command("list", help=N_("列出全部小区：编码、名称、辖区编码。"))
@domain_errors
def community_list() -> None:
    from votes.services.communities import list_communities

    for c in list_communities():
        click.echo(f"{c.code}\t{c.name}\t{c.jurisdiction or '-'}")


@community_cli.command("rules", help=N_("查看或收紧小区的议事规则（不得低于《民法典》的规定）。"))
@click.argument("code")
@click.option("--matter", default="use_fund", show_default=True, help=MATTER_HELP)
@click.option("--set", "settings", multiple=True, metavar=N_("名称=值"),
              help=N_("（可重复）该类表决事项的：quorum_area、quorum_headcount、approval_area、"
                      "approval_headcount（例如 '>=2/3'），approval_base（participating|total），"
                      "publicity_days，objection_days（0-30，0 为不设异议期），follow_majority"
                      "（off|quorum|full）；对所有表决事项类型适用的：proxy_limit（N 或 none），"
                      "proxy_staff_barred（on|off），excluded_kinds（parking,storeroom 或 none），"
                      "emergency_max_budget（元或 none：未经业主表决的应急使用最多可列支的预算）"))
@domain_errors
def community_rules(code: str, matter: str, settings: tuple[str, ...]) -> None:
    from votes.core.local_rules import Procedure
    from votes.core.rules import Matter, community_rules as effective
    from votes.services.communities import procedure_summary
    from votes.services.communities import get_community, parse_settings, set_rules
    from votes.services.errors import DomainError

    try:  # showing the rules of an unknown matter was Python's ValueError, not a message
        Matter(matter)
    except ValueError:
        raise DomainError(_("表决事项类型“%(matter)s”无效", matter=matter)) from None
    pairs = parse_settings(settings)
    rules = set_rules(code, matter, pairs) if pairs else (get_community(code).rules or {})
    from votes.services.labels import matter_label

    current = effective(Matter(matter), rules.get(matter))
    base = _("全体业主") if current.approval_base == "total" else _("参与表决的业主")
    click.echo(_("%(code)s %(matter)s：参与表决须专有面积 %(qa)s、人数 %(qh)s；同意须%(base)s"
                 "专有面积 %(aa)s、人数 %(ah)s；公示期至少 %(days)s 天", code=code,
                 matter=matter_label(matter), qa=str(current.quorum_area),
                 qh=str(current.quorum_headcount), base=base, aa=str(current.approval_area),
                 ah=str(current.approval_headcount), days=rules.get("publicity_days", 7)))
    click.echo(_("异议期 %(days)s 天；从多：%(mode)s", days=rules.get("objection_days", 0),
                 mode={"off": _("不采用"), "quorum": _("只计入参与"),
                       "full": _("计入参与并随多数意见")}.get(rules.get("follow_majority", "off"))))
    click.echo(procedure_summary(Procedure.from_rules(rules)))
    from votes.services.communities import emergency_cap_text

    click.echo(emergency_cap_text(rules))


@community_cli.command("contact", help=N_(
    "查看或设置印在通知上的业委会名称和联系电话（给 '' 为清除）。"))
@click.argument("code")
@click.option("--committee", default=None, help=N_("印在通知上的业委会名称，例如 阳光花园业主委员会"))
@click.option("--phone", default=None, help=N_("印在通知上的联系电话"))
@domain_errors
def community_contact(code: str, committee: str | None, phone: str | None) -> None:
    from votes.services.communities import get_community, set_contact

    if committee is None and phone is None:
        community = get_community(code)
    else:
        community = set_contact(code, committee, phone)
    echo(f"{community.code}\t{community.committee_name or '-'}\t"
         f"{community.contact_phone or '-'}")


@roll_cli.command("import", help=N_("从 CSV 或 XLSX 文件导入业主名册：全部导入，或一行也不导入。"))
@click.option("--community", "community_code", required=True, help=COMMUNITY_HELP)
@click.option("--replace", is_flag=True, help=N_("替换该小区现有的名册"))
@click.argument("file", type=click.Path(dir_okay=False))
@domain_errors
def roll_import(community_code: str, replace: bool, file: str) -> None:
    from votes.services.roll_import import (import_message, import_roll, landline_note,
                                            zero_deposit_warning)

    # A city's roll takes seconds to read and to write: each stage is said as it starts,
    # on stderr (stdout is the result alone).
    result = import_roll(community_code, file, replace=replace,
                         progress=lambda said: echo(said, err=True))
    click.echo(import_message(result))
    for said in (landline_note(result.landlines), zero_deposit_warning(result.zero_deposits)):
        if said:
            click.echo(said)


@roll_cli.command("show", help=N_(
    "显示法律规定计算用的数字：房屋户数、专有部分总面积、业主人数（表决人数）。"))
@click.option("--community", "community_code", required=True, help=COMMUNITY_HELP)
@click.option("--units", "list_units", is_flag=True,
              help=N_("同时列出每户房屋：面积、面积依据、表决人、业主（部分隐藏）"))
@domain_errors
def roll_show(community_code: str, list_units: bool) -> None:
    from votes.services.roll import roll_summary, unit_lines

    s = roll_summary(community_code)
    from votes.services.labels import basis_label

    click.echo(_("小区：%(code)s %(name)s", code=s.community.code, name=s.community.name))
    click.echo(_("房屋：%(n)s 户", n=s.units))
    click.echo(_("专有部分总面积：%(area)s m²", area=format_area_grouped(s.total_area)))
    click.echo(_("业主人数（表决人数）：%(n)s", n=s.headcount))
    click.echo(_("名册上的业主：%(n)s", n=s.owners))
    click.echo(_("开发建设单位的房屋（合计为一位业主）：%(n)s 户", n=s.developer_units))
    click.echo(_("面积依据："))
    for basis, count in s.by_basis.items():
        click.echo("  " + _("%(label)s：%(n)s", label=basis_label(basis.value), n=count))
    if list_units:
        click.echo("\t".join((_("房屋"), _("面积（m²）"), _("面积依据"), _("表决人"), _("业主"))))
        for line in unit_lines(s.community):
            click.echo("\t".join(line))
