"""`votes doctor`: check a deployment before it serves owners."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from votes.i18n import N_, _


@click.command("doctor", help=N_(
    "检查本部署的设置、密钥、数据库和 Redis；有任何问题时退出状态为 1。"))
@with_appcontext
def doctor() -> None:
    from votes.services.doctor import run_checks

    checks = run_checks(current_app)
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    if failed:
        click.echo(_("部署检查未通过：%(n)s 项问题", n=len(failed)), err=True)
        sys.exit(1)
    warned = sum(c.warning for c in checks)
    if warned:
        click.echo(_("部署检查通过（另有 %(n)s 项提醒，见上）", n=warned))
    else:
        click.echo(_("部署检查通过"))
