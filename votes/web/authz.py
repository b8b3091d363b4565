"""Who may do what, declared on each staff view; the one place access is decided.

    @staff("committee", "admin", obj="community")   # <code> → a Community the user may see
    @staff("regulator", "admin", obj="proposal")    # <pid>  → a Proposal the user may see

Not signed in: redirect to sign-in. Wrong role: 403. Another community's or
jurisdiction's object: 404, exactly as if it did not exist.
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


def staff(*roles: str, obj: str | None = None):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            from votes.services.staff import may_see

            user = current_staff()
            if user is None:
                return redirect(url_for("staff_login.login", next=request.path))
            if user.role not in roles:
                abort(403)
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
                    # a 400, its edit and deletion too: shown as it stands, saying why.
                    flash(err.message, "error")
                kwargs["proposal"] = proposal
            return view(user, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate
