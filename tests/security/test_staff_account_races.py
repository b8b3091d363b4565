"""An account changed by two hands at once: whatever order the database puts them in, the
change that is meant to end the account's sessions ends every one of them."""

from __future__ import annotations

import pytest

from tests.races import held_race
from tests.staff_world import PASSWORD, build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


@pytest.mark.postgresql_only
def test_a_reset_while_the_member_changes_their_password_still_ends_their_session(
        app, world, monkeypatch):
    """Someone holding a member's password (stolen) changes it, and at that moment the
    administrator, told of it, resets it. The change holds the account's row while argon2
    runs; the reset read the row before, and wrote back the session generation it had read
    plus one: the very one the thief's session was just given, which then outlived the
    reset that was to end it."""
    from votes.services import signin_devices

    thief, admin = app.test_client(), app.test_client()
    sign_in(thief, "sun_committee")
    sign_in(admin, "admin1")

    def act(who):
        if who == "A":
            new = "thief-chose-it-7"
            r = thief.post("/staff/password", data={"current": PASSWORD, "password": new,
                                                    "again": new})
        else:
            r = admin.post("/admin/", data={"action": "password", "login": "sun_committee",
                                            "password": "admin-knows-it-1"})
        return r.status_code

    # A holds the account's row (its own change, under way) when B's reset comes.
    outcome = held_race(app, monkeypatch, signin_devices, "forget", act)
    assert outcome == {"A": 302, "B": 302}, outcome
    assert thief.get("/committee/").headers["Location"].startswith("/staff/login")


@pytest.mark.postgresql_only
def test_two_spellings_of_one_login_created_at_once_make_one_account(app, world, monkeypatch):
    """Creation refuses "Clerk.Wang" beside "clerk.wang" (one person to whoever reads the
    audit log or the chain's entries): two administrators (or one and the command line)
    creating them at the same moment both passed the check, each before the other's row was
    written, and the database's unique login tells the two apart."""
    from votes.services import audit

    admin_a, admin_b = app.test_client(), app.test_client()
    sign_in(admin_a, "admin1")
    sign_in(admin_b, "admin1")

    def act(who):
        login = {"A": "Clerk.Wang", "B": "clerk.wang"}[who]
        r = (admin_a if who == "A" else admin_b).post("/admin/", data={
            "action": "user", "login": login, "password": "a-good-pass-99", "role": "committee",
            "communities": "SUN"}, follow_redirects=True)
        return r.get_data(as_text=True)

    outcome = held_race(app, monkeypatch, audit, "record", act)
    assert "已创建账号" in outcome["A"]
    assert "已存在" in outcome["B"], outcome["B"]
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import StaffUser

        assert db.session.scalars(select(StaffUser.login).where(
            func.lower(StaffUser.login) == "clerk.wang")).all() == ["Clerk.Wang"]
