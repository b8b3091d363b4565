"""The owner's sign-in: the voting link, the lobby poster's pick of a flat, the second
factor (ID digits, notice code, SMS code), and signing out."""

from __future__ import annotations

from flask import (abort, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from votes.extensions import client_address, limiter, log_in
from votes.services import access as access_service
from votes.services import second_factor
from votes.services import sms_codes
from votes.services.clock import local_text
from votes.services.errors import DomainError
from votes.services.owner_pages import owner_proposal, pending_page, voter_view
from votes.services.tx import read_only, reads_only
from votes.web.login import OwnerUser, kept_choice, owner_of, sign_in_time
from votes.web.owner import CHOICES, bp


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
        except second_factor.StageUnsure:
            proposal = owner_proposal(uid)
            _check_stage(proposal)
            attempt = _answer(uid, stage_checked=True)
    except access_service.DeadEnd:
        raise
    except second_factor.NoPendingAccess:
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
        log_in(OwnerUser(attempt.proposal_id, attempt.voter_key,
                             sign_in_time(attempt.signed_out_at)))
        # A confirm page opened before this sign-in was another sign-in's, perhaps another
        # owner's on a shared phone: its nonce (and a refused cast's choice) must not cast
        # a ballot for the voter signed in now.
        for name in ("ballot_nonce", "ballot_revision", "retry_choice", "just_cast"):
            session.pop(name, None)
        # A choice whose cast found the last sign-in expired, if it was this voter's.
        kept = kept_choice(attempt.proposal_id, attempt.voter_key)
        session.pop("pending_access", None)
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
            # Signed in, by the link or from the lobby: the form at the proposal's address.
            # The link's token as the page's address stayed in the address bar, a shared
            # phone's history and WeChat's "copy link" (see _verify_link).
            return redirect(url_for("owner.signed_in_objection", uid=uid))
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
    return second_factor.verify_second_factor(
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
        methods, sent = second_factor.ANY_METHOD, None if sent is None else ""
        if proposal.state == "emergency":
            # No voting notice is handed out for an emergency use: the same two ways for
            # every flat, which tells nothing of its owners. A company's or the developer's
            # notice code is printed on its letter (money/emergency_letters.py) and used
            # with the letter's own link, never here.
            methods = second_factor.Methods(id_suffix=True, notice_code=False, sms=True)
    else:
        methods = second_factor.methods(proposal, access.voter_key, view.voter)
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
    return redirect(url_for("owner.signed_out", uid=uid))


@bp.get("/p/<uid>/signed-out")
def signed_out(uid: str):
    """After 退出登录: says so. Shown to a browser no owner is signed in on, it takes the
    device keys out of the browser's storage, whose names carry the voter's pseudonym, as
    every such page does (base.html, device_forget.js); a link to it from anywhere, opened
    in a signed-in owner's browser, takes out nothing."""
    return render_template("owner/signed_out.html", uid=uid)
