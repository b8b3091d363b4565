"""What a staff session cookie is worth to someone else: one planted before the sign-in,
one copied from a signed-in browser after sign-out, a reset, a disabling; and a password
"changed" to the one the administrator chose."""

from __future__ import annotations

import pytest

from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _copy(app, browser):
    """Another browser holding a copy of `browser`'s session cookie (stolen, or planted)."""
    other = app.test_client()
    other.set_cookie("session", browser.get_cookie("session").value)
    return other


def test_a_session_cookie_planted_before_the_sign_in_gives_the_planter_nothing(app, world):
    """Session fixation: a stranger at the office PC opens the sign-in page and keeps its
    cookie; the member then signs in on that browser. The stranger's copy stays signed out."""
    member = app.test_client()
    member.get("/staff/login")
    member.post("/staff/login", data={"login": "nobody", "password": "not a password"})
    planted = _copy(app, member)
    before = member.get_cookie("session").value
    sign_in(member, "sun_committee")
    assert member.get_cookie("session").value != before
    assert member.get("/committee/").status_code == 200
    assert planted.get("/committee/").headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("how", ["signout", "disable", "reset"])
def test_a_copied_session_cookie_dies_with_the_session(app, world, client, how):
    """A copy of a signed-in browser's cookie (a shared PC's profile, a backup) kept
    working after the member signed out, or after an administrator disabled the account or
    reset its password, only if the server forgot to end it: it must not."""
    member = app.test_client()
    sign_in(member, "sun_committee")
    stolen = _copy(app, member)
    assert stolen.get("/committee/").status_code == 200
    if how == "signout":
        member.post("/staff/logout")
    else:
        sign_in(client, "admin1")
        client.post("/admin/", data={"action": how if how == "disable" else "password",
                                     "login": "sun_committee", "password": "admin-knows-it-1"})
    assert stolen.get("/committee/").headers["Location"].startswith("/staff/login")
    assert member.get("/committee/").status_code == 302


def test_the_password_an_administrator_chose_cannot_be_kept_as_ones_own(app, world, client):
    """A member made to replace the administrator's password could type it again as the
    new one: the must-change was satisfied, and the administrator still knew it."""
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                 "password": "admin-knows-it-1"})
    member = app.test_client()
    member.post("/staff/login", data={"login": "sun_committee", "password": "admin-knows-it-1"})
    same = member.post("/staff/password", data={"current": "admin-knows-it-1",
                                                "password": "admin-knows-it-1",
                                                "again": "admin-knows-it-1"})
    assert same.status_code == 200 and "新密码不能与当前密码相同" in same.get_data(as_text=True)
    assert member.get("/committee/").headers["Location"].endswith("/staff/password")
    english = member.post("/staff/password?lang=en", data={
        "current": "admin-knows-it-1", "password": "admin-knows-it-1",
        "again": "admin-knows-it-1"}).get_data(as_text=True)
    assert "must differ from the current one" in english
