"""Attacks on the owner's sign-in and its end that hold (no change was needed): another
person's sign-out cannot be forced (no GET, HEAD or page that signs out, a CSRF token of
another session refused, nothing recorded), a choice kept after an expiry never crosses to
another proposal, whoever the owner is there, and it is kept to the minute it says."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import make_open_proposal, voter_token
from tests.security.test_owner_session_end import _at
from tests.security.test_voter_pseudonym_linkage import ZHANG_SUFFIX


def _sign_in(client, app, vote):
    client.get(f"/v/{voter_token(app, vote)}")
    return client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})


def _signed_in(client, vote) -> bool:
    return client.get(f"/p/{vote['uid']}/ballot").status_code == 200


def _signed_out_at(app, vote):
    from votes.extensions import db
    from votes.models import FrozenVoter

    with app.app_context():
        found = db.session.scalars(select(FrozenVoter.signed_out_at).where(
            FrozenVoter.proposal_id == vote["id"])).all()
        db.session.remove()
    return [t for t in found if t is not None]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_another_persons_sign_out_cannot_be_forced(app, runner, tmp_path, client):
    """A page elsewhere that links, embeds or posts to the owner's sign-out: a GET or HEAD
    of /sign-out (405), the signed-out page opened (an <img>), a POST carrying the
    attacker's own CSRF token with the owner's cookie (400) sign no one out and record
    nothing; the owner's own form does."""
    _at(app)
    vote = make_open_proposal(app, runner, tmp_path)
    assert _sign_in(client, app, vote).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        attacker = app.test_client()
        assert _sign_in(attacker, app, vote).status_code == 400  # no token: refused too
        theirs = _token(attacker.get(f"/v/{voter_token(app, vote, room='102')}",
                                     follow_redirects=True).get_data(as_text=True))
        out = f"/p/{vote['uid']}/sign-out"
        assert client.get(out).status_code == 405
        assert client.head(out).status_code == 405
        page = client.get(f"/p/{vote['uid']}/signed-out").get_data(as_text=True)
        assert "device_forget.js" not in page
        assert client.post(out, data={"csrf_token": theirs}).status_code == 400
        assert client.post(out, data={"csrf_token": "x" * 40}).status_code == 400
        assert _signed_in(client, vote) and _signed_out_at(app, vote) == []
        mine = _token(client.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True))
        assert client.post(out, data={"csrf_token": mine}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not _signed_in(client, vote) and len(_signed_out_at(app, vote)) == 1


def _confirm(client, vote, choice: str) -> str:
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": choice})
    assert page.status_code == 200
    return re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)


def test_a_kept_choice_never_crosses_to_another_proposal(app, runner, tmp_path, client):
    """张三 owns a flat in SUN's vote and in MOON's. His SUN sign-in expires between the
    confirm page and the cast: that page's nonce sent to MOON's cast keeps nothing, and a
    choice kept for SUN is not offered at his sign-in to MOON (and is spent by it)."""
    _at(app)
    sun = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "moon").mkdir()
    moon = make_open_proposal(app, runner, tmp_path / "moon", code="MOON")
    _at(app)
    assert _sign_in(client, app, sun).status_code == 302
    nonce = _confirm(client, sun, "disagree")
    _at(app, hours=12, seconds=1)
    expired = client.get_cookie("session").value
    r = client.post(f"/p/{moon['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    assert r.status_code == 403 and "分钟内重新验证身份登录" not in r.get_data(as_text=True)
    with client.session_transaction() as state:
        assert "kept_choice" not in state
    # Kept for SUN, by its own cast (the expired cookie sent again: the answer above forgot
    # the sign-in).
    client.set_cookie("session", expired)
    r = client.post(f"/p/{sun['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    assert "分钟内重新验证身份登录" in r.get_data(as_text=True)
    _at(app, hours=12, minutes=5)
    r = _sign_in(client, app, moon)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{moon['uid']}/ballot")
    assert "您选择了" not in client.get(f"/p/{moon['uid']}/confirm",
                                       follow_redirects=True).get_data(as_text=True)
    assert _sign_in(client, app, sun).headers["Location"].endswith("/ballot")


def test_a_kept_choice_waits_its_sixty_minutes_to_the_second(app, runner, tmp_path, client):
    _at(app)
    vote = make_open_proposal(app, runner, tmp_path)
    _at(app)
    for phone, wait, lands in ((client, 3600, "/confirm"), (app.test_client(), 3601, "/ballot")):
        _at(app)
        assert _sign_in(phone, app, vote).status_code == 302
        nonce = _confirm(phone, vote, "abstain")
        _at(app, hours=12, seconds=1)  # the cast, and the choice kept, at this second
        assert phone.post(f"/p/{vote['uid']}/cast",
                          data={"choice": "abstain", "nonce": nonce}).status_code == 403
        _at(app, hours=12, seconds=1 + wait)
        assert _sign_in(phone, app, vote).headers["Location"].endswith(lands), wait
