"""Application factory."""

from __future__ import annotations

import os
from types import FunctionType
from typing import Any

from babel import Locale
from flask import Flask, Request, current_app, has_request_context, request, session

from votes.paths import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR


# The blueprints whose forms are a few short fields, open to anyone (the owner pages: the
# poster's address is public; the staff sign-in): their bodies are held to FORM_MAX_BYTES,
# not to the uploads' MAX_CONTENT_LENGTH. So is every body that is not multipart, on any
# page: Flask reads and parses a whole url-encoded (or JSON) body at once, before the CSRF
# check, the rate limits and the staff pages' sign-in refuse it, and 32 MB of "a&a&…" cost
# a worker over a gigabyte and seconds of CPU, for a stranger sending it without a session.
# Multipart (the staff forms' files and long texts) is read field by field, each held to
# MAX_FORM_MEMORY_SIZE and their number to MAX_FORM_PARTS.
SHORT_FORM_BLUEPRINTS = frozenset({"owner", "staff_login"})
# The longest such form, an objection of its 2000 characters (each %XX%XX%XX), is 18 KB; a
# paste well past the 2000 still reaches the form to be told so and shown back.
FORM_MAX_BYTES = 256 * 1024


class VotesRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self.blueprint in SHORT_FORM_BLUEPRINTS or self.mimetype != "multipart/form-data":
            return FORM_MAX_BYTES if limit is None else min(limit, FORM_MAX_BYTES)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


class VotesFlask(Flask):
    """Flask, asking once per function whether it is a coroutine function: Flask asks
    again for every hook, teardown and context processor of every request (a dozen times a
    page), and the answer for a function never changes."""

    request_class = VotesRequest

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: set = set()

    def ensure_sync(self, func):
        # Plain functions only: a bound method is a new object every time (a view class's
        # dispatch_request), and the set would keep each one.
        if type(func) is FunctionType and func in self._sync_functions:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func and type(func) is FunctionType:
            if len(self._sync_functions) >= 4096:
                self._sync_functions.clear()
            self._sync_functions.add(func)
        return wrapped


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from votes import settings
    from votes.extensions import babel, csrf, db, limiter, login_manager, migrate

    app = VotesFlask(
        "votes",
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("VOTES_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    settings.load(app, test_config)
    _trust_proxies(app)
    from votes.web.session_cookie import CookieSessionInterface

    app.session_interface = CookieSessionInterface()

    import votes.models  # noqa: F401  (registers every mapping on the metadata)

    db.init_app(app)
    from votes.services.tx import end_reading

    app.teardown_appcontext(end_reading)
    from votes import connections

    with app.app_context():
        connections.install(db.engine, app.config)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Asia/Shanghai")

    @app.before_request
    def _keep_asked_language():
        # The locale is chosen (and a ?lang= stored) when something is first translated; an
        # address that only redirects (the voting link) translates nothing and lost it.
        if "lang" in request.args:
            from flask_babel import get_locale

            get_locale()
    from votes.web import csrf_tokens

    csrf_tokens.install()
    csrf.init_app(app)
    limiter.init_app(app)

    from votes.web import register_blueprints

    register_blueprints(app)
    from votes.cli import register

    register(app)
    return app


def _trust_proxies(app: Flask) -> None:
    # Rate limits key on request.remote_addr. Behind N proxies, the client's address is the
    # N-th from the right in X-Forwarded-For; anything further left is client-supplied.
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


_LOCALES: dict = {}


def _select_locale():
    """The request's locale as a parsed babel Locale: flask-babel parses a name again on
    every request, and Babel's parse (which lists its locale data to normalise the name)
    cost about as much as a SQL round trip per page."""
    if not has_request_context():  # the `votes` command, background work
        wanted = os.environ.get("VOTES_LANG", "")
    else:
        wanted = request.args.get("lang") or session.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        # Assigning marks the session changed even to the same value, and a changed session
        # is signed and sent again: only a new choice is stored.
        if has_request_context() and session.get("lang") != wanted:
            session["lang"] = wanted
    else:
        wanted = current_app.config["BABEL_DEFAULT_LOCALE"]
    locale = _LOCALES.get(wanted)
    if locale is None:
        locale = _LOCALES[wanted] = Locale.parse(wanted)
    return locale
