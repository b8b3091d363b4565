from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors
from votes.i18n import _

users_cli = AppGroup("users", help="Staff accounts (工作人员账号).")


@users_cli.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["admin", "committee", "regulator"]))
@click.option("--name", default="")
@click.option("--community", "communities", multiple=True, help="Community code (committee)")
@click.option("--jurisdiction", default=None, help="District code (regulator)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; asked for when not given")
@domain_errors
def create(login, role, name, communities, jurisdiction, password):
    """Create a staff account."""
    from votes.services.staff import create_user

    user = create_user(login, password, role, name=name, communities=tuple(communities),
                       jurisdiction=jurisdiction)
    from votes.services.labels import role_label

    click.echo(_("已创建账号 %(login)s（%(role)s）", login=user.login, role=role_label(user.role)))


@users_cli.command("list")
def list_users():
    from votes.services.staff import all_users

    for u in all_users():
        scope = u.jurisdiction or ",".join(str(c.community_id) for c in u.communities) or "-"
        click.echo(f"{u.login}\t{u.role}\t{scope}\t{'active' if u.active else 'disabled'}")
