"""District codes (a community's jurisdiction, a regulator's) as an administrator pastes them:
an invisible character copied with "350502" (a zero-width space from a web page, a direction
mark from a document) made another district that prints as 350502 on every page, so a
community created or moved into it was out of its regulator's sight without a word, and a
regulator created with it saw nothing. A code longer than the column was an HTTP 500 on
PostgreSQL."""

from __future__ import annotations

import pytest

from tests.staff_world import PASSWORD, build, sign_in

HIDDEN = ["350502\u200b", "\u200e350502", "3505\u202e02", "350\u00a0502", "350\u3000502",
          "350502\u2060"]


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _jurisdictions(app) -> dict:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Community, StaffUser

    with app.app_context():
        found = {c.code: c.jurisdiction for c in db.session.scalars(select(Community))}
        found.update({u.login: u.jurisdiction for u in db.session.scalars(select(StaffUser))})
        return found


@pytest.mark.parametrize("code", HIDDEN)
def test_a_district_code_with_a_hidden_character_is_refused(app, world, client, runner, code):
    sign_in(client, "admin1")
    created = client.post("/admin/", data={"action": "community", "code": "STAR",
                                           "name": "星河湾", "jurisdiction": code},
                          follow_redirects=True)
    assert created.status_code == 200 and "辖区代码" in created.get_data(as_text=True)
    moved = client.post("/admin/", data={"action": "jurisdiction", "code": "MOON",
                                         "jurisdiction": code}, follow_redirects=True)
    assert moved.status_code == 200 and "辖区代码" in moved.get_data(as_text=True)
    account = client.post("/admin/", data={"action": "user", "login": "district2",
                                           "role": "regulator", "password": PASSWORD,
                                           "jurisdiction": code}, follow_redirects=True)
    assert account.status_code == 200 and "辖区代码" in account.get_data(as_text=True)
    for args in (["community", "create", "STAR2", "--name", "星河湾", "--jurisdiction", code],
                 ["users", "create", "district3", "--role", "regulator", "--jurisdiction", code,
                  "--password", PASSWORD]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "辖区代码" in result.output, result.output
        assert "Traceback" not in result.output
    held = _jurisdictions(app)
    assert "STAR" not in held and "STAR2" not in held and "district2" not in held
    assert held["MOON"] == "350503" and "district3" not in held


def test_a_district_code_too_long_is_refused_not_a_500(app, world, client, runner):
    sign_in(client, "admin1")
    long = "3" * 65
    for data in ({"action": "community", "code": "STAR", "name": "星河湾", "jurisdiction": long},
                 {"action": "jurisdiction", "code": "MOON", "jurisdiction": long},
                 {"action": "user", "login": "district2", "role": "regulator",
                  "password": PASSWORD, "jurisdiction": long}):
        page = client.post("/admin/", data=data, follow_redirects=True)
        assert page.status_code == 200 and "辖区代码" in page.get_data(as_text=True), data
    held = _jurisdictions(app)
    assert "STAR" not in held and "district2" not in held and held["MOON"] == "350503"


def test_a_plain_district_code_still_works(app, world, client):
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "jurisdiction", "code": "MOON",
                                 "jurisdiction": " 350502 "})
    assert _jurisdictions(app)["MOON"] == "350502"


@pytest.mark.parametrize("code", ["350 502", "350502 350503"])
def test_a_district_code_with_a_space_inside_is_refused(app, world, client, runner, code):
    """"350 502" (typed with a space, or copied from a document that groups digits) made a
    district of its own, printed almost as 350502: a community created or moved into it was
    out of its regulator's sight, a regulator created with it saw nothing, without a word."""
    sign_in(client, "admin1")
    for data in ({"action": "community", "code": "STAR", "name": "星河湾", "jurisdiction": code},
                 {"action": "jurisdiction", "code": "MOON", "jurisdiction": code},
                 {"action": "user", "login": "district2", "role": "regulator",
                  "password": PASSWORD, "jurisdiction": code}):
        page = client.post("/admin/", data=data, follow_redirects=True).get_data(as_text=True)
        assert "辖区代码“" in page and "空格" in page, data
    result = runner.invoke(args=["community", "create", "STAR2", "--name", "星河湾",
                                 "--jurisdiction", code])
    assert result.exit_code == 1 and "空格" in result.output, result.output
    held = _jurisdictions(app)
    assert "STAR" not in held and "STAR2" not in held and "district2" not in held
    assert held["MOON"] == "350503"


def test_a_district_code_in_full_width_digits_is_the_district(app, world, client):
    """A Chinese input method types ３５０５０２ in full-width digits: it is district 350502,
    not another one that its regulator never sees."""
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "community", "code": "STAR", "name": "星河湾",
                                 "jurisdiction": "３５０５０２"})
    client.post("/admin/", data={"action": "jurisdiction", "code": "MOON",
                                 "jurisdiction": "３５０５０２"})
    held = _jurisdictions(app)
    assert held["STAR"] == "350502" and held["MOON"] == "350502"


# Each prints as 350502 (or all but): a Cyrillic Ze for the 3, a Cyrillic or Greek capital O
# for the 0, the ideographic number zero a Chinese input method types for 〇.
LOOK_ALIKES = ["\u041750502", "35\u041e502", "35\u039f502", "35\u30075\u30072"]


@pytest.mark.parametrize("code", LOOK_ALIKES)
def test_a_district_code_that_only_looks_like_another_is_refused(app, world, client, runner,
                                                                 code):
    """A letter of another script that looks like a digit (pasted from a document, typed by
    an input method, or chosen on purpose by someone hiding a community from its regulator)
    made a district printed as 350502 on every page, out of its regulator's sight without a
    word: what the hidden characters above did, with a character one can see."""
    sign_in(client, "admin1")
    for data in ({"action": "community", "code": "STAR", "name": "星河湾", "jurisdiction": code},
                 {"action": "jurisdiction", "code": "SUN", "jurisdiction": code},
                 {"action": "user", "login": "district2", "role": "regulator",
                  "password": PASSWORD, "jurisdiction": code}):
        page = client.post("/admin/", data=data, follow_redirects=True).get_data(as_text=True)
        assert "辖区代码“" in page and "只能包含" in page, data
    result = runner.invoke(args=["users", "create", "district3", "--role", "regulator",
                                 "--jurisdiction", code, "--password", PASSWORD])
    assert result.exit_code == 1 and "只能包含" in result.output, result.output
    held = _jurisdictions(app)
    assert "STAR" not in held and "district2" not in held and "district3" not in held
    assert held["SUN"] == "350502"
    sign_in(client, "district")
    assert client.get(f"/regulator/p/{world['sun']['id']}").status_code == 200
