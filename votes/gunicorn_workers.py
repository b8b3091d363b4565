"""How many processes serve the app: the one count that config/gunicorn.conf.py starts and
`votes doctor` checks against (in-memory rate limits hold in one process only). Read from
the environment alone, as the config reads it, so the two cannot disagree; a count given
to gunicorn another way (-w, GUNICORN_CMD_ARGS) is one doctor cannot see (docs/deploy.md)."""

from __future__ import annotations

import os

SETTING = "VOTES_GUNICORN_WORKERS"
DEFAULT = 4


def env_number(name: str, default: int) -> int:
    """As the app's own settings (docs/deploy.md): empty keeps the default (a line of
    votes.env left blank), anything but digits is a ValueError naming the setting."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def workers() -> int:
    """The gunicorn workers this host starts (WEB_CONCURRENCY is not read: the config's
    own setting overrides it in gunicorn)."""
    return env_number(SETTING, DEFAULT)
