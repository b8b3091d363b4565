"""An owner's objection in the objection period (§17), by link or signed in."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from votes.extensions import client_address, limiter
from votes.services import access as access_service
from votes.services.errors import DomainError
from votes.web.login import owner_of, owner_required
from votes.web.owner import bp


from votes.web.owner.signing_in import ADDRESS_PER_MINUTE, _verify_link


def _address_and_owner() -> str:
    """The objection form's limit is per client address and signed-in owner, as the second
    factor's is per address and voter: owners filing at a meeting on the hall's Wi-Fi, or
    behind a carrier's NAT, each have theirs to file (ADDRESS_PER_MINUTE still bounds the
    address)."""
    from flask_login import current_user

    return f"{client_address()}|{current_user.get_id() or ''}"


@bp.route("/v/<token>/objection", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_address_and_owner)
@limiter.limit(ADDRESS_PER_MINUTE, methods=["POST"])
def objection(token: str):
    """An owner's objection in the objection period, with their own voting link (§17)."""
    from votes.services.procedure import objections

    proposal, access = objections.proposal_of_link(token)
    now = objections.clock.now()
    if not objections.in_period(proposal, now):
        owner = owner_of(proposal)
        own = owner is not None and owner.voter_key == access.voter_key
        if own and objections.transferred(proposal, owner.voter_key):
            return _sold_page(proposal)
        return _closed_objection_page(proposal, access.voter_key if own else None, now,
                                      token=token, kept=_sent_text())
    try:
        # An objection holds the final result back: the link alone (a photographed notice)
        # may not file one in the owner's name. The owner verifies as for the ballot.
        access_service.check_unlocked(access, proposal)
        owner = owner_of(proposal)
        if owner is None or owner.voter_key != access.voter_key:
            return _verify_link(proposal, access, objection=True)
        if request.method == "GET":
            # Signed in already: the form at the proposal's address, not at the token's.
            response = redirect(url_for("owner.signed_in_objection", uid=proposal.uid))
            response.headers["Cache-Control"] = "no-store"
            return response
        if objections.transferred(proposal, owner.voter_key):
            return _sold_page(proposal)
        filed = text = None
        if request.method == "POST":
            try:
                _, filed = objections.file_online(token, request.form.get("text", ""),
                                                  owner.voter_key)
            except access_service.DeadEnd:
                raise
            except DomainError as err:
                flash(err.message, "error")
                text = _refill(request.form.get("text", ""))
    except access_service.DeadEnd as err:
        # A link a stranger locked while the owner typed: nothing is filed through it, but
        # the text sent comes back on the locked page to be copied, never lost.
        if request.method == "POST":
            err.kept_text = _refill(request.form.get("text", ""))
        raise
    return _objection_page(proposal, owner.voter_key, filed, text)


def _refill(text: str) -> str:
    """A refused objection's text for the form again: the owner corrects it rather than
    typing it anew, without the invisible characters the filing refuses."""
    from votes.services.plain_text import plain

    return plain(text, lines=True)


def _sent_text() -> str | None:
    """An objection's text sent when it could no longer be filed (the period ended while
    the owner typed): shown back to be copied and kept, never lost without a word."""
    if request.method != "POST":
        return None
    return _refill(request.form.get("text", "")).strip() or None


def _sold_page(proposal):
    """The seller's objection page after their flat was sold during the vote (§16): no form,
    none of the voter's objections (the buyer's), and a text sent comes back to be copied."""
    from votes.services.procedure import objections

    return render_template("owner/objection.html", proposal=proposal, mine=(),
                           problem=str(objections.SOLD), kept_text=_sent_text(),
                           kept_why=_("下面是您填写的内容，没有提交，供您复制保存（长按文字，"
                                      "全选后复制）。")), 403


def _objection_page(proposal, voter_key: str, filed, text: str | None = None):
    """The objection form, under the objections this voter has filed: the page reloaded, or
    in the other language (a GET of its address), showed the empty form alone after a filing,
    and the owner, seeing no trace of it, would file again."""
    from votes.services.procedure import objections

    mine = objections.filed_by(proposal, voter_key)
    online = sum(1 for o in mine if o.channel == "online")
    return render_template("owner/objection.html", proposal=proposal, filed=filed, mine=mine,
                           text=text,
                           more=online < objections.MAX_ONLINE_OBJECTIONS,
                           limit=objections.MAX_ONLINE_OBJECTIONS,
                           end=objections.period_end(proposal))


def _closed_objection_page(proposal, voter_key: str | None, now, token: str | None = None,
                           kept: str | None = None):
    """The objection page outside the period: why nothing can be filed, and to the owner
    signed in for `voter_key` (None: anyone else) what they filed and the committee's
    answers, read-only. After the period they were on the public board alone.

    After the vote the page leads on to the owner's records: signed in, to /p/<uid>/mine;
    otherwise, on the link's own page, to the read-only sign-in by the same link
    (READ_ONLY_DAYS), which said 异议期已结束 and no more."""
    from votes.services.procedure import objections

    mine = objections.filed_by(proposal, voter_key) if voter_key is not None else ()
    until = access_service.read_only_until(proposal)
    records = access_service.read_only_stage(proposal) and until is not None and now < until
    return render_template("owner/objection.html", proposal=proposal, mine=mine,
                           problem=objections.period_problem(proposal, now),
                           mine_link=records and voter_key is not None,
                           sign_in_token=token if records and voter_key is None else None,
                           kept_text=kept)


@bp.route("/p/<uid>/objection", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_address_and_owner)
@limiter.limit(ADDRESS_PER_MINUTE, methods=["POST"])
@owner_required
def signed_in_objection(proposal, owner):
    """An objection by an owner who passed the second factor from the lobby poster."""
    from votes.services.procedure import objections

    if objections.transferred(proposal, owner.voter_key):
        return _sold_page(proposal)
    now = objections.clock.now()
    if not objections.in_period(proposal, now):
        return _closed_objection_page(proposal, owner.voter_key, now, kept=_sent_text())
    filed = text = None
    if request.method == "POST":
        try:
            filed = objections.file_signed_in(proposal, owner.voter_key,
                                              request.form.get("text", ""))
        except DomainError as err:
            flash(err.message, "error")
            text = _refill(request.form.get("text", ""))
    return _objection_page(proposal, owner.voter_key, filed, text)
