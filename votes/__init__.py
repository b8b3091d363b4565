"""votes: owner e-voting for residential special maintenance fund decisions.

Nothing is imported at package import time, so ``votes.core`` and ``votes.verify`` stay
usable without Flask or a database.
"""

from __future__ import annotations

from typing import Any


def create_app(test_config: dict[str, Any] | None = None):
    """Build the Flask application (see votes.app)."""
    from votes.app import create_app as _create_app

    return _create_app(test_config)
