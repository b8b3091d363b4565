"""Database migrations as `votes init` and `votes db upgrade|downgrade` say them: a line in
the operator's language for each migration applied, not Alembic's English log (some thirty
"INFO  [alembic.runtime.migration] Running upgrade …" lines on a fresh database); the other
`votes db` commands (current, history, check…) print their answer without Alembic's two
English lines before it. The log is still there on request: `votes init --log`, or
VOTES_MIGRATIONS_LOG=1 for any of them."""

from __future__ import annotations

import contextlib
import functools
import os

import click

LOG_VARIABLE = "VOTES_MIGRATIONS_LOG"


def log_asked() -> bool:
    """Whether the environment asks for Alembic's own log (VOTES_MIGRATIONS_LOG=1)."""
    return os.environ.get(LOG_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def step_said(step) -> None:
    """One migration applied (alembic's MigrationInfo), on a line of its own. Called inside
    the upgrade: a line that cannot be written (`votes init | head -3`, a closed terminal)
    must not stop it between a migration's DDL and its version (SQLite commits the DDL)."""
    from votes.i18n import _

    if step.is_stamp:
        return
    if step.is_upgrade:
        line = _("已升级到 %(revision)s", revision=step.up_revision_id)
    else:
        line = _("已退回到 %(revision)s", revision=", ".join(step.down_revision_ids) or "base")
    try:
        click.echo("  " + line)
    except OSError:
        pass


@contextlib.contextmanager
def progress_said(app, log: bool = False):
    """Inside: migrations/env.py reports each migration by step_said, Alembic's log quiet;
    with log, Alembic's log as it is."""
    if log:
        yield
        return
    app.config["MIGRATIONS_PROGRESS"] = step_said
    try:
        yield
    finally:
        app.config.pop("MIGRATIONS_PROGRESS", None)


@contextlib.contextmanager
def quiet(app):
    """Inside: migrations/env.py leaves Alembic's log out (`votes demo`, and `votes db`'s
    commands that apply no migration); outside, as it was."""
    before = app.config.get("MIGRATIONS_QUIET")
    app.config["MIGRATIONS_QUIET"] = True
    try:
        yield
    finally:
        app.config["MIGRATIONS_QUIET"] = before


def with_progress(invoke):
    """A Flask-Migrate command's invoke (`votes db upgrade`, `downgrade`) saying its
    migrations by step_said, unless VOTES_MIGRATIONS_LOG asks for Alembic's log."""
    @functools.wraps(invoke)
    def said(ctx: click.Context):
        from flask import current_app

        with progress_said(current_app._get_current_object(), log=log_asked()):
            return invoke(ctx)

    return said


def without_log(invoke):
    """A Flask-Migrate command's invoke that applies no migration (`votes db current`,
    `history`, `check`…) printing its answer alone, unless VOTES_MIGRATIONS_LOG asks for
    Alembic's log."""
    @functools.wraps(invoke)
    def said(ctx: click.Context):
        from flask import current_app

        if log_asked():
            return invoke(ctx)
        with quiet(current_app._get_current_object()):
            return invoke(ctx)

    return said
