"""Keep voting-link tokens and cookies out of logs: both are credentials.

Werkzeug's access log passes its values as a tuple, gunicorn's as one dict of "atoms"
(request line, path, headers as ``{name}i``, environ as ``{name}e``); both are masked in
place so each server's own formatting still works."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

MASK = "/v/***"
# The path segment after /v/, also when a referer or query string carries it URL-encoded.
_TOKEN = re.compile(r"(?:/|%2[fF])v(?:/|%2[fF])[A-Za-z0-9_~.=-]{8,}")
# Atoms never written at all, whatever access-log format an operator configures.
_SECRET_ATOM = re.compile(r"cookie|authorization|csrf", re.IGNORECASE)


def mask(text: str) -> str:
    return _TOKEN.sub(MASK, text)


def scrub_atoms(atoms: MutableMapping) -> MutableMapping:
    """Mask tokens in, and blank cookie and authorization atoms of, a gunicorn atom dict."""
    for key in list(atoms.keys()):
        value = atoms[key]
        if isinstance(key, str) and _SECRET_ATOM.search(key):
            atoms[key] = "-"
        elif isinstance(value, str):
            atoms[key] = mask(value)
    return atoms


def _scrub_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    args = record.args
    if isinstance(args, MutableMapping):
        scrub_atoms(args)
    elif isinstance(args, tuple):
        record.args = tuple(mask(a) if isinstance(a, str) else a for a in args)
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)


class TokenFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            _scrub_record(record)
        except Exception:  # noqa: BLE001  (a log line must never leak through an error path)
            record.msg, record.args = "log record dropped: it could not be masked", None
            record.exc_info = record.exc_text = None
        return True


# "votes" is the app logger: Flask logs "Exception on <path>" there on a 500.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "votes")


def install() -> None:
    """Attach the filter to the access and error loggers of werkzeug and gunicorn (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(TokenFilter())
