from __future__ import annotations

import logging

from flask import current_app

from votes.paths import MIGRATIONS_DIR

# PostgreSQL's advisory lock that migrations hold in their transaction (migrations/env.py).
MIGRATION_LOCK = 0x766F746573  # "votes"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout


def _script():
    """This code's migrations (Alembic's script directory), read from migrations/."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def revisions(script=None) -> tuple[set[str], set[str], set[str]]:
    """The database's revisions, this code's heads, and the database's revisions this code
    does not know (a newer release migrated it, and the code was put back since)."""
    from alembic.runtime.migration import MigrationContext

    from votes.extensions import db

    script = script or _script()
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    known = {s.revision for s in script.walk_revisions()}
    return current, set(script.get_heads()), current - known


def pending_revisions() -> tuple[set[str], list[str]]:
    """The database's revisions, and the revisions an upgrade to this code's heads would
    apply (oldest first): `votes init` says how many before it starts."""
    script = _script()  # read once for both
    current, _heads, unknown = revisions(script)
    if unknown:  # a database newer than this code: upgrade_database says so, nothing pending
        return current, []
    done = {s.revision for s in script.iterate_revisions(tuple(current), "base")} \
        if current else set()
    return current, [s.revision for s in script.walk_revisions() if s.revision not in done][::-1]


def missing_schema(err: Exception) -> bool:
    """A database error saying a table or column this code uses is not there: a database
    not created yet, or one behind the code (`votes init` not run since the upgrade)."""
    orig = getattr(err, "orig", None)
    text = str(orig if orig is not None else err)
    return any(words in text for words in ("no such table", "no such column")) or \
        getattr(orig, "sqlstate", None) in ("42P01", "42703")


def database_problem(err: Exception) -> str | None:
    """What an operator is to do about a database error of the environment (not created
    or behind the code, unreachable, a lost connection, a lock timeout), or None for any
    other (a fault, whose traceback is wanted)."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    from votes.i18n import _

    orig = getattr(err, "orig", None)
    text = str(orig if orig is not None else err).strip()
    # A table or a column of a newer schema missing (new code, `votes init` not run yet).
    if missing_schema(err):
        return _("数据库尚未建立或不是最新结构，请先运行 votes init")
    # SQLite's own DatabaseError (not one of its kinds, as IntegrityError) is a file that
    # is not a database, or a damaged one: the file the URL names is the mistake.
    if isinstance(err, OperationalError) or (
            isinstance(err, DatabaseError) and type(orig).__name__ == "DatabaseError"
            and type(orig).__module__ == "sqlite3"):
        reason = text.splitlines()[0][:200] if text else type(err).__name__
        return _("无法访问数据库：%(reason)s（可运行 votes doctor 检查部署）", reason=reason)
    return None


def behind_code() -> bool:
    """Whether the database is at a revision older than this code's head (not a newer one,
    and not unreachable: both are other faults)."""
    try:
        current, heads, newer = revisions()
    except Exception:  # noqa: BLE001  (the page then stays the generic error)
        return False
    return not newer and current != heads


def upgrade_database() -> None:
    """Run Alembic migrations up to head; running it again changes nothing."""
    from flask_migrate import upgrade
    from sqlalchemy.exc import OperationalError

    from votes.i18n import _
    from votes.services.errors import DomainError

    with current_app.app_context():
        newer = revisions()[2]
        if newer:
            # Alembic's own "Can't locate revision" tells the operator nothing they can do.
            raise DomainError(_("数据库结构比本程序新（%(revisions)s），请安装升级数据库的那个"
                                "版本，不要用本版本运行 votes init",
                                revisions=", ".join(sorted(newer))))
        try:
            upgrade(directory=str(MIGRATIONS_DIR))
        except OperationalError as err:
            if getattr(err.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            # The whole upgrade is one transaction, rolled back: nothing is half-applied.
            raise DomainError(_(
                "数据库升级已放弃：语句 %(statement)s 等待锁超过 %(seconds)s 秒，数据库结构未作"
                "任何改动。占用数据表的是其他连接中未结束的事务：%(blockers)s。请在业务空闲时"
                "（没有长时间运行的查询、报表或备份时）重新运行 votes init；等待时间可用 "
                "VOTES_MIGRATION_LOCK_TIMEOUT_SECONDS 调整",
                statement=_first_line(err.statement),
                seconds=current_app.config["MIGRATION_LOCK_TIMEOUT_SECONDS"],
                blockers="；".join(_open_transactions()) or "-")) from None
        finally:
            # Alembic's fileConfig would otherwise silence the app's loggers afterwards.
            logging.getLogger("votes").disabled = False


def _first_line(sql: str | None, limit: int = 120) -> str:
    line = " ".join((sql or "").split())
    return line if len(line) <= limit else line[:limit] + "…"


def _open_transactions() -> list[str]:
    """The other sessions in a transaction on this database, oldest first: the lock the
    upgrade waited for is gone with it, and these are what held (or queued for) it."""
    from sqlalchemy import text

    from votes.extensions import db

    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT pid, state, extract(epoch FROM now() - xact_start)::int, query "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
            "ORDER BY xact_start LIMIT 5")).all()
    return [f"pid {pid} ({state}, {age} s): {_first_line(query, 80)}"
            for pid, state, age, query in rows]
