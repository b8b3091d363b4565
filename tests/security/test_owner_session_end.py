"""An owner's sign-in never ended: the sealed cookie held no sign-in time and never changed,
Flask accepted it for as long as it was written now and then, and owners had no sign-out.
On a shared phone (a family's, a neighbour's who helped an elderly owner) the next person
opened the owner's pages for weeks, and a copy of the cookie signed in as the owner as
long. Now the sealed text carries the sign-in time and the session lasts
OWNER_SESSION_HOURS after it; 退出登录 clears the phone's session and makes every cookie of
the voter signed in before it, replayed, no one (FrozenVoter.signed_out_at)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import make_open_proposal, voter_token
from tests.security.test_voter_pseudonym_linkage import ZHANG_SUFFIX

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["VOTES_WALL_NOW"] = T0
    return make_open_proposal(app, runner, tmp_path)


def _at(app, **delta) -> None:
    app.config["VOTES_WALL_NOW"] = T0 + timedelta(**delta)


def _sign_in(client, app, vote) -> None:
    client.get(f"/v/{voter_token(app, vote)}")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot"), r.status_code


def _ballot(client, vote):
    return client.get(f"/p/{vote['uid']}/ballot")


def _signed_in(response) -> bool:
    # 张三's two flats' share: shown to the owner signed in, never on the sign-in page.
    return response.status_code == 200 and "1,647.50" in response.get_data(as_text=True)


def _user_id(client) -> str | None:
    with client.session_transaction() as state:
        return state.get("_user_id")


def test_a_sign_in_lasts_its_hours_to_the_second_and_then_says_it_expired(app, vote, client):
    _sign_in(client, app, vote)
    _at(app, hours=12)  # the default, exactly: still signed in
    assert _signed_in(_ballot(client, vote))
    _at(app, hours=12, seconds=1)
    r = _ballot(client, vote)
    page = r.get_data(as_text=True)
    # The sign-in page, saying why and how to sign in again: not a bare 403.
    assert r.status_code == 403 and "1,647.50" not in page
    assert 'id="session-ended"' in page and "登录已过期" in page and "12 小时" in page
    assert "重新打开表决通知上的链接" in page
    # The cookie no longer holds the sign-in: a clock set back does not bring it back.
    assert _user_id(client) is None
    _at(app, hours=1)
    r = _ballot(client, vote)
    assert r.status_code == 403 and "登录已过期" not in r.get_data(as_text=True)
    # The link and the second factor sign in again, for as long again.
    _sign_in(client, app, vote)
    _at(app, hours=13)
    assert _signed_in(_ballot(client, vote))


def test_use_does_not_stretch_a_sign_in_and_a_copied_cookie_ends_with_it(app, vote, client):
    """Pages that write the cookie again (a confirm page's nonce) keep the sign-in time
    sealed in it: whoever keeps using a copy is still out at the same hour."""
    _sign_in(client, app, vote)
    copy = client.get_cookie("session").value
    _at(app, hours=11)
    assert client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).status_code == 200
    assert client.get_cookie("session").value != copy  # written again, the nonce in it
    _at(app, hours=12, seconds=1)
    assert _ballot(client, vote).status_code == 403
    other = app.test_client()
    other.set_cookie("session", copy)
    assert other.get(f"/p/{vote['uid']}/ballot").status_code == 403
    assert other.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).status_code == 403


def test_the_hours_are_a_setting(app, vote, client):
    app.config["OWNER_SESSION_HOURS"] = 2
    _sign_in(client, app, vote)
    _at(app, hours=2)
    assert _signed_in(_ballot(client, vote))
    _at(app, hours=2, seconds=1)
    r = _ballot(client, vote)
    assert r.status_code == 403 and "2 小时" in r.get_data(as_text=True)


def test_a_sealed_key_of_before_sign_in_times_is_signed_in_again(app, vote, client):
    """A cookie sealed by the release before (the voter key alone, no time): no age to
    bound, so the owner is asked to sign in again, told why."""
    from sqlalchemy import select

    from votes.web import login

    client.get(f"/p/{vote['uid']}")
    with app.test_request_context():
        from votes.extensions import db
        from votes.models import FrozenVoter

        key = db.session.scalars(select(FrozenVoter.voter_key)
                                 .where(FrozenVoter.proposal_id == vote["id"])).first()
        nonce = b"\0" * 12
        import base64

        sealed = base64.urlsafe_b64encode(nonce + login._aead("owner-session").encrypt(
            nonce, key.encode(), str(vote["id"]).encode())).decode().rstrip("=")
    with client.session_transaction() as state:
        state["_user_id"] = f"o:{vote['id']}:{sealed}"
    r = _ballot(client, vote)
    assert r.status_code == 403 and "登录已过期" in r.get_data(as_text=True)
    # And the other way, while hosts restart one after the other: a cookie of this release
    # does not open under the key of the release before (which took "<time>:<key>" for a
    # voter key and answered 500), so such a host shows its sign-in page.
    _sign_in(client, app, vote)
    with client.session_transaction() as state:
        sealed = state["_user_id"].split(":", 2)[2]
    with app.test_request_context():
        assert login._unseal(vote["id"], sealed, "owner-session") is None
        assert login._unseal(vote["id"], sealed).startswith(f"{int(T0.timestamp()) * 10**6}:v-")


def test_sign_out_clears_the_phone_and_makes_the_old_cookie_no_one(app, vote, client):
    _sign_in(client, app, vote)
    other_phone = app.test_client()  # a co-owner's, or a copy of the cookie
    _sign_in(other_phone, app, vote)
    page = _ballot(client, vote).get_data(as_text=True)
    assert 'id="sign-out"' in page and "退出登录" in page
    # said before it is done, not only after: a co-owner's phone is signed out with it
    assert "本户在其他手机上的登录也会失效" in page
    assert f'action="/p/{vote["uid"]}/sign-out"' in page
    old = client.get_cookie("session").value
    _at(app, minutes=5)
    r = client.post(f"/p/{vote['uid']}/sign-out")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/p/{vote['uid']}/signed-out")
    assert _user_id(client) is None
    done = client.get(r.headers["Location"])
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "已退出登录" in text and "这部手机不再保存您的登录" in text
    # The device keys are taken out of the browser (their names hold the pseudonym): the
    # page that follows a sign-out, as every page shown to a browser no owner is signed in on.
    assert 'device_forget.js" defer data-keep=""' in text
    assert _ballot(client, vote).status_code == 403

    # The old cookie sent again: the sign-in page, saying it was signed out; nothing opens.
    client.set_cookie("session", old)
    r = _ballot(client, vote)
    assert r.status_code == 403 and "此登录已退出" in r.get_data(as_text=True)
    assert _user_id(client) is None  # and the cookie written back no longer holds it
    client.set_cookie("session", old)
    assert client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).status_code == 403
    client.set_cookie("session", old)
    assert client.post(f"/p/{vote['uid']}/device", json={"public_key": "x"}).status_code == 403
    # The voter's other session signed in before the sign-out is out too.
    assert other_phone.get(f"/p/{vote['uid']}/ballot").status_code == 403
    # Signing in again afterwards works.
    _at(app, minutes=6)
    _sign_in(client, app, vote)
    assert _signed_in(_ballot(client, vote))


def test_a_replayed_cookie_after_sign_out_casts_nothing(app, vote, client):
    """The attack: a cookie copied before the owner signed out, then used to vote."""
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import Ballot

    _sign_in(client, app, vote)
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    copy = client.get_cookie("session").value
    _at(app, seconds=30)
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copy)
    r = thief.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_sign_out_from_a_read_only_session_and_without_a_session(app, vote, client):
    _sign_in(client, app, vote)
    with client.session_transaction() as state:
        state["owner_read_only"] = True  # refuses every write but the sign-out
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    assert _user_id(client) is None
    # CSRF checked: a form of a session the browser dropped says the phone holds no
    # sign-in; a sign-out posted from elsewhere into a signed-in session is refused.
    app.config["WTF_CSRF_ENABLED"] = True
    fresh = app.test_client()
    r = fresh.post(f"/p/{vote['uid']}/sign-out")
    assert r.status_code == 302 and r.headers["Location"].endswith("/signed-out")
    # No one is signed in on that browser: no key of its is needed, all are taken out.
    assert 'data-keep=""' in fresh.get(r.headers["Location"]).get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False
    _sign_in(client, app, vote)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 400
    assert _user_id(client) is not None
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_owner_pages_sql_budget_holds_the_sign_out_check(app, runner, tmp_path):
    """The check reads the voter's signed_out_at with the proposal (one statement, as
    before): tests/test_owner_sql_budget.py measures the pages; here a signed-out voter's
    page is refused by that same statement."""
    from tests.test_owner_sql_budget import counting

    app.config["VOTES_WALL_NOW"] = T0
    vote = make_open_proposal(app, runner, tmp_path)
    client = app.test_client()
    _sign_in(client, app, vote)
    _ballot(client, vote)  # the proposal's first read
    old = client.get_cookie("session").value
    _at(app, minutes=1)
    client.post(f"/p/{vote['uid']}/sign-out")
    client.set_cookie("session", old)
    with counting(app) as statements:
        assert _ballot(client, vote).status_code == 403
    assert len(statements) == 1, statements


def test_a_sign_out_on_a_host_behind_does_not_lock_out_the_next_sign_in(app, vote, client):
    """Hosts' clocks differ. Signed in on a host 5 minutes ahead, the sign-out (on a host
    with the right time) records that host's sign-in time, in the future here: a sign-in
    again a few seconds later on the right host got an earlier time than the sign-out and
    was refused at once (此登录已退出) for five minutes, however often the owner tried. A
    sign-in now comes after the voter's last sign-out, whatever the clocks."""
    _at(app, minutes=5)  # the host ahead
    _sign_in(client, app, vote)
    _at(app, seconds=10)  # the right time, on the next host
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    _at(app, seconds=20)
    _sign_in(client, app, vote)
    assert _signed_in(_ballot(client, vote))
    # That sign-in is dated just after the sign-out (the host ahead's time): it lasts its
    # hours from there, at most the clocks' difference longer.
    _at(app, hours=12, minutes=5)
    assert _signed_in(_ballot(client, vote))
    _at(app, hours=12, minutes=5, seconds=2)
    assert _ballot(client, vote).status_code == 403


def test_a_session_signed_in_on_a_host_ahead_is_signed_out_with_the_rest(app, vote, client):
    """A co-owner's phone signed in a few seconds before the sign-out, on a host whose clock
    is ahead: its sealed time was later than the sign-out's, and it stayed signed in after
    退出登录 said every session of the household had ended. The sign-out covers the clocks'
    difference (a minute)."""
    _at(app, seconds=30)  # the host 30 s ahead, at 0 s
    other_phone = app.test_client()
    _sign_in(other_phone, app, vote)
    _at(app, seconds=5)  # the right time, a few seconds later, on another host
    _sign_in(client, app, vote)
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    _at(app, seconds=40)
    assert other_phone.get(f"/p/{vote['uid']}/ballot").status_code == 403


def test_a_voided_cookie_cannot_sign_the_household_out_again(app, vote, client):
    """The owner signs out on a shared phone, whose next user had copied the cookie. That
    copy opens nothing, but its sign-out was still recorded (its CSRF token is in the same
    cookie): each time the owner signed in again, one POST with the copy, without any second
    factor, ended the owner's new session, as often as wanted for the copy's 12 hours. A
    cookie signed out since signs out nothing but itself."""
    _sign_in(client, app, vote)
    copy = client.get_cookie("session").value
    _at(app, minutes=1)
    assert client.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    owner = app.test_client()
    _at(app, minutes=3)
    _sign_in(owner, app, vote)
    thief = app.test_client()
    thief.set_cookie("session", copy)
    _at(app, minutes=4)
    r = thief.post(f"/p/{vote['uid']}/sign-out")
    assert r.status_code == 302
    assert _signed_in(_ballot(owner, vote))


def _kept(page) -> str | None:
    """Which device key the page leaves in the browser (device_forget.js takes out every
    other one): None where the page takes out nothing."""
    found = re.search(r'device_forget\.js" defer data-keep="([^"]*)"', page.get_data(as_text=True))
    return found.group(1) if found else None


def test_each_page_leaves_only_the_signed_in_owners_device_key(app, vote, client):
    """device.js keeps the owner's key under "<proposal>:<voter key>", the pseudonym the
    board shows the choice under after the close. A page leaves only the key of the owner
    signed in now; none once the sign-in has ended (the hours, a sign-out on another phone)
    or the ballot is in (the receipt); and takes out nothing where it cannot tell."""
    from tests.test_owner_http import cast, signed_in_voter

    assert _kept(client.get(f"/p/{vote['uid']}")) == ""  # no one signed in on this phone
    _sign_in(client, app, vote)
    mine = f"{vote['uid']}:{signed_in_voter(client)}"
    assert _kept(_ballot(client, vote)) == mine
    assert _kept(client.get(f"/p/{vote['uid']}")) == mine  # the board, signed in
    assert _kept(client.get("/")) is None  # a page naming no proposal: cannot tell
    # A link to the signed-out page, opened in the owner's browser, takes nothing out.
    assert _kept(client.get(f"/p/{vote['uid']}/signed-out")) is None
    assert _signed_in(_ballot(client, vote))
    r, _nonce = cast(client, vote, "agree")
    assert _kept(client.get(r.headers["Location"])) == ""  # the receipt: the ballot is in

    # The hours over: whatever page the phone opens next takes every key out.
    _at(app, hours=12, seconds=1)
    assert _kept(client.get("/")) == ""
    _at(app, hours=13)
    _sign_in(client, app, vote)
    assert _kept(client.get(f"/p/{vote['uid']}")) == mine
    # Signed out on another phone of the household: the next page here, the board too.
    other = app.test_client()
    _sign_in(other, app, vote)
    _at(app, hours=13, minutes=1)
    assert other.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    assert _kept(client.get(f"/p/{vote['uid']}")) == ""
    assert _user_id(client) is None

    # A read-only sign-in registers no key: it keeps none.
    _at(app, hours=13, minutes=2)
    _sign_in(client, app, vote)
    with client.session_transaction() as state:
        state["owner_read_only"] = True
    assert _kept(client.get(f"/p/{vote['uid']}")) == ""
