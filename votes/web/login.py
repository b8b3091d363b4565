"""Who is signed in. Owners are signed in for one proposal only, after the second factor."""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import g, session
from flask_login import UserMixin, current_user

from votes.core.numbers import whole_number
from votes.extensions import login_manager


@dataclass(frozen=True)
class OwnerUser(UserMixin):
    proposal_id: int
    voter_key: str
    # When the second factor was passed (microseconds since the epoch, UTC, by the wall
    # clock): the session is accepted OWNER_SESSION_HOURS after it, and not at all once the
    # voter signed out after it (FrozenVoter.signed_out_at).
    signed_in: int = field(default_factory=lambda: _wall_microseconds(), compare=False)
    # What the session cookie holds: the sign-in time and the voter key sealed (AES-GCM
    # under a key of its own, bound to the proposal), never the key itself. The voter key is
    # the voter's public pseudonym on the chain: a cookie read on a shared phone led to the
    # owner's ballot.
    sealed: str = field(default="", compare=False)

    def get_id(self) -> str:
        return f"o:{self.proposal_id}:" \
               f"{self.sealed or _seal(self.proposal_id, self.voter_key, self.signed_in)}"

    @property
    def signed_in_at(self) -> datetime:
        return datetime.fromtimestamp(self.signed_in / 1_000_000, timezone.utc)


def _wall_microseconds(when: datetime | None = None) -> int:
    from votes.services.clock import wall_now

    when = wall_now() if when is None else when
    delta = when - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# The sealing key's label. "owner-session" sealed the voter key alone: a host of that
# release opening a cookie of this one took "<time>:<key>" for a voter key, found no voter,
# and answered 500 while the hosts restarted one after the other; under a key of its own
# the cookie is no one there (the sign-in page), and a cookie of that release is told
# apart here (_sealed_before) to say that the sign-in expired.
_LABEL, _LABEL_BEFORE = "owner-session-2", "owner-session"


def _aead(label: str = _LABEL):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from votes.services.privacy import derived_key

    return AESGCM(derived_key(label))


def _seal(proposal_id: int, voter_key: str, signed_in: int, label: str = _LABEL) -> str:
    nonce = os.urandom(12)
    text = f"{signed_in}:{voter_key}".encode()
    blob = nonce + _aead(label).encrypt(nonce, text, str(proposal_id).encode())
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def _unseal(proposal_id: int, sealed: str, label: str = _LABEL) -> str | None:
    from cryptography.exceptions import InvalidTag

    try:
        blob = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return _aead(label).decrypt(blob[:12], blob[12:], str(proposal_id).encode()).decode()
    except (InvalidTag, ValueError):
        return None


def session_hours() -> int:
    """How long an owner's sign-in lasts (OWNER_SESSION_HOURS, config/default.py)."""
    from flask import current_app

    hours = current_app.config.get("OWNER_SESSION_HOURS")
    return 12 if hours in (None, "") else max(1, int(hours))


@login_manager.user_loader
def load_user(user_id: str):
    kind, _, rest = user_id.partition(":")
    if kind == "o":
        proposal_id, _, sealed = rest.partition(":")
        number = whole_number(proposal_id, digits=18)
        if number is None or not sealed:
            return None
        # A cookie of before the sealing (`o:<id>:v-…`) holds the bare pseudonym, which the
        # chain publishes: signed by the app's secret alone, it is not opened (with a leaked
        # secret anyone could sign in as any voter); it fails the seal like any forgery.
        opened = _unseal(number, sealed)
        if opened is None:
            if _unseal(number, sealed, _LABEL_BEFORE) is not None:
                # Sealed before sign-in times were: no age to bound, so signed in again.
                _session_ended("expired", number)
            return None
        stamp, _, voter_key = opened.partition(":")
        signed_in = whole_number(stamp, digits=20)
        if signed_in is None or not voter_key:
            return None
        user = OwnerUser(number, voter_key, signed_in, sealed)
        if _wall_microseconds() - signed_in > session_hours() * 3_600_000_000:
            _session_ended("expired", number, voter_key, signed_in)
            return None
        return user
    if kind == "s":
        from votes.web.staff_login import load_staff

        return load_staff(rest)
    return None


# What an owner's session holds beside the sign-in itself: the sign-in's proof, a confirm
# page's nonce and revision, a refused cast's choice, whether it is read-only.
_OWNER_KEYS = ("_user_id", "_fresh", "_id", "proof", "ballot_nonce", "ballot_revision",
               "retry_choice", "owner_read_only")


def forget_owner() -> None:
    """Take the owner's sign-in out of the session: the cookie written with this answer
    no longer holds it (the language chosen and a pending second factor stay)."""
    for key in _OWNER_KEYS:
        session.pop(key, None)


def _session_ended(why: str, proposal_id: int | None = None,
                   voter_key: str | None = None, signed_in: int | None = None) -> None:
    """The session's sign-in is over (`why`: "expired" or "signed_out"): forgotten, and the
    sign-in page this request shows says so (session_ended()). Whose it was, when it was
    signed in, and the confirm page's nonce it held, stay with this request: a cast it
    refuses keeps the choice for the same voter's next sign-in (keep_refused_choice)."""
    g.owner_session_ended = why
    g.owner_ended = (proposal_id, voter_key, session.get("ballot_nonce"), signed_in)
    forget_owner()


def session_ended() -> str | None:
    """Why this request's owner sign-in was refused, if it was one that had ended."""
    return g.get("owner_session_ended")


def sign_in_time(signed_out_at: datetime | None) -> int:
    """A sign-in's time (as OwnerUser.signed_in): now, or just after the voter's last
    sign-out if that reads later. Hosts' clocks differ, and a sign-out is dated ahead of the
    clock (owner_pages.sign_out): a sign-in read as before it would be refused at once, and
    again at each try, for as long as the difference."""
    now = _wall_microseconds()
    return now if signed_out_at is None else max(now, _wall_microseconds(signed_out_at) + 1)


def signed_out_since(user: OwnerUser, signed_out_at) -> bool:
    """Whether the voter signed out (on any phone) at or after this session's sign-in: the
    old cookie, replayed, is then no one."""
    return signed_out_at is not None and user.signed_in <= _wall_microseconds(signed_out_at)


# How long a choice whose cast found the sign-in expired waits for the same voter's next
# sign-in (kept_choice): long enough to find the notice's link again, not so long that on a
# shared phone it is offered at a sign-in the owner makes days later.
KEPT_CHOICE_MINUTES = 60
_KEPT_LABEL = "owner-kept-choice"


def keep_refused_choice(proposal_id: int, choice: str, nonce_sent: str) -> bool:
    """A cast sent from this session's confirm page (its nonce) reached the server after
    the sign-in had expired: nothing was recorded. The choice is kept in the cookie, sealed
    with the voter it was chosen for (whose key the cookie never holds in the clear), for
    that voter's next sign-in on this phone to find it on the confirm page. Not after a
    sign-out: the household ended the session, perhaps for the choice made in it."""
    import secrets

    ended = g.get("owner_ended")
    if session_ended() != "expired" or ended is None or ended[0] != proposal_id \
            or not ended[1] or not ended[2] or ended[3] is None \
            or not secrets.compare_digest(nonce_sent.encode(), ended[2].encode()):
        return False
    # The hours are checked first, without the database: a session past them may have been
    # signed out too (before it expired, or since), and that sign-out ended its choice. One
    # statement, on this refused cast only.
    from votes.services.owner_pages import signed_out_at

    if signed_out_since(OwnerUser(proposal_id, ended[1], ended[3]),
                        signed_out_at(proposal_id, ended[1])):
        g.owner_session_ended = "signed_out"
        return False
    session["kept_choice"] = _seal(proposal_id, f"{choice}:{ended[1]}",
                                   _wall_microseconds(), _KEPT_LABEL)
    return True


def kept_choice(proposal_id: int, voter_key: str) -> str | None:
    """The choice keep_refused_choice kept, if it was this voter's, for this proposal, and
    kept less than KEPT_CHOICE_MINUTES ago; taken out of the session either way."""
    sealed = session.pop("kept_choice", None)
    opened = None if not sealed else _unseal(proposal_id, sealed, _KEPT_LABEL)
    if opened is None:
        return None
    stamp, _, rest = opened.partition(":")
    choice, _, kept_for = rest.partition(":")
    kept_at = whole_number(stamp, digits=20)
    if kept_at is None or kept_for != voter_key or \
            _wall_microseconds() - kept_at > KEPT_CHOICE_MINUTES * 60_000_000:
        return None
    return choice


_UNREAD = object()


def owner_of(proposal, voter=_UNREAD) -> OwnerUser | None:
    """The signed-in owner if signed in for this proposal and not signed out since, else
    None. `voter`: the voter's FrozenVoter values as the page read them (None: no row), so
    that the sign-out check costs the owner pages no statement; otherwise it is read here,
    once a request."""
    user = current_user._get_current_object()
    if not isinstance(user, OwnerUser) or user.proposal_id != proposal.id:
        return None
    checked = g.get("owner_checked")
    if checked is not None and checked[0] is user:
        return user if checked[1] else None
    if voter is _UNREAD:
        from votes.services.owner_pages import signed_out_at

        signed_out = signed_out_at(proposal.id, user.voter_key)
    else:
        signed_out = getattr(voter, "signed_out_at", None)
    valid = not signed_out_since(user, signed_out)
    g.owner_checked = (user, valid)
    if not valid:
        _session_ended("signed_out", user.proposal_id, user.voter_key)
        return None
    return user


def device_keys_kept(proposal=None) -> str | None:
    """Which of the browser's device keys (device.js keeps each under "<proposal uid>:<voter
    key>", the pseudonym the chain shows the choice under after the close) this page leaves
    in IndexedDB; device_forget.js takes out every other one.

    The signed-in owner's key for the page's proposal; "" none, when no owner is signed in
    on this browser (never, the hours over, signed out here or on another phone) or the
    sign-in is read-only (it registers no key): whoever uses the phone next must not read
    whose ballot to look for on the board. None, nothing taken out, where the page cannot
    tell: a staff member's page, an owner signed in for a proposal the page does not name,
    a page whose sign-out check could not be read."""
    try:
        user = current_user._get_current_object()
        if not isinstance(user, OwnerUser):
            return "" if user is None or user.is_anonymous else None
        if session_ended() or session.get("owner_read_only"):
            return ""
        if proposal is None or getattr(proposal, "id", None) != user.proposal_id:
            return None
        owner = owner_of(proposal)  # the page's own check, or one statement (the board)
        return f"{proposal.uid}:{owner.voter_key}" if owner is not None else ""
    except Exception:  # noqa: BLE001 - an error page must render even if the DB is down
        return None


def owner_required(view):
    """The view's proposal (by uid) must be the one the owner verified for."""

    @functools.wraps(view)
    def wrapper(uid: str, *args, **kwargs):
        from votes.services.owner_pages import owner_proposal

        proposal = owner_proposal(uid)
        owner = owner_of(proposal)
        if owner is None:
            return _sign_in_first(proposal)
        return view(proposal, owner, *args, **kwargs)

    return wrapper


def owner_view_required(page=None, *, devices: bool = False):
    """owner_required, for a page that shows the voter: it is called with the owner's
    VoterView as well, read in the same statement as the proposal; with `devices` the view
    holds the voter's registered device keys (the cast)."""
    if page is None:
        return functools.partial(owner_view_required, devices=devices)

    @functools.wraps(page)
    def wrapper(uid: str, *args, **kwargs):
        from votes.services.owner_pages import owner_proposal, owner_proposal_and_view, voter_view

        user = current_user._get_current_object()
        if not isinstance(user, OwnerUser):
            return _sign_in_first(owner_proposal(uid))
        proposal, view = owner_proposal_and_view(uid, user.voter_key, devices)
        owner = owner_of(proposal, view.voter if view is not None else _UNREAD)
        if owner is None:
            return _sign_in_first(proposal)
        if view is None:  # no unit of this voter: what the page's own read would find
            view = voter_view(proposal, owner.voter_key)
        return page(proposal, owner, view, *args, **kwargs)

    return wrapper


def _sign_in_first(proposal):
    from flask import render_template

    from votes.services import clock
    from votes.services.procedure.objections import open_period_end

    # After the close, in the objection period, an owner page without the session (a
    # browser that lost the cookie) is not to be signed in to vote: it says how to verify
    # for an objection, and leads to building and room.
    from votes.services.access import read_only_stage

    if proposal.state == "withdrawn":  # no vote will be held: nothing to sign in for
        return render_template("owner/dead_end.html", kind="withdrawn", proposal=proposal), 410
    from flask import request

    from votes.core.receipt_code import grouped, short_code

    # After the vote and any objection period, it says how to sign in read-only.
    # A sign-in that ended (its hours over, or signed out since) says so above how to sign
    # in again, rather than a sign-in page that reads as if the owner had never been in.
    # A cast refused here says that nothing was recorded (and, after an expiry, that the
    # choice waits for the next sign-in); the receipt of a ballot this phone cast, refused
    # because the sign-in ended since the cast was accepted (a sign-out committed while the
    # cast was under way, or the hours running out before the receipt loaded), gives the
    # receipt code, as the board shows it, rather than leave the owner to guess.
    refused_cast = kept = accepted = kept_text = None
    if request.endpoint == "owner.signed_in_objection" and request.method == "POST":
        # An objection typed while the sign-in ended (its hours over, signed out on another
        # phone): given back to be copied, as when the period ends or the link locks meanwhile.
        from votes.services.plain_text import plain

        kept_text = plain(request.form.get("text", ""), lines=True).strip() or None
    elif request.endpoint == "owner.cast" and request.method == "POST":
        refused_cast = request.form.get("choice")
        if refused_cast not in ("agree", "disagree", "abstain"):
            refused_cast = ""
        elif keep_refused_choice(proposal.id, refused_cast, request.form.get("nonce", "")):
            kept = KEPT_CHOICE_MINUTES
    elif request.endpoint == "owner.receipt":
        digest = (request.view_args or {}).get("digest")
        if digest and session.get("just_cast") == f"{proposal.id}:{digest}":
            accepted = digest
    return render_template("owner/dead_end.html", kind="signin", proposal=proposal,
                           objection_end=open_period_end(proposal, clock.now()),
                           read_only=read_only_stage(proposal), ended=session_ended(),
                           hours=session_hours(), refused_cast=refused_cast,
                           kept_minutes=kept, accepted=accepted, kept_text=kept_text,
                           accepted_short=accepted and grouped(short_code(accepted))), 403
