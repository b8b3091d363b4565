from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors
from votes.core.numbers import format_area

community_cli = AppGroup("community", help="Register and list communities (小区).")
roll_cli = AppGroup("roll", help="Import and inspect a community's owner roll (业主名册).")


@community_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Community name, e.g. 阳光花园")
@click.option("--jurisdiction", default=None, help="District code of the regulator")
@domain_errors
def community_create(code: str, name: str, jurisdiction: str | None) -> None:
    from votes.services.communities import create_community

    community = create_community(code, name, jurisdiction)
    click.echo(f"已创建小区 {community.code} {community.name} (community created)")


@community_cli.command("list")
def community_list() -> None:
    from votes.services.communities import list_communities

    for c in list_communities():
        click.echo(f"{c.code}\t{c.name}\t{c.jurisdiction or '-'}")


@community_cli.command("rules")
@click.argument("code")
@click.option("--matter", default="use_fund", show_default=True)
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="quorum_area, quorum_headcount, approval_area, approval_headcount "
                   "(e.g. '>=2/3'), approval_base (participating|total), publicity_days, "
                   "objection_days (0-30, 0 = none), follow_majority (off|quorum|full); "
                   "for every matter: proxy_limit (N or none), proxy_staff_barred (on|off), "
                   "excluded_kinds (parking,storeroom or none)")
@domain_errors
def community_rules(code: str, matter: str, settings: tuple[str, ...]) -> None:
    """Show or tighten a community's rules of procedure (never below the Civil Code)."""
    from votes.core.local_rules import Procedure
    from votes.core.rules import Matter, community_rules as effective
    from votes.services.communities import procedure_summary
    from votes.services.communities import get_community, parse_settings, set_rules

    pairs = parse_settings(settings)
    rules = set_rules(code, matter, pairs) if pairs else (get_community(code).rules or {})
    current = effective(Matter(matter), rules.get(matter))
    click.echo(f"{code} {matter}: quorum {current.quorum_area} area, "
               f"{current.quorum_headcount} headcount; approval {current.approval_area} area, "
               f"{current.approval_headcount} headcount of {current.approval_base}; "
               f"publicity at least {rules.get('publicity_days', 7)} days; "
               f"objection period {rules.get('objection_days', 0)} days; "
               f"follow the majority (从多) {rules.get('follow_majority', 'off')}")
    click.echo(procedure_summary(Procedure.from_rules(rules)))


@community_cli.command("contact")
@click.argument("code")
@click.option("--committee", default=None, help="Name printed on notices, e.g. 阳光花园业主委员会")
@click.option("--phone", default=None, help="Contact phone printed on notices")
@domain_errors
def community_contact(code: str, committee: str | None, phone: str | None) -> None:
    """Show or set the committee name and contact phone printed on notices ('' clears)."""
    from votes.services.communities import get_community, set_contact

    if committee is None and phone is None:
        community = get_community(code)
    else:
        community = set_contact(code, committee, phone)
    click.echo(f"{community.code}\t{community.committee_name or '-'}\t"
               f"{community.contact_phone or '-'}")


@roll_cli.command("import")
@click.option("--community", "community_code", required=True, help="Community code")
@click.option("--replace", is_flag=True, help="Replace the community's existing roll")
@click.argument("file", type=click.Path(dir_okay=False))
@domain_errors
def roll_import(community_code: str, replace: bool, file: str) -> None:
    """Import an owner roll from CSV or XLSX: every row or none."""
    from votes.services.roll_import import import_roll

    result = import_roll(community_code, file, replace=replace)
    verb = "已替换" if result.replaced else "已导入"
    click.echo(f"{verb}业主名册：{result.units} 套房屋，{result.owners} 位业主 "
               f"({'replaced' if result.replaced else 'imported'} {result.units} units, "
               f"{result.owners} owners)")


@roll_cli.command("show")
@click.option("--community", "community_code", required=True, help="Community code")
@click.option("--units", "list_units", is_flag=True,
              help="Also list every unit: area, its basis, voter, owners (masked)")
@domain_errors
def roll_show(community_code: str, list_units: bool) -> None:
    """Print the counts the law uses: units, total area, voters (headcount)."""
    from votes.services.roll import roll_summary, unit_lines

    s = roll_summary(community_code)
    click.echo(f"小区 Community: {s.community.code} {s.community.name}")
    click.echo(f"房屋 Units: {s.units}")
    click.echo(f"专有部分总面积 Total area: {format_area(s.total_area)} m²")
    click.echo(f"业主人数 Voters (headcount): {s.headcount}")
    click.echo(f"业主 Owners on the roll: {s.owners}")
    click.echo(f"开发建设单位房屋 Developer units (one voter together): {s.developer_units}")
    click.echo("面积依据 Area basis:")
    for basis, count in s.by_basis.items():
        click.echo(f"  {basis.label_zh} {basis.value}: {count}")
    if list_units:
        click.echo("房屋 Unit\t面积 Area m²\t依据 Basis\t业主人 Voter\t业主 Owners")
        for line in unit_lines(s.community):
            click.echo("\t".join(line))
