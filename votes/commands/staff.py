from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors, said
from votes.i18n import _, lazy

users_cli = AppGroup("users", help="Staff accounts (工作人员账号).")


@users_cli.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["admin", "committee", "regulator"]))
@click.option("--name", default="")
@click.option("--community", "communities", multiple=True, help="Community code (committee)")
@click.option("--jurisdiction", default=None, help="District code (regulator)")
@click.option("--password", prompt=lazy("密码"), hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; asked for when not given")
@click.option("--no-must-change", "keep", is_flag=True,
              help="Do not make the member replace this password at the first sign-in "
                   "(for automation that signs in with it); by default they must, as "
                   "whoever typed or generated it knows it.")
@domain_errors
def create(login, role, name, communities, jurisdiction, password, keep):
    """Create a staff account; its member must change the password at the first sign-in."""
    from votes.services.staff import create_user

    user = create_user(login, password, role, name=name, communities=tuple(communities),
                       jurisdiction=jurisdiction, must_change=not keep)
    from votes.services.labels import role_label

    click.echo(_("已创建账号 %(login)s（%(role)s）", login=user.login, role=role_label(user.role)))
    if user.must_change_password:
        click.echo(_("该账号首次登录时必须修改密码：请把密码交给本人，由本人登录后设置自己的密码。"))


@users_cli.command("list")
@domain_errors
def list_users():
    """Every account: login, role, what it sees (a regulator's district code; a committee
    member's communities by code, with the name when short) and whether it is active."""
    from votes.services.staff import all_users, visible_communities

    for u in all_users():
        scope = ", ".join(_community_label(c) for c in visible_communities(u)) \
            if u.role == "committee" else u.jurisdiction
        click.echo(f"{u.login}\t{u.role}\t{scope or '-'}\t"
                   f"{'active' if u.active else 'disabled'}")


NAME_SHOWN = 16  # characters of a community's name the list gives; a longer one is cut


def _community_label(community) -> str:
    # Codes are what the operator types (--community) and the pages show; the ids were
    # the database's own. One line per account: the name's whitespace is made spaces.
    name = " ".join((community.name or "").split())
    if len(name) > NAME_SHOWN:
        name = name[:NAME_SHOWN] + "…"
    return f"{community.code} {name}".rstrip()


@users_cli.command("unpause")
@click.argument("login")
@domain_errors
def unpause(login):
    """Clear a login name's failed sign-ins, ending its pause now (audited)."""
    from votes.services import clock
    from votes.services.staff import unpause as unpause_name

    cleared = unpause_name(login)
    if cleared is None:
        click.echo(said(_("登录名 %(login)s 没有登录失败记录，无需解除。", login=login.strip())))
    elif cleared[1] is None:
        click.echo(_("已清除 %(login)s 的登录失败次数（未在暂停中）。", login=cleared[0]))
    else:
        click.echo(_("已解除 %(login)s 的登录暂停（原定暂停至 %(time)s，北京时间）。",
                     login=cleared[0], time=clock.local_text(cleared[1], "%H:%M:%S")))


def _change(login: str, **change):
    from votes.services.staff import change_user

    return change_user(login, actor="cli", **change)


@users_cli.command("disable")
@click.argument("login")
@domain_errors
def disable(login):
    """Disable an account: it cannot sign in, and its sessions end now (audited)."""
    user = _change(login, active=False)
    click.echo(_("已停用账号 %(login)s，其登录已全部退出。", login=user.login))


@users_cli.command("enable")
@click.argument("login")
@domain_errors
def enable(login):
    """Enable a disabled account again (audited)."""
    user = _change(login, active=True)
    click.echo(_("已启用账号 %(login)s。", login=user.login))


@users_cli.command("reset-password")
@click.argument("login")
@domain_errors
def reset_password(login):
    """Give an account a new generated password, printed once here; its sessions end and
    its member must change it at the next sign-in (audited)."""
    from votes.services.staff import generated_password

    password = generated_password(login.strip())
    user = _change(login, password=password)
    click.echo(_("已重设 %(login)s 的密码，其登录已全部退出。", login=user.login))
    click.echo(_("新密码（只显示这一次）： %(password)s", password=password))
    click.echo(_("该账号首次登录时必须修改密码：请把密码交给本人，由本人登录后设置自己的密码。"))
