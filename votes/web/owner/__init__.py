"""Owner pages: voting link, second factor, ballot, confirmation, receipt, objection.

One blueprint, its views in three modules: signing_in (the link, the poster, the second
factor, signing out), voting (ballot to receipt, and what the owner reads of their flat)
and objections (§17)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, session

from votes.services import access as access_service
from votes.web.login import owner_of

bp = Blueprint("owner", __name__)
CHOICES = ("agree", "disagree", "abstain")


# The sign-in steps: a read-only session may still start another sign-in (another flat,
# another vote), which replaces it.
_SIGN_IN_STEPS = frozenset({"owner.pick", "owner.verify", "owner.send_code"})


@bp.before_request
def _refuse_writes_read_only():
    """A session signed in read-only after the vote changes nothing: no cast, no objection
    after the period, no device registered. Refused here, before any view reads or locks
    anything, whatever the stage checks further on would say."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in _SIGN_IN_STEPS \
            or request.endpoint == "owner.sign_out" or not session.get("owner_read_only"):
        return None
    message = str(access_service.READ_ONLY_REFUSED)
    if request.endpoint == "owner.device":
        return {"ok": False, "error": message}, 403
    return render_template("owner/dead_end.html", kind="read_only", message=message,
                           mine_uid=(request.view_args or {}).get("uid")), 403


@bp.errorhandler(access_service.DeadEnd)
def dead_end(err: access_service.DeadEnd):
    status = 423 if err.kind == "locked" else 410 if err.kind in ("closed", "withdrawn",
                                                                  "expired") else 404 \
        if err.kind in ("invalid", "not_in_scope") else 403
    plan = None
    if err.kind == "not_open" and err.proposal is not None:
        # Before voting opens the link shows the plan the owner will vote on, not a dead end.
        from votes.services.plan import plan_view

        plan = plan_view(err.proposal)
    objection_end = None
    if err.kind == "closed" and err.proposal is not None:
        # Closed for voting, yet in the objection period the link and the owner's session
        # still lead to the objection form (§17): not a link that has expired.
        from votes.services.procedure.objections import open_period_end

        objection_end = open_period_end(err.proposal, access_service.clock.now())
    signed_in = err.proposal is not None and owner_of(err.proposal) is not None
    read_only_open = False
    if err.kind == "closed" and err.proposal is not None and objection_end is None:
        # After the vote the same link and poster still sign in read-only (READ_ONLY_DAYS):
        # the page says so, and leads there, rather than that the link is spent.
        until = access_service.read_only_until(err.proposal)
        read_only_open = access_service.read_only_stage(err.proposal) and \
            until is not None and access_service.clock.now() < until
    return render_template("owner/dead_end.html", kind=err.kind, proposal=err.proposal,
                           until=err.until, plan=plan, objection_end=objection_end,
                           signed_in=signed_in, read_only_open=read_only_open,
                           kept_text=getattr(err, "kept_text", None)), status



# The views register themselves on bp.
from votes.web.owner import objections, signing_in, voting  # noqa: E402,F401
