"""Keep voting-link tokens, one-time codes and cookies (credentials) and phone and ID
numbers (personal data) out of logs.

Every record the process creates is masked as it is made (`install` wraps the log record
factory): a logger's filter runs only for records logged on that logger itself, never for
those its children pass up, and a handler's only for what reaches it, so filters on
"votes" left `votes.services.access` unmasked, and Python's last resort (a logger with no
handler) has none. Werkzeug's access log passes its values as a tuple, gunicorn's as one
dict of "atoms" (request line, path, headers as ``{name}i``, environ as ``{name}e``):
cookie atoms are blanked, then the message is formatted and masked as a whole (an
argument that is no string, an exception, is masked as it prints)."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

from votes.core.identity import mask_in_text

MASK = "/v/***"
# The path segment after /v/, also when a referer or query string carries it URL-encoded.
_TOKEN = re.compile(r"(?:/|%2[fF])v(?:/|%2[fF])[A-Za-z0-9_~.=-]{8,}")
# Atoms never written at all, whatever access-log format an operator configures.
_SECRET_ATOM = re.compile(r"cookie|authorization|csrf", re.IGNORECASE)
# A one-time code named as one: the SMS code (6 digits) or a notice code (XXXX-XXXX).
_CODE = re.compile(r"((?:验证码|校验码|动态码|(?<![A-Za-z])(?i:code|otp|pin)(?![A-Za-z]))"
                   r"[ \t:：=]{0,3})(?:\d{6}|[2-9A-HJ-NP-Z]{4}-?[2-9A-HJ-NP-Z]{4})"
                   r"(?![0-9A-Za-z])")


def mask(text: str) -> str:
    """Tokens of voting links, one-time codes, ID and mobile numbers masked; other
    numbers (durations, ids, sizes) as they were."""
    return _CODE.sub(r"\1******", mask_in_text(_TOKEN.sub(MASK, text)))


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
    if getattr(record, "_votes_masked", False):
        return
    if isinstance(record.args, MutableMapping):
        scrub_atoms(record.args)
    record.msg, record.args = mask(record.getMessage()), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    record._votes_masked = True


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
_FILTER = TokenFilter()


def _masking_factory(made):
    def factory(*args, **kwargs) -> logging.LogRecord:
        record = made(*args, **kwargs)
        _FILTER.filter(record)
        return record

    factory.votes_masking = True
    return factory


def install() -> None:
    """Mask every record of the process as it is made, whichever logger makes it and
    whichever handler writes it (once); the filter stays on the access and error loggers
    of werkzeug and gunicorn as well, for records made before (a masked one is left)."""
    made = logging.getLogRecordFactory()
    if not getattr(made, "votes_masking", False):
        logging.setLogRecordFactory(_masking_factory(made))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(TokenFilter())
