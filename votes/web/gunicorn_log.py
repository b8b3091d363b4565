"""gunicorn's logger with voting tokens masked and cookies blanked at the source.

Named by ``logger_class`` in config/gunicorn.conf.py; the filter of votes.web.logs is
installed as well, so the error log (which names the request path) is masked too."""

from __future__ import annotations

from gunicorn.glogging import Logger

from votes.web import logs


class MaskedLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        logs.install()

    def atoms(self, resp, req, environ, request_time):
        return logs.scrub_atoms(super().atoms(resp, req, environ, request_time))
