"""Issue 9.10: a staff session cookie stops working at logout, password reset or disabling."""

from __future__ import annotations

import pytest

from tests.staff_world import PASSWORD, build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _stolen_copy(app, client):
    """A second browser holding a copy of the signed-in session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def _signed_in(c) -> bool:
    """Signed in: the page, or (a password an administrator set) the page to replace it."""
    r = c.get("/committee/c/SUN")
    return r.status_code == 200 or r.headers.get("Location", "").endswith("/staff/password")


def test_logout_ends_a_copied_session(app, world, client):
    sign_in(client, "sun_committee")
    thief = _stolen_copy(app, client)
    other_device = app.test_client()
    sign_in(other_device, "sun_committee")
    assert _signed_in(thief) and _signed_in(other_device)
    assert client.post("/staff/logout").status_code == 302
    assert not _signed_in(thief)
    assert not _signed_in(other_device)
    # Signing in again works and the old cookie stays dead.
    sign_in(client, "sun_committee")
    assert _signed_in(client) and not _signed_in(thief)


@pytest.mark.parametrize("action", ["password", "disable"])
def test_admin_reset_or_disable_ends_every_session(app, world, client, action):
    sign_in(client, "sun_committee")
    thief = _stolen_copy(app, client)
    admin = app.test_client()
    sign_in(admin, "admin1")
    data = {"action": action, "login": "sun_committee"}
    if action == "password":
        data["password"] = "a brand new passphrase"
    assert admin.post("/admin/", data=data).status_code == 302
    assert not _signed_in(thief) and not _signed_in(client)
    if action == "password":
        r = client.post("/staff/login", data={"login": "sun_committee", "password": PASSWORD})
        assert r.status_code != 302
        r = client.post("/staff/login", data={"login": "sun_committee",
                                              "password": "a brand new passphrase"})
        assert r.status_code == 302 and _signed_in(client) and not _signed_in(thief)
    # The admin's own session is untouched.
    assert admin.get("/admin/").status_code == 200


def test_a_sign_in_checked_as_the_password_is_reset_gets_no_session(app, world, monkeypatch):
    """Someone holding the old password signs in while an administrator resets it: their
    password was right when argon2 checked it and wrong by the time the session was given.
    The session used to be given, under the generation the reset had just bumped, so it
    outlived the reset that was meant to end it."""
    from votes.services import staff

    admin = app.test_client()
    sign_in(admin, "admin1")
    real = staff._hasher

    class ResetWhileChecking:
        def verify(self, hashed, password):
            right = real.verify(hashed, password)
            monkeypatch.setattr(staff, "_hasher", real)  # the reset's own hash, unhooked
            r = admin.post("/admin/", data={"action": "password", "login": "sun_committee",
                                            "password": "a brand new passphrase"})
            assert r.status_code == 302
            return right

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(staff, "_hasher", ResetWhileChecking())
    thief = app.test_client()
    r = thief.post("/staff/login", data={"login": "sun_committee", "password": PASSWORD})
    assert r.status_code == 200 and "登录名或密码错误" in r.get_data(as_text=True)
    assert not _signed_in(thief)
    member = app.test_client()
    r = member.post("/staff/login", data={"login": "sun_committee",
                                          "password": "a brand new passphrase"})
    assert r.status_code == 302 and _signed_in(member)
