"""Staff account hardening: weak passwords refused, an administrator's password replaced at
the next sign-in, the last sign-in shown, and guesses at the current password counted."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.staff_world import PASSWORD, build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


WEAK = [
    ("sun_committee-2026", "密码不能包含登录名"),  # the login name inside
    ("SUN_COMMITTEE!!", "密码不能包含登录名"),  # letter case aside
    ("xxxxxxxxxxxx", "密码不能全是同一个字符"),
    ("1234567890", "密码不能是连续的"),
    ("abcdefghij", "密码不能是连续的"),
    ("QWERTYUIOP", "密码不能是连续的"),
    ("0987654321", "密码不能是连续的"),
    ("woaini1314", "常用密码"),
    ("a123456789", "常用密码"),
    ("qq123456789", "常用密码"),
]


@pytest.mark.parametrize("password,rule", WEAK)
def test_weak_passwords_are_refused_wherever_a_password_is_set(app, world, client, runner,
                                                               password, rule):
    """An administrator, a member or the operator could set "1234567890", "woaini1314" or a
    password holding the login name: the first ones tried by anyone guessing."""
    login = "sun_committee"
    sign_in(client, "admin1")
    created = client.post("/admin/", data={
        "action": "user", "login": "new_clerk", "role": "committee", "communities": "SUN",
        "password": password.replace("sun_committee", "new_clerk")
        .replace("SUN_COMMITTEE", "NEW_CLERK")}, follow_redirects=True)
    assert rule in created.get_data(as_text=True)
    reset = client.post("/admin/", data={"action": "password", "login": login,
                                         "password": password}, follow_redirects=True)
    assert rule in reset.get_data(as_text=True)
    member = app.test_client()
    sign_in(member, login)  # the old password still works: nothing was changed
    own = member.post("/staff/password", data={"current": PASSWORD, "password": password,
                                               "again": password})
    assert own.status_code == 200 and rule in own.get_data(as_text=True)
    cli = runner.invoke(args=["users", "create", "--no-must-change", "cli_clerk", "--role", "committee",
                              "--community", "SUN", "--password",
                              password.replace("sun_committee", "cli_clerk")
                              .replace("SUN_COMMITTEE", "CLI_CLERK")])
    assert cli.exit_code != 0 and rule in cli.output
    with app.app_context():
        from votes.services.staff import all_users

        assert {u.login for u in all_users()} == {"admin1", "sun_committee", "district"}


def test_guesses_at_the_current_password_count_like_failed_sign_ins(app, world, client):
    """At a shared PC left signed in, a stranger could try passwords on /staff/password
    without limit (its "current password" was checked, and told right or wrong, every
    time), learning the member's password and then signing in anywhere. Those guesses now
    count under the account's name as failed sign-ins do, with the same pauses."""
    from datetime import timedelta

    from tests.security.test_signin_throttle import T0

    app.config["VOTES_NOW"] = T0
    sign_in(client, "sun_committee")
    form = {"password": "mine-alone-123", "again": "mine-alone-123"}
    for n in range(4):
        r = client.post("/staff/password", data={**form, "current": f"guess number {n}"})
        assert "当前密码不正确" in r.get_data(as_text=True) and "已暂停" not in r.get_data(
            as_text=True)
    fifth = client.post("/staff/password", data={**form, "current": "guess number 5"})
    assert "当前密码不正确" in fifth.get_data(as_text=True)
    assert "已暂停" in fifth.get_data(as_text=True)
    # Paused: the right password is refused unchecked, here and at the sign-in.
    right = client.post("/staff/password", data={**form, "current": PASSWORD})
    assert right.status_code != 302 and "已暂停" in right.get_data(as_text=True)
    elsewhere = app.test_client().post("/staff/login", data={"login": "sun_committee",
                                                            "password": PASSWORD})
    assert elsewhere.status_code != 302
    admin = app.test_client()
    sign_in(admin, "admin1")
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    with app.app_context():
        from votes.services.signin_pauses import record

        record()  # votes tick's
    assert "sun_committee" in [a["login"] for a in json.loads(next(
        row["details"] for row in csv.DictReader(io.StringIO(admin.get(
            "/admin/audit?format=csv").data.decode("utf-8-sig")))
        if row["action"] == "account.signin_pauses"))["accounts"]]
    # After the pause the member changes it, and the count starts afresh.
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=2)
    assert client.post("/staff/password", data={**form, "current": PASSWORD}).status_code == 302
    with app.app_context():
        from votes.extensions import db
        from votes.models import SignInThrottle

        assert db.session.scalar(db.select(db.func.count()).select_from(SignInThrottle)) == 0


@pytest.mark.parametrize("how", ["reset", "create"])
def test_a_password_the_administrator_chose_must_be_replaced_at_the_next_sign_in(
        app, world, client, how):
    """A password an administrator set (a new account, a reset) stayed in use: the
    administrator knew it for good and could sign in as the member at any time. The member
    must now choose their own before any other staff page opens."""
    sign_in(client, "admin1")
    if how == "reset":
        client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                     "password": "admin-knows-it-1"})
        login = "sun_committee"
    else:
        client.post("/admin/", data={"action": "user", "login": "new_clerk",
                                     "password": "admin-knows-it-1", "role": "committee",
                                     "communities": "SUN"})
        login = "new_clerk"
    member = app.test_client()
    r = member.post("/staff/login", data={"login": login, "password": "admin-knows-it-1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/password")
    for page in ("/committee/", "/committee/c/SUN", f"/committee/p/{world['sun']['id']}"):
        r = member.get(page)
        assert r.status_code == 302 and r.headers["Location"].endswith("/staff/password"), page
    assert member.post("/committee/c/SUN/roll/confirm", data={"token": "x"}).headers[
        "Location"].endswith("/staff/password")
    page = member.get("/staff/password").get_data(as_text=True)
    assert "管理员设置的密码" in page
    done = member.post("/staff/password", data={"current": "admin-knows-it-1",
                                                 "password": "mine-alone-123",
                                                 "again": "mine-alone-123"})
    assert done.status_code == 302
    assert member.get("/committee/c/SUN").status_code == 200
    again = app.test_client()
    assert again.post("/staff/login", data={"login": login, "password": "mine-alone-123"}
                      ).headers["Location"].endswith("/committee/")
    # The administrator's own password is changed where the current one is asked
    # (/staff/password), not reset on the accounts page.
    client.post("/admin/", data={"action": "password", "login": "admin1",
                                 "password": "admin-own-pass-1"})
    own = app.test_client().post("/staff/login", data={"login": "admin1",
                                                        "password": "admin-own-pass-1"})
    assert own.status_code == 200


def test_the_home_page_shows_the_last_sign_in_and_resets_by_someone_else(app, world, client):
    """An administrator who reset a member's password and signed in as them left no trace
    the member would ever see: the staff pages said nothing of the account's last sign-in.
    The home page (and /staff/password) now shows the sign-in before this one, its time in
    Beijing time and its address, and any password reset by someone else since then."""
    from datetime import timedelta

    from tests.security.test_signin_throttle import T0  # 10:00 Beijing time

    def at(minutes):
        app.config["VOTES_NOW"] = T0 + timedelta(minutes=minutes)

    def member_signs_in(address, password=PASSWORD):
        c = app.test_client()
        r = c.post("/staff/login", data={"login": "sun_committee", "password": password},
                   environ_base={"REMOTE_ADDR": address})
        assert r.status_code == 302
        return c

    at(0)
    first = member_signs_in("198.51.100.7").get("/committee/").get_data(as_text=True)
    assert "首次登录" in first
    at(30)
    home = member_signs_in("192.0.2.1").get("/committee/").get_data(as_text=True)
    assert "上次登录" in home and "2026-12-01 10:00" in home and "198.51.100.7" in home
    assert "重设" not in home
    # The administrator resets it and signs in as the member, from their own desk.
    at(60)
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                 "password": "admin-knows-it-1"})
    at(65)
    member_signs_in("203.0.113.9", "admin-knows-it-1")
    at(120)
    client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                 "password": "admin-knows-it-2"})
    at(180)
    member = member_signs_in("192.0.2.1", "admin-knows-it-2")
    page = member.get("/staff/password").get_data(as_text=True)
    assert "2026-12-01 11:05" in page and "203.0.113.9" in page  # the administrator's
    assert "admin1" in page and "2026-12-01 12:00" in page  # the reset since then
    assert "2026-12-01 11:00" not in page  # the one before that sign-in is not "since"
    english = member.get("/staff/password?lang=en").get_data(as_text=True)
    assert "Last sign-in" in english and "reset" in english
