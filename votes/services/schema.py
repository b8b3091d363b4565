from __future__ import annotations

import logging

from flask import current_app

from votes.paths import MIGRATIONS_DIR


def upgrade_database() -> None:
    """Run Alembic migrations up to head; running it again changes nothing."""
    from flask_migrate import upgrade

    with current_app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
    # Alembic's fileConfig would otherwise silence the app's loggers afterwards.
    logging.getLogger("votes").disabled = False
