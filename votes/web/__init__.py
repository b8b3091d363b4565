"""Thin blueprints per audience, the shared error pages, filters and security headers."""

from __future__ import annotations

import re

from flask import (Flask, current_app, has_request_context, jsonify, render_template, request,
                   url_for)
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import CSRFError
from jinja2 import pass_eval_context
from markupsafe import Markup
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter
from werkzeug.exceptions import HTTPException

from votes.core.numbers import format_area_grouped, format_yuan
from votes.models.base import MAX_ID
from votes.services.clock import local_text
from votes.services.errors import INVALID_INPUT, DomainError, NotFound, VerifierBusy
from votes.services.labels import scope_label
from votes.web.text_filters import keep_units, kept_text

# Scripts only from /static/: an uploaded document (served under /p/<uid>/doc/) is outside
# the one path the pages trust for scripts, whatever its bytes.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src {static}; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def page_csp() -> str:
    return CSP.format(static=request.host_url + "static/")


def _cached_csp(cache: dict) -> str:
    """page_csp() for the request, built once per scheme and host: werkzeug works out the
    host URL again for every request. The key is everything host_url is made from."""
    environ = request.environ
    key = (request.scheme, environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
           environ.get("SERVER_PORT"))
    csp = cache.get(key)
    if csp is None:
        csp = page_csp()
        if len(cache) >= 64:  # Host headers are the client's to choose: keep it bounded
            cache.clear()
        cache[key] = csp
    return csp


class DatabaseId(IntegerConverter):
    """<int:...> in every route: a number the database cannot hold matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    import votes.web.login  # noqa: F401  (registers the user loader)
    from votes.web.admin import bp as admin_bp
    from votes.web.api import bp as api_bp
    from votes.web.committee import bp as committee_bp
    from votes.web.owner import bp as owner_bp
    from votes.web.public import bp as public_bp
    from votes.web.regulator import bp as regulator_bp
    from votes.web.staff_login import bp as staff_login_bp
    from votes.web.works import bp as works_bp

    for blueprint in (public_bp, owner_bp, staff_login_bp, committee_bp, regulator_bp, admin_bp,
                      api_bp, works_bp):
        app.register_blueprint(blueprint)
    from votes.web import logs

    logs.install()

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["static_url"] = static_url
    app.extensions["votes_kept_urls"] = {}  # kept_url's, per app
    from votes.web.once import new_token

    app.jinja_env.globals["once_token"] = new_token
    from votes.web.login import device_keys_kept

    # base.html: which device keys the page leaves in the browser (device_forget.js).
    app.jinja_env.globals["device_keys_kept"] = device_keys_kept
    from votes.services.documents import ACCEPT

    app.jinja_env.globals["scan_types"] = ACCEPT  # a scan's file input: accept="{{ scan_types }}"
    from votes.core.identity import ID_TYPES  # a proxy's ID types: code → Chinese name
    app.jinja_env.globals["id_types"] = {code: name for code, (name, _a) in ID_TYPES.items()}
    from votes.settings import upload_max_bytes

    # A form with a file input: data-max-bytes="{{ upload_max_bytes() }}" (upload_limit.js).
    app.jinja_env.globals["upload_max_bytes"] = lambda: upload_max_bytes(app.config)
    app.jinja_env.globals["upload_limit_text"] = lambda: upload_limit_text(app.config)
    app.add_template_filter(lambda fen: format_yuan(fen), "yuan")
    app.add_template_filter(lambda centi: format_area_grouped(centi), "area")
    app.add_template_filter(local_text, "local")
    app.add_template_filter(beijing_text, "beijing")
    app.add_template_filter(_groups, "groups")
    app.add_template_filter(_percent, "percent")
    app.add_template_filter(_file_size, "file_size")
    app.add_template_filter(scope_label, "scope_label")
    app.add_template_filter(owner_masked, "owner_masked")
    app.add_template_filter(zh_text, "zh")
    app.add_template_filter(kept_text, "kept")
    app.add_template_filter(keep_units, "units")
    from votes.services import labels

    for name in ("state_label", "threshold_label", "matter_label", "basis_label", "role_label",
                 "channel_label", "kind_label", "action_label", "audit_label",
                 "building_label", "unit_words"):
        app.add_template_filter(getattr(labels, name), name)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.context_processor(_page_context)

    @app.errorhandler(NotFound)
    def not_found(err: NotFound):
        if _for_a_program():
            return jsonify({"error": err.message}), 404
        return render_template("error.html", message=err.message), 404

    @app.errorhandler(DomainError)
    def refused(err: DomainError):
        message = refusal_words(err)
        if _for_a_program():
            return jsonify({"error": message}), 400
        return render_template("error.html", message=message,
                               sign_out_uid=_owner_sign_out_uid()), 400

    @app.errorhandler(VerifierBusy)
    def verifier_busy(err: VerifierBusy):
        # Another whole vote exported or verified in this worker: nothing made, in a minute.
        if _for_a_program():
            return jsonify({"error": err.message}), 503, {"Retry-After": "60"}
        return render_template("error.html", message=refusal_words(err)), 503, \
            {"Retry-After": "60"}

    @app.errorhandler(DataError)
    def database_refused(err: DataError):
        # Input no service checked (too long for its column, a NUL byte) that the database
        # refused: the transaction is already rolled back by unit_of_work; say so, no 500.
        from votes.extensions import db

        db.session.rollback()
        return render_template("error.html", message=INVALID_INPUT), 400

    @app.errorhandler(404)
    def http_404(err):
        if _for_a_program():
            return jsonify({"error": "not found"}), 404
        return render_template("error.html", message=None, code=404), 404

    @app.errorhandler(403)
    def http_403(err):
        from flask_babel import gettext as _

        return render_template("error.html", code=403,
                               message=_("您没有权限查看这个页面。")), 403

    @app.errorhandler(HTTPException)
    def http_other(err: HTTPException):
        # Any other status (405, 400 …) gets the same styled page, never Werkzeug's.
        from flask_babel import gettext as _

        if _for_a_program():
            return jsonify({"error": err.description or err.name}), err.code

        return render_template("error.html", code=err.code,
                               message=_("无法处理这个请求。")), err.code

    @app.errorhandler(CSRFError)
    def form_expired(err: CSRFError):
        # A form whose session is gone (a phone's browser drops session cookies when it is
        # closed, and brings the page back) cannot be checked: say so, and lead the owner
        # back to the page to open again, rather than a bare 400 and the start page.
        from flask import redirect, session, url_for
        from flask_babel import gettext as _

        args, again = request.view_args or {}, None
        if request.endpoint == "owner.sign_out" and "_user_id" not in session:
            # Nothing signed in to sign out (the browser dropped the session cookie): the
            # owner is told the phone holds no sign-in, not that a form expired.
            return redirect(url_for("owner.signed_out", uid=args["uid"]))
        if request.endpoint in ("owner.pick", "owner.signed_in_objection"):
            again = url_for(request.endpoint, uid=args["uid"])
        elif request.endpoint == "owner.objection":
            again = url_for("owner.objection", token=args["token"])
        elif request.blueprint == "owner" and "uid" in args:
            again = url_for("owner.ballot", uid=args["uid"])
        return render_template("error.html", code=400, again=again, message=_(
            "页面已过期，刚才填写的内容没有提交。请重新打开页面后再操作。")), 400

    @app.errorhandler(413)
    def too_large(err):
        from urllib.parse import urlsplit

        from flask_babel import gettext as _

        # Back to the form it came from (this site's only): the browser's Back keeps what
        # was typed (the page's link goes back in the history with upload_limit.js, and
        # opens the form afresh without it), and the member learns nothing was saved.
        back = urlsplit(request.referrer or "")
        again = None
        # Not "//…", nor "/\…" (a browser reads a backslash as a slash: another site).
        if back.netloc == request.host and back.path.startswith("/") \
                and not back.path.startswith("//") and "\\" not in back.path \
                and all(" " < c != "\x7f" for c in back.path + back.query):
            again = back.path + (f"?{back.query}" if back.query else "")
        from votes.app import SHORT_FORM_BLUEPRINTS

        if request.blueprint in SHORT_FORM_BLUEPRINTS or \
                request.mimetype != "multipart/form-data":  # no file was sent
            return render_template("error.html", again=again, back=True, message=_(
                "提交的内容太长，这次什么都没有保存。请用浏览器的“后退”返回上一页，"
                "删短后再提交。")), 413
        return render_template("error.html", again=again, back=True, message=_(
            "文件太大：一次提交的文件合计不能超过 %(size)s，这次什么都没有保存。"
            "请用浏览器的“后退”返回上一页（刚才填写的内容通常还在），换用较小的文件"
            "（如降低扫描分辨率，或分几次提交）后再提交。",
            size=upload_limit_text(app.config))), 413

    @app.errorhandler(500)
    def server_error(err):
        from flask_babel import gettext as _

        from votes.services.schema import behind_code, missing_schema

        # New code on a database not yet upgraded: only on this error path is the revision
        # read, so a page in the normal case costs nothing more.
        original = getattr(err, "original_exception", None)
        if original is not None and missing_schema(original) and behind_code():
            from votes.extensions import db

            db.session.rollback()  # PostgreSQL refuses the page's queries in the failed one
            app.logger.error("the database schema is behind this code: run `votes init` "
                             "(数据库结构不是最新版本，请运行 votes init)")
            return render_template("error.html", code=503, message=_(
                "系统正在升级，请稍后再试。（管理员：数据库结构不是最新版本，请在服务器上运行 "
                "votes init）")), 503, {"Retry-After": "60"}
        if _for_a_program():
            return jsonify({"error": "internal error"}), 500
        return render_template("error.html", code=500,
                               message=_("系统出错，您的操作没有完成，请稍后再试。")), 500

    @app.errorhandler(429)
    def too_many(err):
        if _for_a_program():
            return jsonify({"error": "too many requests"}), 429
        return render_template("owner/dead_end.html", kind="rate_limited", proposal=None), 429

    csp_by_host: dict = {}

    @app.after_request
    def security_headers(response):
        # Each header only if the view did not set its own. One pass over the response's
        # headers instead of a case-insensitive scan per header and per setdefault.
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", _cached_csp(csp_by_host))
        if "x-content-type-options" not in present:
            headers.add("X-Content-Type-Options", "nosniff")
        if "referrer-policy" not in present:
            headers.add("Referrer-Policy", "no-referrer")
        # Public is for the owners who have the address, not for search engines: the board's
        # per-unit list says whether a flat voted, objections and documents may name people.
        if "x-robots-tag" not in present:
            headers.add("X-Robots-Tag", "noindex, nofollow")
        if app.config["HSTS"] and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}")
        # Pages are made per request and many are one person's (an owner's receipt names
        # their choice and its salt before the close; committee pages list owners): none
        # may be stored by a proxy nor left in a shared phone's cache. send_file's own
        # "no-cache" still lets them be stored. Only static files and what a view marks
        # public (the server keys) are cached.
        # Read as text, never parsed: a bare "no-cache" is not public.
        if request.endpoint != "static" and ("cache-control" not in present
                                             or headers.get("Cache-Control") == "no-cache"):
            headers["Cache-Control"] = "no-store"
        return response


def compile_templates(app: Flask) -> int:
    """Compile every template now, for a server process: each worker otherwise compiled a
    page's templates on the first request that rendered it (tens of ms, with the worker's
    other threads waiting). With gunicorn's --preload this runs once, before the fork.
    Returns how many were compiled."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def load_modules() -> int:
    """Import every module the pages may import, for a server process. Views import their
    services where they use them, so that the `votes` command starts fast; a worker then
    paid the first receipt's PDF and QR modules (about 0.25 s) while an owner waited.
    Returns how many modules were imported."""
    import importlib
    import pkgutil

    import votes.core
    import votes.services
    import votes.web

    count = 0
    for package in (votes.core, votes.services, votes.web):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
            count += 1
    return count


def _page_context() -> dict:
    """What every template gets besides the view's values (locale_name: the page's language,
    for base.html's lang attribute and language switch). The i18n extension's `_` looks up
    flask-babel's translations (request globals, babel config, locale) again on every call,
    some sixty times a page: here they are looked up once per render, and `_`/`gettext`/
    `ngettext` behave as the extension's newstyle ones (escaped %(name)s values, always
    formatted) over that one translations object. They are made once per locale: flask-babel
    keeps one translations object per locale for the process, and looking it up through the
    request globals cost more than the rest of the context."""
    locale = get_locale()
    words = _PAGE_WORDS.get(locale)
    if words is None:
        gettext, ngettext = _newstyle(get_translations())
        words = _PAGE_WORDS[locale] = {"_": gettext, "gettext": gettext, "ngettext": ngettext,
                                       "locale_name": str(locale)}
    return {"home_url": home_url, **words}


# Locale (the ones settings.LANGUAGES names, parsed once by votes.app) -> _page_context's words.
_PAGE_WORDS: dict = {}


def _newstyle(translations):
    # The evaluation context is all they need (autoescape): a function taking the whole
    # context gets a copy of it made for every call inside a loop or a block with variables.
    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables):
        text = translations.ugettext(string)
        if eval_ctx.autoescape:
            text = Markup(text)
        # Most calls are a fixed phrase: formatting it with nothing would return it as is.
        return text % variables if variables or "%" in text else text

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext, ngettext


def beijing_text(when, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in a sentence: 2026-12-08 09:00（北京时间）."""
    from flask_babel import gettext as _

    return _("%(t)s（北京时间）", t=local_text(when, fmt)) if when else ""


# Han characters and the CJK punctuation and full-width forms typed with them.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def zh_text(value):
    """Text committees and owners typed (a proposal's title, an item, a community's name,
    an objection, a document's name): Chinese. On an English page it is put inside
    <span lang="zh-CN"> so that a screen reader reads it with a Chinese voice, not as
    English letters (WCAG 3.1.2). A Chinese page, and a value with no Chinese in it (a room
    number 1502, an owner's English), get nothing: the value is returned as it is."""
    if value is None or not _CHINESE.search(str(value)) or str(get_locale()) != "en":
        return value
    return Markup('<span lang="zh-CN">%s</span>') % value


def _favicon():
    from flask import redirect, url_for

    return redirect(url_for("static", filename="favicon.svg"), 301)


def kept_url(endpoint: str, filename: str | None = None) -> str:
    """url_for for an address the same on every request (a static file, a start page),
    built once per script root: werkzeug builds it again each time, and a page asks for
    four or five. Within a request the address is relative, the script root (SCRIPT_NAME,
    a proxy's prefix) its only varying part; outside one url_for is asked as it is."""
    values = {} if filename is None else {"filename": filename}
    if not has_request_context():
        return url_for(endpoint, **values)
    kept = current_app.extensions["votes_kept_urls"]
    key = (request.root_path, endpoint, filename)
    url = kept.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(kept) >= 256:  # SCRIPT_NAME may come from a request header: bounded
            kept.clear()
        kept[key] = url
    return url


def static_url(filename: str) -> str:
    """url_for("static", filename=...) for the templates, kept (kept_url)."""
    return kept_url("static", filename)


def home_url() -> str:
    """Where the brand link goes: the signed-in staff member's own workspace, else the
    public start page."""
    from votes.web.authz import current_staff

    try:
        user = current_staff()
    except Exception:  # noqa: BLE001 - an error page must render even if the DB is down
        user = None
    if user is None:
        return kept_url("public.index")
    return kept_url(ROLE_HOME.get(user.role, "public.index"))


ROLE_HOME = {"committee": "committee.home", "regulator": "regulator.overview",
             "admin": "admin.home"}


def _groups(digest: str, size: int = 4) -> str:
    return " ".join(digest[i:i + size] for i in range(0, len(digest), size))


def upload_limit_text(config) -> str:
    """MAX_CONTENT_LENGTH as a member reads it: 32 MB, or 1.5 MB where not whole."""
    from votes.settings import upload_max_bytes

    limit, mb = upload_max_bytes(config), 1024 * 1024
    return f"{limit // mb} MB" if limit % mb == 0 else _file_size(limit)


def _file_size(size: int) -> str:
    """A file's size as a clerk checks it against the file they meant: 3.0 KB, 1.2 MB."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _percent(part: int, whole: int) -> float:
    # For bar widths only; decisions never use this.
    return 0 if not whole else min(100, round(100 * part / whole, 1))


def owner_masked(owner) -> str:
    """An owner as staff screens show one: name and ID number masked."""
    from flask_babel import gettext as _

    from votes.core.identity import mask_id, mask_name
    from votes.services.privacy import decrypt

    return _("%(name)s（%(id)s）", name=mask_name(decrypt(owner.name_enc)),
             id=mask_id(decrypt(owner.id_enc)))


def refusal_words(err) -> str:
    """A refusal's message; for a chain damaged in the database (tally.ResultUnshown) in the
    words of who reads it: a staff member is told whom to call as their role may (the
    committee: the maintenance-fund office and the administrator; the regulator, who is that
    office: its verification), an owner or a visitor whom to tell."""
    from votes.services.records import COMMITTEE, OWNERS, REGULATOR, ChainDamaged
    from votes.services.tally import CloseMissing, ResultUnshown

    if not isinstance(err, (ResultUnshown, ChainDamaged, CloseMissing)):
        return err.message
    if request.blueprint in ("public", "owner", "api"):
        return err.words(OWNERS)
    from votes.web.authz import current_staff

    user = current_staff()
    if user is None:
        return err.words(OWNERS)
    return err.words(REGULATOR if user.role == "regulator" else COMMITTEE)


def _owner_sign_out_uid() -> str | None:
    """On an owner page refused in words (a chain damaged in the database on the receipt
    page, voting closed meanwhile), the proposal to sign out of, when an owner is signed
    in: the refusal is still a page of theirs, and on a shared phone it is often the last
    one opened. Flask-Login's user, already loaded by the page (no statement for an owner)."""
    from flask_login import current_user

    from votes.web.login import OwnerUser

    if request.blueprint != "owner" or not isinstance(current_user._get_current_object(),
                                                      OwnerUser):
        return None
    return (request.view_args or {}).get("uid")


def _for_a_program() -> bool:
    """A request to /api/... or for the server keys file (witnesses, third-party checkers):
    errors in JSON, as its answers are, not the owners' HTML page."""
    return request.path.startswith("/api/") or request.path == "/.well-known/votes-keys.json"
