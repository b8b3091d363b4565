"""Staff sign-in: argon2 passwords, rate limited per address and per name (the service),
sessions that expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import UserMixin, logout_user

from votes.core.numbers import whole_number
from votes.extensions import db, limiter, log_in
from votes.web.authz import staff

bp = Blueprint("staff_login", __name__, url_prefix="/staff")


@dataclass(frozen=True)
class StaffPrincipal(UserMixin):
    """The signed-in staff member, as loaded for one request."""

    user_id: int
    login: str
    role: str

    def get_id(self) -> str:
        return f"s:{self.user_id}"


# How stale the session's last use may be before it is written again: a signed cookie sent
# with every page for a time that only needs to be right to the minute.
_SEEN_EVERY = 60


def load_staff(rest: str):
    from votes.models import StaffUser
    from votes.services.clock import wall_now

    signed_in = session.get("staff_since")
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=int(lifetime))
    staff_id = whole_number(rest, digits=18)
    now = wall_now().timestamp()
    if staff_id is None or signed_in is None or now - signed_in > lifetime.total_seconds():
        return None
    # A session from before the idle time was kept counts from its sign-in.
    seen = session.get("staff_seen", signed_in)
    idle = int(current_app.config.get("STAFF_IDLE_TIMEOUT") or 0)
    if idle > 0 and now - seen > idle:
        _idle_out()
        return None
    user = db.session.get(StaffUser, staff_id)
    if user is None or not user.active or session.get("staff_gen") != user.session_generation:
        return None
    if now - seen >= _SEEN_EVERY:
        session["staff_seen"] = now
    return StaffPrincipal(user.id, user.login, user.role)


def _idle_out() -> None:
    """Sign the idle session out (not logout_user: it loads the user, which called this) and
    say why on the sign-in page the staff page sends them to; once, as it is then gone."""
    for key in ("_user_id", "_fresh", "_id", "staff_since", "staff_seen", "staff_gen"):
        session.pop(key, None)
    flash(_("您长时间没有操作，已自动退出登录，请重新登录。"), "error")


def _fresh_session() -> None:
    """Forget everything of the session but the language the visitor chose (?lang=en):
    signing in or out must not switch the pages back to Chinese."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _remember_device(response, cookie: str) -> None:
    """The browser's device cookie (votes/services/signin_devices.py): sent back to the
    sign-in only, never readable by a script, secure wherever the session cookie is."""
    from votes.services import signin_devices

    response.set_cookie(signin_devices.COOKIE, cookie,
                        max_age=int(signin_devices.LIFETIME.total_seconds()),
                        path=url_for("staff_login.login"), httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _last_for_session(last) -> dict | None:
    """The account's sign-in before this one, kept in the session for the pages that show
    it (read once, at sign-in, not from the audit log on every page)."""
    if last is None:
        return None
    return {"time": last.time.timestamp() if last.time else None, "address": last.address,
            "resets": [[when.timestamp(), who] for when, who in last.resets]}


@bp.app_context_processor
def _last_signin_context():
    """last_signin(): the signed-in member's sign-in before this one, for
    templates/staff/_last_signin.html; None for a session signed in before it was kept."""
    def last_signin():
        from datetime import datetime, timezone

        from votes.services.clock import local_text

        kept = session.get("staff_last")
        if not isinstance(kept, dict):
            return None

        def when(stamp):
            return local_text(datetime.fromtimestamp(stamp, timezone.utc))

        return {"time": when(kept["time"]) if kept.get("time") else None,
                "address": kept.get("address") or "",
                "resets": [(when(t), who) for t, who in kept.get("resets") or []]}

    return {"last_signin": last_signin}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    from votes.services import signin_devices
    from votes.services.clock import wall_now
    from votes.services.signin_throttle import Paused
    from votes.services.staff import authenticate

    if request.method == "POST":
        try:
            signed_in = authenticate(request.form.get("login", ""),
                                     request.form.get("password", ""),
                                     request.cookies.get(signin_devices.COOKIE),
                                     # as ProxyFix left it (TRUSTED_PROXIES), never the /64
                                     # the rate limits count: the log names the one address
                                     request.remote_addr or "")
        except Paused as paused:  # too many failures under this name, from any address
            if paused.failed:
                flash(_("登录名或密码错误。"), "error")
            flash(paused.message, "error")
            return render_template("staff/login.html"), 200 if paused.failed else 429
        if signed_in is not None:
            user = signed_in.user
            _fresh_session()
            session.permanent = True
            session["staff_since"] = session["staff_seen"] = wall_now().timestamp()
            session["staff_gen"] = signed_in.generation
            session["staff_last"] = _last_for_session(signed_in.last)
            log_in(StaffPrincipal(user.id, user.login, user.role))
            from votes.web import ROLE_HOME

            response = redirect(url_for("staff_login.password") if user.must_change_password
                                else url_for(ROLE_HOME.get(user.role, "committee.home")))
            _remember_device(response, signed_in.device_cookie)
            return response
        flash(_("登录名或密码错误。"), "error")
    return render_template("staff/login.html")


@bp.post("/logout")
def logout():
    from flask_login import current_user

    from votes.services.staff import end_sessions

    if isinstance(current_user._get_current_object(), StaffPrincipal):
        end_sessions(current_user.user_id, request.remote_addr or "")
    logout_user()
    _fresh_session()
    return redirect(url_for("staff_login.login"))



@bp.route("/password", methods=["GET", "POST"])
@staff("admin", "committee", "regulator")
def password(user):
    """The signed-in member's own new password (votes.services.staff.change_own_password)."""
    from votes.services.errors import DomainError
    from votes.services.signin_throttle import Paused
    from votes.services.staff import change_own_password
    from votes.web import ROLE_HOME

    if request.method == "POST":
        try:
            session["staff_gen"] = change_own_password(
                user.id, request.form.get("current", ""), request.form.get("password", ""),
                request.form.get("again", ""))
        except DomainError as err:
            if isinstance(err, Paused) and err.failed:
                flash(_("当前密码不正确"), "error")
            flash(err.message, "error")
        else:
            flash(_("密码已修改，其他设备上的登录已退出。"), "ok")
            return redirect(url_for(ROLE_HOME.get(user.role, "committee.home")))
    return render_template("staff/password.html", must_change=user.must_change_password)
