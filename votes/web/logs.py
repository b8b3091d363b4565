"""Keep voting-link tokens out of access logs: they are credentials."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"/v/[A-Za-z0-9_-]{8,}")


class TokenFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_TOKEN.sub("/v/***", a) if isinstance(a, str) else a
                                for a in (record.args if isinstance(record.args, tuple)
                                          else (record.args,)))
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub("/v/***", record.msg)
        return True


def install() -> None:
    """Attach the filter to the access loggers of werkzeug and gunicorn (once)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(TokenFilter())
