"""Who is signed in. Owners are signed in for one proposal only, after the second factor."""

from __future__ import annotations

import base64
import functools
import os
import re
from dataclasses import dataclass, field

from flask import session
from flask_login import UserMixin, current_user

from votes.core.numbers import whole_number
from votes.extensions import login_manager


@dataclass(frozen=True)
class OwnerUser(UserMixin):
    proposal_id: int
    voter_key: str
    # What the session cookie holds: the voter key sealed (AES-GCM under a key of its own,
    # bound to the proposal), never the key itself. The voter key is the voter's public
    # pseudonym on the chain: a cookie read on a shared phone led to the owner's ballot.
    sealed: str = field(default="", compare=False)

    def get_id(self) -> str:
        return f"o:{self.proposal_id}:{self.sealed or _seal(self.proposal_id, self.voter_key)}"


def _aead():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from votes.services.privacy import derived_key

    return AESGCM(derived_key("owner-session"))


def _seal(proposal_id: int, voter_key: str) -> str:
    nonce = os.urandom(12)
    blob = nonce + _aead().encrypt(nonce, voter_key.encode(), str(proposal_id).encode())
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def _unseal(proposal_id: int, sealed: str) -> str | None:
    from cryptography.exceptions import InvalidTag

    try:
        blob = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return _aead().decrypt(blob[:12], blob[12:], str(proposal_id).encode()).decode()
    except (InvalidTag, ValueError):
        return None


# A voter key as a cookie of before the sealing held it. Only that shape: a sealed key is
# base64url and may itself begin "v-" (one in 4,096).
_PSEUDONYM = re.compile(r"v-(?:[0-9a-f]{24}|developer)", re.ASCII)


@login_manager.user_loader
def load_user(user_id: str):
    kind, _, rest = user_id.partition(":")
    if kind == "o":
        proposal_id, _, sealed = rest.partition(":")
        number = whole_number(proposal_id, digits=18)
        if number is None or not sealed:
            return None
        if _PSEUDONYM.fullmatch(sealed):
            # A session signed in before the keys were sealed (`o:<id>:v-…`, signed by the
            # app's secret, so not forged): still signed in, and written anew sealed.
            user = OwnerUser(number, sealed)
            session["_user_id"] = user.get_id()
            return user
        voter_key = _unseal(number, sealed)
        return OwnerUser(number, voter_key, sealed) if voter_key else None
    if kind == "s":
        from votes.web.staff_login import load_staff

        return load_staff(rest)
    return None


def owner_of(proposal) -> OwnerUser | None:
    """The signed-in owner if signed in for this proposal, else None."""
    user = current_user._get_current_object()
    if isinstance(user, OwnerUser) and user.proposal_id == proposal.id:
        return user
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
        owner = owner_of(proposal)
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
    # After the vote and any objection period, it says how to sign in read-only.
    return render_template("owner/dead_end.html", kind="signin", proposal=proposal,
                           objection_end=open_period_end(proposal, clock.now()),
                           read_only=read_only_stage(proposal)), 403
