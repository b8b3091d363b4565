"""`votes doctor`: check a deployment before it serves owners."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from votes.i18n import _


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check this deployment's settings, keys, database and Redis; exit 1 on any problem."""
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
