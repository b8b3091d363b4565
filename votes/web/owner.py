"""Owner pages: voting link, second factor, ballot, confirmation, receipt."""

from __future__ import annotations

import secrets

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import login_user
from flask_wtf.csrf import generate_csrf

from votes.core.commitment import DOMAIN as COMMITMENT_DOMAIN
from votes.core.receipt_code import grouped, short_code
from votes.extensions import client_address, limiter
from votes.services import access as access_service
from votes.services import sms_codes
from votes.services.clock import local_text
from votes.services.device_check import UnsignedButRegistered
from votes.services.errors import DomainError
from votes.services.owner_pages import (cast_online, owner_proposal, pending_page,
                                        receipt_details, register_device, voter_view)
from votes.services.tally import ResultUnshown
from votes.services.tx import read_only, reads_only
from votes.web.login import (OwnerUser, kept_choice, owner_of, owner_required,
                             owner_view_required, sign_in_time)

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
                           signed_in=signed_in, read_only_open=read_only_open, kept_text=getattr(err, "kept_text", None)), \
        status


@bp.get("/v/<token>")
@reads_only
def link(token: str):
    try:
        proposal, access = access_service.resolve_link(token)
    except access_service.DeadEnd as err:
        from votes.services.procedure.objections import in_period

        if err.kind == "closed" and err.proposal is not None and \
                in_period(err.proposal, access_service.clock.now()):
            return redirect(url_for("owner.objection", token=token))  # the same link (§17)
        if err.kind == "closed" and err.proposal is not None and \
                access_service.read_only_stage(err.proposal):
            # After the vote (and any objection period) the same link and second factor
            # sign in read-only, until READ_ONLY_DAYS after the last chain entry.
            access_service.check_read_only(err.proposal)
            found = access_service.link_access(token)
            access_service.check_unlocked(found[0], err.proposal)
            return _verify_link(err.proposal, found[0], read_only=True)
        raise
    return _verify_link(proposal, access)


def _verify_link(proposal, access, objection: bool = False, read_only: bool = False):
    """On to the second factor for the voter of a voting link; with `objection`, for filing
    one in the objection period, and back to the objection page after it.

    A redirect, never the form itself: the page's URL must not be the token. A page shown
    at /v/<token> keeps it as its address where JavaScript does not run, in the browser's
    global history, and in iOS WeChat, whose sharing, copying and "open in browser" use the
    landing URL whatever history.replaceState says. Redirected, the landing URL is the
    form's own."""
    _set_pending(access.id, lobby=False, objection=objection, read_only=read_only)
    # The second-factor form's CSRF secret goes out with this cookie, which is written
    # anyway: the form page then changes nothing in the session and sends no cookie.
    generate_csrf()
    response = redirect(url_for("owner.verify", uid=proposal.uid))
    response.headers["Cache-Control"] = "no-store"
    return response


def _address_and_voter() -> str:
    """The second factor's limit is per client address *and* the voter being proved: an
    owners' meeting, or a carrier's NAT, puts dozens of owners behind one address, and each
    of them has their own answers to give. Guessing one voter's answer stays at 10 a minute
    from an address (and the voter's own bounds: the lockout, the lobby's daily count)."""
    return f"{client_address()}|{session.get('pending_access') or 0}"


# How many flats one address may try a minute, on the poster (pick) and at the second
# factor together with the per-voter limit above: a meeting of a hundred owners on the
# hall's Wi-Fi, yet a stranger walking the roll from one address is still slowed down.
ADDRESS_PER_MINUTE = "120 per minute"
# SMS codes one address may ask for a minute, across voters (each voter's own are limited
# per address and voter, by the one-minute resend rule and the hourly caps in sms_codes.py).
# Lower than the answers': a code is a paid message to someone's phone. A hall of a
# hundred owners seldom asks them all in one minute; a stranger sending codes along the
# roll from one address is held to this.
SMS_ADDRESS_PER_MINUTE = "60 per minute"


@bp.route("/p/<uid>/pick", methods=["GET", "POST"])
@limiter.limit(ADDRESS_PER_MINUTE, methods=["POST"])
def pick(uid: str):
    proposal = owner_proposal(uid)
    stage = _pick_stage(proposal)
    objection, read_only = stage == "objection", stage == "read_only"
    typed = {name: request.form.get(name, "") for name in ("building", "entrance", "room")}
    if request.method == "POST":
        try:
            access, unit_id = access_service.find_by_unit(proposal, **typed,
                                                          objection=objection,
                                                          read_only=read_only)
        except access_service.EntranceNeeded as err:  # the form again, as it was typed
            flash(err.message, "error")
            return render_template("owner/pick.html", proposal=proposal, typed=typed,
                                   stage=stage)
        except access_service.DeadEnd as err:
            if err.kind != "not_in_scope":
                raise
            # Most often a typo: the form again to check, not a page saying the owner
            # need not vote. What no owner types (too long to be a flat) is not sent back.
            flash(_not_in_scope_message(proposal, stage), "error")
            typed = {k: v if len(v) <= access_service.TYPED_LABEL_MAX else ""
                     for k, v in typed.items()}
            return render_template("owner/pick.html", proposal=proposal, typed=typed,
                                   stage=stage), 404
        # Reached by building and room: the lobby throttle, and only the picked flat shown.
        _set_pending(access.id, lobby=True, objection=objection, unit=unit_id,
                     read_only=read_only)
        return redirect(url_for("owner.verify", uid=uid))
    return render_template("owner/pick.html", proposal=proposal, typed=typed, stage=stage)


def _not_in_scope_message(proposal, stage: str) -> str:
    """Why the poster's form found no flat, in the words of what the proposal is: an
    emergency use held no vote, and its owner was told so on the form above."""
    if proposal.state == "emergency":
        return _("本次应急使用的分摊范围内没有您填写的房屋。请核对楼栋、单元和房号后重新填写；"
                 "如填写无误，该房屋不分摊本次费用，如有疑问请联系业主委员会。")
    if stage != "vote":  # after the vote: the flat took no part, and pays no share
        return _("本次表决范围内没有您填写的房屋（不在表决范围内）。请核对楼栋、单元和房号后"
                 "重新填写；如填写无误，该房屋没有参加本次表决，也不分摊本次费用，如有疑问请联系"
                 "业主委员会。")
    return _("本次表决范围内没有您填写的房屋（不在表决范围内）。请核对楼栋、单元和房号后"
             "重新填写；如填写无误，该房屋无需参加本次表决，如有疑问请联系业主委员会。")


def _pick_stage(proposal) -> str:
    """Where the poster leads: "vote" (the ballot), "objection" (in the objection period,
    §17, the lobby is the owner's way round a link a stranger keeps locked, as it is while
    voting) or "read_only" (after the vote: the owner's own records, see READ_ONLY_DAYS in
    votes/services/access.py). DeadEnd when it leads to none."""
    from votes.services.procedure.objections import in_period

    try:
        access_service.check_open(proposal)
    except access_service.DeadEnd as err:
        if err.kind == "closed" and err.proposal is not None and \
                in_period(err.proposal, access_service.clock.now()):
            return "objection"
        if err.kind == "closed" and err.proposal is not None and \
                access_service.read_only_stage(err.proposal):
            access_service.check_read_only(err.proposal)  # "expired" past its end
            return "read_only"
        raise
    return "vote"


def _set_pending(access_id: int, *, lobby: bool, objection: bool = False,
                 unit: int | None = None, read_only: bool = False) -> None:
    """The access this browser is to prove next; a code sent for another one is forgotten."""
    if session.get("pending_access") != access_id:
        session.pop("code_sent_to", None)
    session["pending_access"] = access_id
    session["pending_lobby"] = lobby
    session["pending_objection"] = objection
    session["pending_read_only"] = read_only
    session["pending_unit"] = unit


_UNREAD = object()


def _pending(proposal, access=_UNREAD):
    """The session's pending access, checked; `access`: as read with the proposal (None:
    there is none of this proposal's)."""
    if access is _UNREAD:
        access = access_service.pending_access(session.get("pending_access") or 0)
    if access is None or access.proposal_id != proposal.id:
        _no_pending(proposal)
    _check_stage(proposal)
    if not _lobby():
        access_service.check_unlocked(access, proposal)
    return access


def _no_pending(proposal):
    """No second factor pending in this session for this vote: the cookie the link wrote was
    lost (an in-app browser that cleared it, a tab restored after the browser closed) or
    belongs to another vote. Still a 404, but not a bare 找不到该页面: the owner is told to
    open their link again."""
    abort(make_response(render_template("owner/dead_end.html", kind="signin",
                                        proposal=proposal), 404))


def _lobby() -> bool:
    return session.get("pending_lobby", True) is not False


def _check_stage(proposal) -> None:
    """The second factor is for voting, or, reached from the objection page, for filing an
    objection in the objection period after the close (§17), or, after the vote, for the
    read-only sign-in (READ_ONLY_DAYS in votes/services/access.py: refused past its end)."""
    if session.get("pending_read_only"):
        access_service.check_read_only(proposal)
    elif session.get("pending_objection"):
        from votes.services.procedure.objections import check_in_period

        check_in_period(proposal)
    else:
        access_service.check_open(proposal)


@bp.route("/p/<uid>/verify", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_address_and_voter)
@limiter.limit(ADDRESS_PER_MINUTE, methods=["POST"])
def verify(uid: str):
    # HEAD is answered by this view too (Flask adds it to GET): it shows the page, never
    # checks an answer, which only a POST (CSRF-checked and rate limited) may carry.
    if request.method != "POST":
        read_only()
        proposal, access, view = pending_page(uid, session.get("pending_access") or 0)
        if access is None and owner_of(proposal) is not None:
            return _passed_already(proposal)
        return _verify_page(proposal, _pending(proposal, access), view)
    status, error = 200, None
    # While voting is open the answer is checked without reading the proposal first: the
    # pending access's statement says whether it is (one round trip less for every owner).
    # Otherwise (before the start, after the end, the objection period) the proposal is
    # read, its stage checked (the clock may move it), and the answer checked after that.
    proposal = None
    try:
        try:
            # The pending access is read (locked) and checked against this proposal there;
            # a locked link raises DeadEnd there as it does in _pending.
            attempt = _answer(uid, stage_checked=False)
        except access_service.StageUnsure:
            proposal = owner_proposal(uid)
            _check_stage(proposal)
            attempt = _answer(uid, stage_checked=True)
    except access_service.DeadEnd:
        raise
    except access_service.NoPendingAccess:
        checked = proposal is not None
        if proposal is None:
            proposal = owner_proposal(uid)
        if owner_of(proposal) is not None and not session.get("pending_access"):
            # Before the stage check: passed for an objection, the session's stage is no
            # longer pending, and the check would take the proposal for voting (表决已结束).
            # The page it leads to checks the stage itself.
            return _passed_already(proposal)
        if not checked:  # a proposal past its voting says so, as before any answer
            _check_stage(proposal)
        _no_pending(proposal)
    except DomainError as err:
        attempt, error = None, err.message
    if attempt is not None and attempt.ok:
        login_user(OwnerUser(attempt.proposal_id, attempt.voter_key,
                             sign_in_time(attempt.signed_out_at)))
        # A confirm page opened before this sign-in was another sign-in's, perhaps another
        # owner's on a shared phone: its nonce (and a refused cast's choice) must not cast
        # a ballot for the voter signed in now.
        for name in ("ballot_nonce", "ballot_revision", "retry_choice", "just_cast"):
            session.pop(name, None)
        # A choice whose cast found the last sign-in expired, if it was this voter's.
        kept = kept_choice(attempt.proposal_id, attempt.voter_key)
        access_id = session.pop("pending_access", None)
        # Named in the device entry the chain records for this session's key (§14).
        session["proof"] = request.form.get("method", "id")
        # Signed in read-only after the vote: every page that writes refuses this session
        # (_refuse_writes_read_only), whatever the proposal's stage would allow.
        if session.pop("pending_read_only", False):
            session.pop("pending_objection", None)
            session["owner_read_only"] = True
            return redirect(url_for("owner.mine", uid=uid))
        session.pop("owner_read_only", None)
        if session.pop("pending_objection", False):
            if _lobby():  # building and room: the link's token is not theirs to be shown
                return redirect(url_for("owner.signed_in_objection", uid=uid))
            return redirect(url_for("owner.objection",
                                    token=access_service.own_link_token(uid, access_id)))
        if kept in CHOICES:
            # Back on the confirm page with it (confirm_again), to be confirmed again: the
            # expired session's page and nonce are spent.
            session["retry_choice"] = kept
            flash(_("登录过期前您的选择没有提交，选票没有记入表决记录。请核对下面的选择，"
                    "确认无误后点击“确认提交”。"), "error")
            return redirect(url_for("owner.confirm_again", uid=uid))
        return redirect(url_for("owner.ballot", uid=uid))
    if proposal is None:  # an answer that did not pass: the page again, with why
        proposal = owner_proposal(uid)
    if attempt is not None and attempt.locked_until:
        raise access_service.DeadEnd("locked", "locked", proposal, attempt.locked_until)
    if attempt is not None and attempt.wait_until:
        status = 429
        error = _("通过楼栋房号验证失败次数过多，请于 %(t)s（北京时间）后再试；也可以扫描表决通知上的"
                  "二维码验证，或联系业主委员会。", t=local_text(attempt.wait_until))
    elif attempt is not None:
        error = _("验证未通过，还可以再试 %(n)d 次。", n=attempt.remaining)
    # The refusal is shown with the box it refused (aria-invalid, described by the error):
    # a screen reader on that box says it was refused and why.
    return _verify_page(proposal, _pending(proposal), status=status, error=error,
                        refused=request.form.get("method", "id"))


def _passed_already(proposal):
    """The second-factor page when this session passed it for this vote already and has
    no other to prove: Back from the ballot page reloads it, a second tap on 验证 posts it
    again. The owner goes on to the ballot rather than to a dead 404; in the objection
    period (§17), where the ballot answers 表决已结束, to the objection form."""
    from votes.services.procedure.objections import in_period

    if in_period(proposal, access_service.clock.now()):
        return redirect(url_for("owner.signed_in_objection", uid=proposal.uid))
    if session.get("owner_read_only") or access_service.read_only_stage(proposal):
        return redirect(url_for("owner.mine", uid=proposal.uid))
    return redirect(url_for("owner.ballot", uid=proposal.uid))


def _answer(uid: str, stage_checked: bool):
    return access_service.verify_second_factor(
        session.get("pending_access") or 0, request.form.get("answer", ""),
        request.form.get("method", "id"), via_lobby=_lobby(), client=client_address(),
        proposal_uid=uid, stage_checked=stage_checked)


def _verify_page(proposal, access, view=None, status: int = 200, error=None, refused=None):
    if view is None:
        view = voter_view(proposal, access.voter_key)
    units, sent = view.units, session.get("code_sent_to")
    if _lobby():
        # Building and room prove nothing: whoever typed them sees that flat alone, not the
        # owner's other flats, nor (by the second factors offered) a person or a company,
        # nor any digit of the phone.
        units = [u for u in units if u.id == session.get("pending_unit")]
        methods, sent = access_service.ANY_METHOD, None if sent is None else ""
        if proposal.state == "emergency":
            # No voting notice is handed out for an emergency use: the same two ways for
            # every flat, which tells nothing of its owners. A company's or the developer's
            # notice code is printed on its letter (money/emergency_letters.py) and used
            # with the letter's own link, never here.
            methods = access_service.Methods(id_suffix=True, notice_code=False, sms=True)
    else:
        methods = access_service.methods(proposal, access.voter_key, view.voter)
    return render_template("owner/verify.html", proposal=proposal, units=units,
                           methods=methods, sent=sent, lobby=_lobby(),
                           objection=session.get("pending_objection", False),
                           read_only=session.get("pending_read_only", False), error=error,
                           refused=refused if error else None,
                           phone_lobby_daily=sms_codes.PHONE_LOBBY_DAILY), status


@bp.post("/p/<uid>/code")
@limiter.limit("3 per minute", key_func=_address_and_voter)
@limiter.limit(SMS_ADDRESS_PER_MINUTE)
def send_code(uid: str):
    proposal = owner_proposal(uid)
    access = _pending(proposal)
    try:
        session["code_sent_to"] = sms_codes.send_code(access.id, via_lobby=_lobby())
    except sms_codes.CodeSentRecently as err:  # a second tap: the code sent stands
        session["code_sent_to"] = err.sent
        flash(err.message, "ok")
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("owner.verify", uid=uid))


@bp.get("/p/<uid>/ballot")
@reads_only
@owner_view_required
def ballot(proposal, owner, view):
    done = _no_ballot_to_cast(proposal, view)
    if done is not None:
        return done
    access_service.check_open(proposal)
    return render_template("owner/ballot.html", proposal=proposal, view=view,
                           voter_key=owner.voter_key)


def _no_ballot_to_cast(proposal, view):
    """The page instead of the ballot form when the voter has no ballot left to cast: the
    seller's after a transfer, or the receipt once their ballot (and any change the vote
    allows) is in. None: they may vote."""
    if view.transfer is not None:
        return _transferred(proposal, view)
    if view.ballot is not None and (view.changes_used >= proposal.max_changes
                                    or proposal.state != "voting"):
        return redirect(url_for("owner.receipt", uid=proposal.uid, digest=view.ballot.receipt))
    return None


def _transferred(proposal, view):
    """The seller's page after a transfer (§16): the buyer's ballot was entered in their
    place, and they cannot vote again."""
    return render_template("owner/transferred.html", proposal=proposal, view=view,
                           transfer=view.transfer)


def _next_revision(view) -> int:
    # After the latest ballot, withdrawn or not (a withdrawn one still holds its revision).
    return view.latest.revision + 1 if view.latest is not None else 0


@bp.post("/p/<uid>/confirm")
@reads_only
@owner_view_required(devices=True)
def confirm(proposal, owner, view):
    # The ballot form sent again (Back, then 重新提交; a form left open in another tab) after
    # the voter's last ballot is in, or after a transfer: the confirm page said the choice
    # "will be recorded" and the cast then refused it.
    done = _no_ballot_to_cast(proposal, view)
    if done is not None:
        if view.transfer is None:
            flash(_("该业主的表决已被受理，请勿重复提交"), "error")
        return done
    access_service.check_open(proposal)
    if not view.votes:  # the ballot page says why they do not vote, and shows no form
        return redirect(url_for("owner.ballot", uid=proposal.uid))
    choice = request.form.get("choice")
    if choice not in CHOICES:
        flash(_("请选择一项：同意、反对或弃权。"), "error")
        return redirect(url_for("owner.ballot", uid=proposal.uid))
    return _confirm_page(proposal, owner, view, choice)


def _confirm_page(proposal, owner, view, choice: str):
    session["ballot_nonce"] = nonce = secrets.token_hex(16)
    # The ballot this page leads to follows the voter's ballots as they are now. A cast sent
    # again with the cookie from before its first send (a phone that lost the answer) finds
    # one more and is refused, signed or not (a signed one's nonce is on the chain too).
    session["ballot_revision"] = _next_revision(view)
    # The voter's keys already on the chain (public there): the page signs with its key when
    # it is one of them, without registering it again, so that a network failing now cannot
    # turn the ballot unsigned, which the cast would refuse (§14.1).
    return render_template("owner/confirm.html", proposal=proposal, choice=choice, nonce=nonce,
                           voter_key=owner.voter_key, commitment_domain=COMMITMENT_DOMAIN,
                           registered=view.devices or ())


@bp.get("/p/<uid>/confirm")
def confirm_again(uid: str):
    """The confirm page is the answer to the ballot form's POST: reloaded by its address (a
    restored tab, WeChat's 刷新) it is a GET, which leads back to the ballot, not to a 405.
    After a cast refused only for lacking the device signature it shows the same choice
    again, once: a new tap signs it on a fresh page (see cast)."""
    if session.get("retry_choice") not in CHOICES:
        if session.get("ballot_nonce"):
            # A confirm page is open and its choice not sent: reloaded, or its language link
            # (?lang=), which led to the ballot page with nothing said, as if it were
            # recorded. The choice itself is not kept in the cookie to show it again: the
            # chain holds only its commitment, and the cookie stays on the phone.
            flash(_("您的选择尚未提交，请重新选择并确认。"), "error")
        # The language asked for goes along: this answer renders nothing that would store it.
        return redirect(url_for("owner.ballot", uid=uid, lang=request.args.get("lang")))
    return _confirm_retry(uid)


@reads_only
@owner_view_required(devices=True)
def _confirm_retry(proposal, owner, view):
    choice = session.pop("retry_choice")
    # A choice kept across a sign-in (kept_choice) may find the voter's ballot in since,
    # cast on another phone or entered by staff: the receipt, as the confirm form shows it.
    done = _no_ballot_to_cast(proposal, view)
    if done is not None:
        return done
    access_service.check_open(proposal)
    if not view.votes:
        return redirect(url_for("owner.ballot", uid=proposal.uid))
    return _confirm_page(proposal, owner, view, choice)


@bp.post("/p/<uid>/device")
@owner_required
def device(proposal, owner):
    sent = request.get_json(silent=True)
    # The page says whose it is: on a shared phone a page left open by one owner, after
    # another signed in, would otherwise bind its key to the other owner's voter.
    if isinstance(sent, dict) and sent.get("voter") != owner.voter_key:
        return {"ok": False, "error": _("此页面是为另一位业主打开的，请刷新页面")}, 409
    # The body is the client's: a list, a string or a number is no key (not a server error).
    key = sent.get("public_key", "") if isinstance(sent, dict) else ""
    try:
        register_device(proposal, owner.voter_key, key if isinstance(key, str) else "",
                        session.get("proof", ""))
    except DomainError as err:
        return {"ok": False, "error": err.message}, 400
    return {"ok": True}


@bp.post("/p/<uid>/cast")
@owner_view_required(devices=True)
def cast(proposal, owner, view):
    # Read now: the commit below expires the loaded proposal.
    uid, proposal_id = proposal.uid, proposal.id
    nonce = session.get("ballot_nonce")
    if not nonce or not secrets.compare_digest(
            request.form.get("nonce", "").encode(), nonce.encode()):  # bytes: any text sent
        # A stale page (another tab, or one the latest confirm page replaced) is refused and
        # leaves the session's nonce alone: taken first, it was spent by the stale send, and
        # the current page, submitted after, was refused as expired too.
        flash(_("页面已过期，请重新选择。"), "error")
        return redirect(url_for("owner.ballot", uid=proposal.uid))
    # Spent by the send that matches it, whatever the cast's outcome: a nonce casts once.
    # (The cookie from before this send still holds it; the revision below, and the chain's
    # own record of a signed ballot's nonce, refuse that resend.)
    session.pop("ballot_nonce")
    revision = session.pop("ballot_revision", None)
    if revision is not None and revision != _next_revision(view) and _own_send(view.ballot):
        flash(_("您打开确认页面之后，本户已有一张选票记入表决记录（可能就是您刚才的提交），"
                "本次提交没有再记入。请核对下面的回执。"), "error")
        return redirect(url_for("owner.receipt", uid=uid, digest=view.ballot.receipt))
    try:
        ballot = cast_online(proposal, view, request.form.get("choice", ""), nonce,
                             request.form.get("public_key") or None,
                             request.form.get("signature") or None,
                             request.form.get("salt") or None)
    except ResultUnshown:
        raise  # the chain damaged in the database: said on the error page, whom to tell
    except DomainError as err:
        view = voter_view(proposal, owner.voter_key)
        if view.transfer is not None:  # the buyer's receipt is not the seller's to be sent to
            flash(err.message, "error")
            return redirect(url_for("owner.ballot", uid=uid))
        if isinstance(err, UnsignedButRegistered) and request.form.get("choice") in CHOICES:
            # The owner's own phone, most often: its registration reached the server but the
            # answer was lost, or its key store did not answer in time. The refusal stands;
            # the confirm page again, with the choice kept, is one tap from a signed retry.
            session["retry_choice"] = request.form["choice"]
            flash(err.message, "error")
            return redirect(url_for("owner.confirm_again", uid=uid))
        if view.ballot is not None:
            flash(err.message, "error")
            return redirect(url_for("owner.receipt", uid=uid, digest=view.ballot.receipt))
        flash(err.message, "error")
        return redirect(url_for("owner.ballot", uid=uid))
    # This phone cast it: should the sign-in end before the receipt loads (a sign-out
    # committed while this cast was under way, the hours running out), the sign-in page at
    # the receipt's address still gives its receipt code (login._sign_in_first).
    session["just_cast"] = f"{proposal_id}:{ballot.receipt}"
    return redirect(url_for("owner.receipt", uid=uid, digest=ballot.receipt))


def _own_send(ballot) -> bool:
    """Whether the voter's latest ballot may be this session's own earlier send of the cast
    (a resend with the cookie from before it): an online ballot that no staff entered.
    A paper, proxy or transfer ballot, or a staff correction, entered after the confirm page
    was opened is not; the cast then goes by the usual rules (a change, or refused)."""
    return ballot is not None and ballot.channel == "online" and ballot.corrects is None


@bp.get("/p/<uid>/receipt/<digest>")
@reads_only
@owner_view_required
def receipt(proposal, owner, view, digest: str):
    from votes.services.notices_pdf import receipt_qr_svg

    mine = receipt_details(proposal, view, digest)
    # Not view.ballot: the voter has no counted ballot once staff withdrew theirs (§15),
    # and the page then says so, where it was a 404.
    if mine is None:
        abort(404)
    if view.sold_ballot(mine.ballot):
        return _transferred(proposal, view)  # the buyer's choice is not the seller's to see
    check_url = url_for("public.board", uid=proposal.uid, receipt=digest, _external=True)
    return render_template("owner/receipt.html", proposal=proposal, digest=digest, view=view,
                           mine=mine, qr=receipt_qr_svg(check_url), check_url=check_url,
                           short=grouped(short_code(digest)))


@bp.get("/p/<uid>/mine")
@reads_only
@owner_view_required
def mine(proposal, owner, view):
    """The owner's own records after the vote, where the read-only sign-in lands: their
    ballot as counted (or not) with its receipt, their objections with the committee's
    answers, and what the settlement took from their flats once the works are settled.
    At the top, the outcome as the public board states it now (preliminary in an
    objection period, then final), from the figures the board is drawn from."""
    from votes.services.figures import proposal_figures
    from votes.services.money.works import spends_no_fund
    from votes.services.owner_pages import flat_debits
    from votes.services.procedure import objections

    if proposal.state == "emergency":  # no vote held: what it took is the owner's record
        return redirect(url_for("owner.emergency_use", uid=proposal.uid))
    if proposal.state not in access_service.READ_ONLY_STATES:
        return redirect(url_for("owner.ballot", uid=proposal.uid))
    if view.transfer is not None:  # sold during the vote: the buyer's records, not theirs
        return _transferred(proposal, view)
    response = make_response(render_template(
        "owner/mine.html", proposal=proposal, view=view,
        figures=proposal_figures(str(proposal.id)),
        mine=objections.filed_by(proposal, owner.voter_key),
        settled=flat_debits(proposal, view) is not None, no_fund=spends_no_fund(proposal),
        read_only=bool(session.get("owner_read_only"))))
    response.headers["Cache-Control"] = "no-store"  # one owner's records, on a shared phone
    return response


@bp.get("/p/<uid>/fund")
@reads_only
@owner_view_required
def fund(proposal, owner, view):
    """What the settlement took from the signed-in owner's own flats' maintenance-fund
    accounts, beside the estimate they were shown when voting (§18): theirs alone."""
    from votes.services.money.works import spends_no_fund
    from votes.services.owner_pages import flat_debits

    if proposal.state == "emergency":
        return redirect(url_for("owner.emergency_use", uid=proposal.uid))
    if view.transfer is not None:  # sold during the vote: the flat's account is the buyer's
        return _transferred(proposal, view)
    response = make_response(render_template("owner/fund.html", proposal=proposal, view=view,
                                             flats=flat_debits(proposal, view),
                                             no_fund=spends_no_fund(proposal)))
    response.headers["Cache-Control"] = "no-store"  # one owner's money, on a shared phone too
    return response


@bp.get("/p/<uid>/emergency")
@reads_only
@owner_view_required
def emergency_use(proposal, owner, view):
    """An emergency use (§18.6), to an owner of its scope signed in read-only: the danger,
    who applied and why, the evidence's digests, and what it takes from their own flats'
    accounts, computed as shown; no vote was held, so this is all the owner has to see."""
    from votes.services.owner_pages import emergency_account

    if proposal.state != "emergency":
        return redirect(url_for("owner.mine", uid=proposal.uid))
    response = make_response(render_template(
        "owner/emergency.html", proposal=proposal, view=view,
        account=emergency_account(proposal, view)))
    response.headers["Cache-Control"] = "no-store"  # one owner's money, on a shared phone too
    return response


def _own_receipt(view, digest: str) -> bool:
    """A receipt of this link's ballots, and not a buyer's after a transfer (§16): the
    seller's link keeps the seller's own receipts, never the new owner's."""
    ballot = view.ballot_with(digest)
    return ballot is not None and not view.sold_ballot(ballot)


@bp.get("/p/<uid>/receipt/<digest>/card.svg")
@owner_view_required
def receipt_card(proposal, owner, view, digest: str):
    """The receipt as an image to save: short code, full digest and the lookup's QR."""
    from flask import Response

    from votes.services.receipt_card import receipt_card_svg

    if not _own_receipt(view, digest):
        abort(404)
    check_url = url_for("public.board", uid=proposal.uid, receipt=digest, _external=True)
    body = receipt_card_svg(community=proposal.community.name, title=proposal.title,
                            digest=digest, check_url=check_url, heading=_("表决回执码"),
                            note=_("扫码或在公示栏输入回执码核验"))
    return Response(body, mimetype="image/svg+xml", headers={
        "Content-Disposition": f'attachment; filename="receipt-{short_code(digest)}.svg"',
        "Cache-Control": "no-store"})


@bp.get("/p/<uid>/receipt/<digest>/signed.json")
@owner_view_required
def signed_receipt(proposal, owner, view, digest: str):
    """The receipt as a statement signed by the server, for `votes verify --receipt`."""
    import json

    from flask import Response

    from votes.services.receipts import signed_receipt as make

    if view.ballot is None or not _own_receipt(view, digest):
        abort(404)
    body = json.dumps(make(proposal, digest), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{digest[:12]}.json"',
        "Cache-Control": "no-store"})


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
        return _closed_objection_page(proposal, access.voter_key if own else None, now,
                                      token=token, kept=_sent_text())
    try:
        # An objection holds the final result back: the link alone (a photographed notice)
        # may not file one in the owner's name. The owner verifies as for the ballot.
        access_service.check_unlocked(access, proposal)
        owner = owner_of(proposal)
        if owner is None or owner.voter_key != access.voter_key:
            return _verify_link(proposal, access, objection=True)
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


@bp.post("/p/<uid>/sign-out")
def sign_out(uid: str):
    """退出登录: the owner's sign-in leaves this phone's session, and the voter's sessions
    signed in until now are refused wherever their cookie is sent again (a copy of it, the
    browser restoring an old one): the cookie is the browser's, only the server can void it.
    Whatever proposal the session was signed in for; nothing of the proposal is read."""
    from flask_login import current_user, logout_user

    from votes.services.clock import wall_now
    from votes.services.owner_pages import sign_out as record_sign_out

    user = current_user._get_current_object()
    if isinstance(user, OwnerUser):
        record_sign_out(user.proposal_id, user.voter_key, user.signed_in_at, wall_now())
    logout_user()
    language = session.get("lang")
    session.clear()  # the pending second factor, the confirm page's nonce, the proof …
    if language:
        session["lang"] = language
    # Once, for the page that follows: only a sign-out (a POST with its CSRF token) takes
    # the device keys out of the browser, not a link to that page from anywhere.
    session["signed_out_of"] = uid
    return redirect(url_for("owner.signed_out", uid=uid))


@bp.get("/p/<uid>/signed-out")
def signed_out(uid: str):
    """After 退出登录: says so, and (device_forget.js) takes this proposal's device keys out
    of the browser's storage, whose names carry the voter's pseudonym."""
    forget = session.get("signed_out_of") == uid
    if forget:
        session.pop("signed_out_of")
    return render_template("owner/signed_out.html", uid=uid, forget=forget)
