"""A staff browser left signed in on a shared office PC: after STAFF_IDLE_TIMEOUT without a
request the session no longer opens staff pages; activity keeps it open."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.staff_world import build, sign_in

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(app, runner, tmp_path):
    app.config["VOTES_WALL_NOW"] = T0
    return build(app, runner, tmp_path)


def _at(app, minutes: float) -> None:
    app.config["VOTES_WALL_NOW"] = T0 + timedelta(minutes=minutes)


def test_an_idle_session_signs_in_again_with_a_message(app, world, client):
    sign_in(client, "sun_committee")
    _at(app, 29)
    assert client.get("/committee/c/SUN").status_code == 200
    _at(app, 29 + 31)  # 31 minutes since the last page
    r = client.get("/committee/c/SUN")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "长时间没有操作" in page
    # Still signed out on the next page (the message once), and signing in again works.
    assert client.get("/committee/c/SUN").status_code == 302
    sign_in(client, "sun_committee")
    assert client.get("/committee/c/SUN").status_code == 200


def test_activity_keeps_it_open_and_the_cookie_is_not_rewritten_every_request(app, world,
                                                                                client):
    sign_in(client, "sun_committee")
    for minute in range(20, 200, 20):  # a page every 20 minutes, for over 3 hours
        _at(app, minute)
        r = client.get("/committee/c/SUN")
        assert r.status_code == 200, minute
        assert "session=" in r.headers.get("Set-Cookie", "")  # the time it was last used
        _at(app, minute + 0.5)
        r = client.get("/committee/c/SUN")
        assert r.status_code == 200
        assert "session=" not in r.headers.get("Set-Cookie", "")  # within the minute


def test_the_idle_time_is_configurable(app, world, client):
    app.config["STAFF_IDLE_TIMEOUT"] = 5 * 60
    sign_in(client, "sun_committee")
    _at(app, 6)
    assert client.get("/committee/c/SUN").status_code == 302
