"""The owner's vote: ballot, confirmation, device key, cast and receipt; and what the
owner reads of their flat (their ballots, the fund, an emergency use)."""

from __future__ import annotations

import secrets

from flask import (abort, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from votes.core.commitment import DOMAIN as COMMITMENT_DOMAIN
from votes.core.receipt_code import grouped, short_code
from votes.services import access as access_service
from votes.services.device_check import UnsignedButRegistered
from votes.services.errors import DomainError
from votes.services.online_ballot import cast_online, register_device
from votes.services.owner_pages import voter_view
from votes.services.owner_receipts import receipt_details
from votes.services.tally import ResultUnshown
from votes.services.tx import reads_only
from votes.web.login import owner_required, owner_view_required
from votes.web.owner import CHOICES, bp


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
    check_url = access_service.receipt_lookup_link(proposal.uid, digest)
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
    from votes.services.owner_pages import FlatDebit

    flats, no_fund = flat_debits(proposal, view), spends_no_fund(proposal)
    # Before the settlement, what the flats are to pay: the estimate shown when voting (a
    # page saying only that nothing was taken yet gave an owner no figure of their own).
    estimates = [] if flats is not None or no_fund else \
        [FlatDebit(u, u.share, None) for u in view.units]
    response = make_response(render_template("owner/fund.html", proposal=proposal, view=view,
                                             flats=flats, no_fund=no_fund,
                                             estimates=estimates))
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
    check_url = access_service.receipt_lookup_link(proposal.uid, digest)
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
