"""A stranger who knows a committee member's login name pauses it with one wrong password
every 15 minutes; the member's own browser, which signed in before, still gets in
(votes/services/signin_devices.py). Every time is the app's clock (VOTES_NOW)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from tests.conftest import TEST_CONFIG
from tests.security.test_signin_throttle import (PASSWORD, PAUSED, T0, WRONG,  # noqa: F401
                                                 _all_at_once, _attempt, _row, _text,
                                                 accounts, hasher)

COOKIE = "votes_staff_device"


_addresses = iter(range(1, 10 ** 6))


def _post(client, login: str, password: str, address: str | None = None):
    """One sign-in from `client`'s browser (its cookies), from a new address unless told:
    the per-address limit is not what these tests are about."""
    n = next(_addresses)
    return client.post("/staff/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": address or f"2001:db8:ff:{n:x}::1"})


def _browser(app, login: str = "Clerk.Wang"):
    """A member's browser that has signed in once (and signed out)."""
    browser = app.test_client()
    assert _post(browser, login, PASSWORD).status_code == 302
    assert browser.get_cookie(COOKIE, path="/staff/login") is not None
    assert browser.post("/staff/logout").status_code == 302  # signing out keeps the device
    return browser


def _pause(app, login: str = "Clerk.Wang"):
    """A stranger, from many addresses and with no cookie, pauses the name."""
    for _ in range(5):
        _attempt(app, login)
    r = _attempt(app, login, PASSWORD)
    assert r.status_code == 429 and PAUSED in _text(r)


def _set_cookie(client, value: str) -> None:
    client.set_cookie(COOKIE, value, path="/staff/login")


def _audit(app, action: str) -> list[str]:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.target)
                                       .where(AuditEntry.action == action)))


def test_the_cookie_is_signed_http_only_and_sent_to_the_sign_in_only(accounts):  # noqa: F811
    response = _post(accounts.test_client(), "Clerk.Wang", PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    value = header.split(";")[0].split("=", 1)[1]
    assert "clerk" not in value.lower()  # the account by its count's key, not its login
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in header.split(";")[1:]}
    assert attributes["path"] == "Path=/staff/login"
    assert attributes["max-age"] == f"Max-Age={90 * 86400}"
    assert "httponly" in attributes and attributes["samesite"] == "SameSite=Lax"
    assert "secure" not in attributes  # http://votes.test: the session cookie is not either


def test_the_cookie_is_secure_where_the_session_cookie_is(accounts):  # noqa: F811
    accounts.config["SESSION_COOKIE_SECURE"] = True
    response = _post(accounts.test_client(), "Clerk.Wang", PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "; Secure" in header


def test_the_members_browser_signs_in_while_a_stranger_keeps_the_name_paused(accounts):  # noqa: F811
    app = accounts
    member = _browser(app)
    _pause(app)
    now = T0
    for _ in range(8):  # an evening's siege: one wrong password each time a pause ends
        now = app.config["VOTES_NOW"] = _row(app, "Clerk.Wang").locked_until
        assert PAUSED in _text(_attempt(app, "Clerk.Wang"))
        until = _row(app, "Clerk.Wang").locked_until
        app.config["VOTES_NOW"] = now + timedelta(seconds=30)
        # The member mistypes once: told so, not paused, and the name's count is untouched.
        r = _post(member, "Clerk.Wang", "wrong password")
        assert r.status_code == 200 and WRONG in _text(r) and PAUSED not in _text(r)
        assert _post(member, "clerk.wang", PASSWORD).status_code == 302
        assert member.post("/staff/logout").status_code == 302
        # The stranger's pause stands, for the right password from anywhere else too.
        row = _row(app, "Clerk.Wang")
        assert row.locked_until == until and row.failures == 0
        assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 429


def test_a_browsers_failures_count_against_it_not_the_name(accounts):  # noqa: F811
    app = accounts
    member = _browser(app)
    for _ in range(4):
        assert WRONG in _text(_post(member, "Clerk.Wang", "wrong password"))
    assert _row(app, "Clerk.Wang") is None
    assert _post(member, "Clerk.Wang", PASSWORD).status_code == 302  # clears its 4
    for _ in range(4):
        assert WRONG in _text(_post(member, "Clerk.Wang", "wrong password"))
    _pause(app)
    assert _post(member, "Clerk.Wang", PASSWORD).status_code == 302


def test_five_failures_end_the_browsers_exemption(accounts):  # noqa: F811
    app = accounts
    member = _browser(app)
    _pause(app)
    for _ in range(5):
        r = _post(member, "Clerk.Wang", "wrong password")
        assert r.status_code == 200 and WRONG in _text(r) and PAUSED not in _text(r)
    assert _audit(app, "account.signin_device_dropped") == ["Clerk.Wang"]
    # From now on the browser is a stranger: the name's pause holds it, the right password
    # too, and its failures count under the name again.
    r = _post(member, "Clerk.Wang", PASSWORD)
    assert r.status_code == 429 and PAUSED in _text(r)
    app.config["VOTES_NOW"] = _row(app, "Clerk.Wang").locked_until
    assert _post(member, "Clerk.Wang", PASSWORD).status_code == 302
    # ... and that sign-in made it a known device again.
    _pause(app)
    assert _post(member, "Clerk.Wang", PASSWORD).status_code == 302


@pytest.mark.parametrize("spoil", ["altered", "forged", "unknown device", "expired"])
def test_a_spoiled_cookie_gives_no_exemption(accounts, spoil):  # noqa: F811
    from votes.services.signin_throttle import name_key

    app = accounts
    member = _browser(app)
    cookie = member.get_cookie(COOKIE, path="/staff/login").value
    with app.app_context():
        key = name_key("Clerk.Wang")
    payload = URLSafeSerializer(TEST_CONFIG["SECRET_KEY"], salt="votes.staff-device").loads(cookie)
    device, expires = payload[0][1], payload[0][2]
    if spoil == "altered":
        value = cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:]
    elif spoil == "forged":  # the right contents, signed without the app's secret key
        value = URLSafeSerializer("guessed", salt="votes.staff-device").dumps(
            [[key, device, expires]])
    elif spoil == "unknown device":  # even signed with it, a device must be one it issued
        value = URLSafeSerializer(TEST_CONFIG["SECRET_KEY"], salt="votes.staff-device").dumps(
            [[key, "made-up-device-id", expires]])
    else:
        value = cookie
        app.config["VOTES_NOW"] = T0 + timedelta(days=90)
    _set_cookie(member, value)
    _pause(app)
    r = _post(member, "Clerk.Wang", PASSWORD)
    assert r.status_code == 429 and PAUSED in _text(r)


def test_another_accounts_cookie_gives_no_exemption(accounts):  # noqa: F811
    app = accounts
    browser = _browser(app, "admin1")
    _pause(app)
    assert _post(browser, "Clerk.Wang", PASSWORD).status_code == 429
    # Nor does its device id under the other account's key (the cookie is copied around).
    from votes.services.signin_throttle import name_key

    signer = URLSafeSerializer(TEST_CONFIG["SECRET_KEY"], salt="votes.staff-device")
    [[_key, device, expires]] = signer.loads(browser.get_cookie(COOKIE, path="/staff/login").value)
    with app.app_context():
        _set_cookie(browser, signer.dumps([[name_key("Clerk.Wang"), device, expires]]))
    assert _post(browser, "Clerk.Wang", PASSWORD).status_code == 429


@pytest.mark.parametrize("change", ["password", "disabled and enabled"])
def test_a_new_password_or_disabling_ends_every_devices_exemption(accounts, change):  # noqa: F811
    app = accounts
    member, other = _browser(app), _browser(app)
    with app.app_context():
        from votes.services.staff import change_user

        if change == "password":
            change_user("Clerk.Wang", actor="admin1", password="a new password 2")
            password = "a new password 2"
        else:
            change_user("Clerk.Wang", actor="admin1", active=False)
            change_user("Clerk.Wang", actor="admin1", active=True)
            password = PASSWORD
    _pause(app)
    for browser in (member, other):
        r = _post(browser, "Clerk.Wang", password)
        assert r.status_code == 429 and PAUSED in _text(r)


def test_a_shared_computer_is_known_to_several_accounts(accounts):  # noqa: F811
    app = accounts
    office = _browser(app, "Clerk.Wang")
    assert _post(office, "admin1", PASSWORD).status_code == 302
    _pause(app, "Clerk.Wang")
    _pause(app, "admin1")
    assert _post(office, "Clerk.Wang", PASSWORD).status_code == 302
    assert _post(office, "admin1", PASSWORD).status_code == 302


def test_guesses_sent_at_once_with_one_cookie_get_five_checks(accounts, hasher, monkeypatch):  # noqa: F811
    """A copied cookie's guesses, sent together while the name is paused: each is counted
    against the device before any password is checked, so five are checked."""
    from votes.services import signin_devices

    app = accounts
    cookie = _browser(app).get_cookie(COOKIE, path="/staff/login").value
    _pause(app)
    checks_before = hasher.checks

    def guess(n):
        client = app.test_client()
        _set_cookie(client, cookie)
        return _post(client, "Clerk.Wang", "wrong password", f"198.51.100.{n}").status_code

    statuses = _all_at_once(monkeypatch, hasher, signin_devices, 12, guess)
    assert hasher.checks - checks_before == 5
    assert sorted(statuses) == [200] * 5 + [429] * 7


def test_tick_forgets_devices_whose_cookie_has_expired(accounts, runner):  # noqa: F811
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import SignInDevice

    app = accounts
    _browser(app)
    app.config["VOTES_NOW"] = T0 + timedelta(days=1)
    _browser(app, "admin1")

    def devices():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(SignInDevice))

    app.config["VOTES_NOW"] = T0 + timedelta(days=90)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert devices() == 1
