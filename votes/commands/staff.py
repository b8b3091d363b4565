from __future__ import annotations

import click
from flask.cli import AppGroup

from votes.commands import domain_errors, said
from votes.i18n import N_, _, lazy

users_cli = AppGroup("users", help=N_("工作人员账号。"))


@users_cli.command("create", help=N_(
    "创建工作人员账号，LOGIN 为登录名；账号本人首次登录时必须修改密码。"))
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["admin", "committee", "regulator"]),
              help=N_("角色：admin（管理员）| committee（业委会）| regulator（监管部门）"))
@click.option("--name", default="", help=N_("姓名"))
@click.option("--community", "communities", multiple=True,
              help=N_("小区编码（业委会，可重复）"))
@click.option("--jurisdiction", default=None, help=N_("辖区编码（监管）"))
@click.option("--password", prompt=lazy("密码"), hide_input=True, confirmation_prompt=True,
              help=N_("至少 10 个字符；不给出时提示输入"))
@click.option("--no-must-change", "keep", is_flag=True,
              help=N_("不要求本人首次登录时更换此密码（供用此密码登录的自动化程序使用）；默认必须更换，"
                      "因为输入或生成密码的人也知道它。"))
@domain_errors
def create(login, role, name, communities, jurisdiction, password, keep):
    from votes.services.staff import create_user

    user = create_user(login, password, role, name=name, communities=tuple(communities),
                       jurisdiction=jurisdiction, must_change=not keep)
    from votes.services.labels import role_label

    click.echo(_("已创建账号 %(login)s（%(role)s）", login=user.login, role=role_label(user.role)))
    if user.must_change_password:
        click.echo(_("该账号首次登录时必须修改密码：请把密码交给本人，由本人登录后设置自己的密码。"))


@users_cli.command("list", help=N_(
    "列出全部账号：登录名、角色、可见范围（监管部门的辖区编码；业委会成员的小区编码，名称不长时附名称）"
    "以及是否启用。"))
@domain_errors
def list_users():
    from votes.services.staff import all_users, visible_communities

    for u in all_users():
        scope = ", ".join(_community_label(c) for c in visible_communities(u)) \
            if u.role == "committee" else u.jurisdiction
        # The role stays the word --role takes; whether the account works is said.
        click.echo(f"{u.login}\t{u.role}\t{scope or '-'}\t"
                   f"{_('已启用') if u.active else _('已停用')}")


NAME_SHOWN = 16  # characters of a community's name the list gives; a longer one is cut


def _community_label(community) -> str:
    # Codes are what the operator types (--community) and the pages show; the ids were
    # the database's own. One line per account: the name's whitespace is made spaces.
    name = " ".join((community.name or "").split())
    if len(name) > NAME_SHOWN:
        name = name[:NAME_SHOWN] + "…"
    return f"{community.code} {name}".rstrip()


@users_cli.command("unpause", help=N_("清除登录名的登录失败记录，立即解除登录暂停（记入审计日志）。"))
@click.argument("login")
@domain_errors
def unpause(login):
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


@users_cli.command("disable", help=N_("停用账号：不能再登录，其登录立即全部退出（记入审计日志）。"))
@click.argument("login")
@domain_errors
def disable(login):
    user = _change(login, active=False)
    click.echo(_("已停用账号 %(login)s，其登录已全部退出。", login=user.login))


@users_cli.command("enable", help=N_("重新启用已停用的账号（记入审计日志）。"))
@click.argument("login")
@domain_errors
def enable(login):
    user = _change(login, active=True)
    click.echo(_("已启用账号 %(login)s。", login=user.login))


@users_cli.command("reset-password", help=N_(
    "给账号生成新密码，只在此显示一次；其登录全部退出，本人下次登录时必须修改密码（记入审计日志）。"))
@click.argument("login")
@domain_errors
def reset_password(login):
    from votes.services.staff import generated_password

    password = generated_password(login.strip())
    user = _change(login, password=password)
    click.echo(_("已重设 %(login)s 的密码，其登录已全部退出。", login=user.login))
    click.echo(_("新密码（只显示这一次）：%(password)s", password=password))
    click.echo(_("该账号首次登录时必须修改密码：请把密码交给本人，由本人登录后设置自己的密码。"))
