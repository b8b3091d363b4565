"""Who may do what, declared on each staff view; the one place access is decided.

    @staff("committee", "admin", obj="community")   # <code> → a Community the user may see
    @staff("regulator", "admin", obj="proposal")    # <pid>  → a Proposal the user may see

Not signed in: redirect to sign-in. Wrong role: 403. Another community's or
jurisdiction's object: 404, exactly as if it did not exist. A page opened from another
site's link: a page asking to open it again from here (see `_from_elsewhere`).
"""

from __future__ import annotations

import functools

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from votes.extensions import db
from votes.models import Community, Proposal, StaffUser


def current_staff() -> StaffUser | None:
    from votes.web.staff_login import StaffPrincipal

    principal = current_user._get_current_object()
    if not isinstance(principal, StaffPrincipal):
        return None
    return db.session.get(StaffUser, principal.user_id)


def _from_elsewhere() -> bool:
    """A navigation another site started: its link, image or redirect. The session cookie
    (SameSite=Lax) goes with it, and some staff pages write the audit log as they are
    read — a scan opened, a bundle or an application package downloaded — so a link on any
    page a regulator visited put "opened an owner's scan" entries under their name. Browsers
    say where a request comes from (Sec-Fetch-Site); a bookmark or a typed address is "none",
    this app's own pages "same-origin". HEAD as well: Flask answers it with the GET view
    (the bundle exported, the audit entry written), and a page of a sibling host may send
    one with fetch(), the cookie going with it."""
    return request.method in ("GET", "HEAD") and \
        request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")


def _open_again():
    from flask import render_template
    from flask_babel import gettext as _

    return render_template("error.html", message=_(
        "这个链接是从其他网站打开的。工作人员页面的查看和下载会以您的名义记入审计日志，"
        "请确认是您本人要打开后再点击下面的按钮。"), again=request.full_path), 200


def staff(*roles: str, obj: str | None = None):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            from votes.services.staff import may_see

            user = current_staff()
            if user is None:
                return redirect(url_for("staff_login.login", next=request.path))
            if _from_elsewhere():
                return _open_again()
            if user.role not in roles:
                abort(403)
            if user.must_change_password and request.endpoint != "staff_login.password":
                # A password an administrator set: the member's own first, then the rest.
                return redirect(url_for("staff_login.password"))
            if obj == "community":
                community = db.session.scalar(
                    db.select(Community).where(Community.code == kwargs.pop("code")))
                if community is None or not may_see(user, community):
                    abort(404)
                kwargs["community"] = community
            elif obj == "proposal":
                pid = kwargs.pop("pid")
                proposal = db.session.get(Proposal, pid)
                if proposal is None or not may_see(user, proposal.community):
                    abort(404)
                from votes.services.errors import DomainError
                from votes.services.lifecycle import refresh

                try:
                    proposal = refresh(proposal)
                except DomainError as err:
                    # A move due by the clock that the proposal refuses (a scheduled draft
                    # whose scope has no flat left on a replaced roll) made every page of it
                    # a 400, its edit and deletion too: shown as it stands, saying why. A
                    # close refused over a chain damaged in the database: in the words of
                    # the reader's role (whom to call), not the owners'.
                    from votes.web import refusal_words

                    flash(refusal_words(err), "error")
                kwargs["proposal"] = proposal
            return view(user, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate


def staff_account() -> str:
    """A rate limit's key for a staff page: the signed-in account (the client's address
    before the sign-in)."""
    from votes.extensions import client_address

    return current_user.get_id() or client_address()


# Opening a stored file (a delivery or objection scan, a works file) writes an audit entry
# under the log's lock, which every audited action of every community takes: a script
# looping over one file (a member's account, or a stolen one) would fill the log and hold
# up everyone's actions. Far more than anyone reads in a minute; the routes share it, per
# account; the scans' list (no ?file=) is a page like any other.
def limit_stored_file_openings(view):
    from votes.extensions import limiter

    return limiter.shared_limit(
        "60 per minute", scope="stored-file-openings", key_func=staff_account,
        exempt_when=lambda: request.view_args.get("digest") is None
        and request.args.get("file") is None)(view)


# Starting a verification (验证导出包) exports and verifies the whole vote on a worker's core
# (~1.2 GB at 100,000 units), holds one of VERIFY_JOBS_MAX's slots while it runs, and writes
# a verifications row and an audit entry under the log's lock: a script clicking again each
# time a job ends (an account's, or a stolen one's) would do so without end. Far more than
# anyone clicks in a minute; per account; the pages that follow a job are GETs, not counted.
def limit_verification_starts(view):
    from votes.extensions import limiter

    return limiter.limit("10 per minute", key_func=staff_account, methods=["POST"])(view)


# A whole vote's bundle (bundle.zip) or fund application package (application.zip): the
# export of the whole vote in the request (seconds of a core for a city's, and the package
# verifies it too) and an audit entry under the log's lock, which every audited action of
# every community takes. A member downloads each once or twice; a script on one account (or
# a stolen one) looped on them without end. 6 a minute per account, the two together; only
# a download made is counted: a refusal because the worker is busy with another whole vote
# (503), or of someone who may not have it (sent to sign in, 403, 404), costs nothing, and
# must not be answered 429 in place of what it is.
WHOLE_VOTE_DOWNLOADS = "6 per minute"


def limit_whole_vote_downloads(view):
    from votes.extensions import limiter

    return limiter.shared_limit(
        WHOLE_VOTE_DOWNLOADS, scope="whole-vote-downloads", key_func=staff_account,
        deduct_when=lambda response: response.status_code == 200)(view)
