from __future__ import annotations

import logging

from flask import current_app

from votes.paths import MIGRATIONS_DIR

# PostgreSQL's advisory lock that migrations hold in their transaction (migrations/env.py).
MIGRATION_LOCK = 0x766F746573  # "votes"


def revisions() -> tuple[set[str], set[str], set[str]]:
    """The database's revisions, this code's heads, and the database's revisions this code
    does not know (a newer release migrated it, and the code was put back since)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from votes.extensions import db

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    known = {s.revision for s in script.walk_revisions()}
    return current, set(script.get_heads()), current - known


def upgrade_database() -> None:
    """Run Alembic migrations up to head; running it again changes nothing."""
    from flask_migrate import upgrade

    from votes.i18n import _
    from votes.services.errors import DomainError

    with current_app.app_context():
        newer = revisions()[2]
        if newer:
            # Alembic's own "Can't locate revision" tells the operator nothing they can do.
            raise DomainError(_("数据库结构比本程序新（%(revisions)s），请安装升级数据库的那个"
                                "版本，不要用本版本运行 votes init",
                                revisions=", ".join(sorted(newer))))
        upgrade(directory=str(MIGRATIONS_DIR))
    # Alembic's fileConfig would otherwise silence the app's loggers afterwards.
    logging.getLogger("votes").disabled = False
