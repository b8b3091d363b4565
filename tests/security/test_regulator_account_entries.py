"""What a regulator of one district (350502, SUN) reads of committee members' accounts in
the audit log: what was done to an account while it served one of the district's
communities (README: "what was done to its committee members' accounts"), not while it
served only another district's, and not lost when it leaves."""

from __future__ import annotations

import csv
import io

import pytest

from tests.staff_world import PASSWORD, build, sign_in

RESET = "admin-knows-it-1"


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _ids(app) -> dict[str, str]:
    from votes.services.communities import get_community

    with app.app_context():
        return {code: str(get_community(code).id) for code in ("SUN", "MOON")}


def _read_by_regulator(app, login: str) -> list[tuple[str, str, str]]:
    """(actor, action, details) of the CSV rows about `login`, oldest first."""
    regulator = app.test_client()
    sign_in(regulator, "district")
    data = regulator.get("/admin/audit?format=csv").get_data(as_text=True).lstrip("\ufeff")
    return [(r["actor"], r["action"], r["details"]) for r in csv.DictReader(io.StringIO(data))
            if r["target"] == login]


def _sign_in_as(app, login: str, password: str) -> None:
    r = app.test_client().post("/staff/login", data={"login": login, "password": password},
                               environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_a_member_of_another_district_only_is_read_from_joining_the_district(app, world,
                                                                              runner):
    """moon_member served MOON (350503) alone: its creation, its sign-in from its address
    and a reset are the other district's. Added to SUN, it is SUN's member too: the regulator
    of SUN reads the change that added it and what follows, and still nothing of before."""
    made = runner.invoke(args=["users", "create", "--no-must-change", "moon_member", "--role",
                               "committee", "--community", "MOON", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    _sign_in_as(app, "moon_member", PASSWORD)
    admin = app.test_client()
    sign_in(admin, "admin1")
    admin.post("/admin/", data={"action": "password", "login": "moon_member",
                                "password": RESET})
    assert _read_by_regulator(app, "moon_member") == []
    ids = _ids(app)
    admin.post("/admin/", data={"action": "communities", "login": "moon_member",
                                "community": [ids["SUN"], ids["MOON"]]})
    _sign_in_as(app, "moon_member", RESET)
    read = _read_by_regulator(app, "moon_member")
    assert [(actor, action) for actor, action, _d in read] == [
        ("admin1", "account.change"), ("moon_member", "account.signin")], read
    assert "SUN" in read[0][2]


def test_moving_a_member_away_does_not_take_its_entries_from_the_district(app, world):
    """An administrator resets sun_committee's password, signs in as the member (and could
    act in SUN under its name), then moves the account to MOON alone: the regulator of SUN
    lost the reset and the sign-in with the move, as if nothing had been done to the
    account. It keeps reading them, and the move; not the account's later sign-ins."""
    admin = app.test_client()
    sign_in(admin, "admin1")
    admin.post("/admin/", data={"action": "password", "login": "sun_committee",
                                "password": RESET})
    _sign_in_as(app, "sun_committee", RESET)
    admin.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                "community": [_ids(app)["MOON"]]})
    _sign_in_as(app, "sun_committee", RESET)
    read = [(actor, action) for actor, action, _d in _read_by_regulator(app, "sun_committee")]
    assert read == [("cli", "account.create"), ("admin1", "account.change"),
                    ("sun_committee", "account.signin"), ("admin1", "account.change")], read
