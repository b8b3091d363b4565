"""Issue 9.4: a stranger at the lobby poster cannot lock an owner out, nor guess freely.

The lobby path (/p/<uid>/pick) needs only a building and room, so it is throttled per
voter and client with backoff and capped per voter a day (lobby.VOTER_DAILY), and
its failures never lock the owner's own notice link or SMS."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import make_open_proposal, resident_id, voter_token

ZHANG = resident_id(1)[-6:]  # 张三 owns 1-1-101 and 1-1-201
WRONG = "000000"


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["RATELIMIT_ENABLED"] = True
    return make_open_proposal(app, runner, tmp_path)


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _stranger(app, n: int):
    return _client_at(app, f"198.51.100.{n % 250 + 1}")


def _lobby_guess(client, vote, answer=WRONG, method="id", room="101"):
    client.post(f"/p/{vote['uid']}/pick", data={"building": "1", "entrance": "1", "room": room})
    return client.post(f"/p/{vote['uid']}/verify", data={"method": method, "answer": answer})


def test_66_lobby_failures_do_not_lock_the_owners_link(app, vote):
    # 66 wrong answers within the hour, from 66 addresses (the worst case for the owner).
    for n in range(66):
        app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=1, seconds=n)
        r = _lobby_guess(_stranger(app, n), vote)
        assert r.status_code in (200, 429)
    assert _lobby_failures(app) > 0
    owner = _client_at(app, "203.0.113.7")
    r = owner.get(f"/v/{voter_token(app, vote)}")
    assert r.status_code == 302, "the owner's own link must not be locked"
    r = owner.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")
    assert _lobby_failures(app) == 0, "verifying through the own link clears the lobby count"


def _lobby_failures(app) -> int:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import LobbyFailure

    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(LobbyFailure))
        finally:
            db.session.remove()


def _lobby_failures_of(app, vote, room: str) -> int:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import FrozenUnit, LobbyFailure, VoterAccess

    with app.app_context():
        try:
            return db.session.scalar(
                select(func.count()).select_from(LobbyFailure)
                .join(VoterAccess, VoterAccess.id == LobbyFailure.access_id)
                .join(FrozenUnit, (FrozenUnit.proposal_id == VoterAccess.proposal_id)
                      & (FrozenUnit.voter_key == VoterAccess.voter_key))
                .where(FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == "1",
                       FrozenUnit.room == room))
        finally:
            db.session.remove()


def test_a_wrong_answer_clears_only_its_own_voters_old_failures(app, runner, vote):
    """Each wrong answer used to delete every voter's expired rows: concurrent ones on
    PostgreSQL could deadlock. It touches only its own voter's; `votes tick` takes the rest
    once the day is over."""
    _lobby_guess(_stranger(app, 1), vote, room="101")  # 张三
    _lobby_guess(_stranger(app, 2), vote, room="102")  # 李四 and 王五
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=2)
    _lobby_guess(_stranger(app, 3), vote, room="101")
    assert _lobby_failures_of(app, vote, "101") == 1  # the old one gone, today's counted
    assert _lobby_failures_of(app, vote, "102") == 1  # another voter's: untouched
    # The day's cap counts from the new window only: 张三's voter gets its 10 again.
    statuses = [_lobby_guess(_stranger(app, 10 + n), vote, room="101").status_code
                for n in range(10)]
    assert statuses == [200] * 8 + [429] * 2
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _lobby_failures_of(app, vote, "102") == 0
    assert _lobby_failures_of(app, vote, "101") == 10


def test_guessing_from_the_lobby_is_capped_per_voter_per_day(app, vote):
    from votes.services.lobby import BACKOFF as LOBBY_BACKOFF
    from votes.services.lobby import CLIENT_FREE as LOBBY_CLIENT_FREE
    from votes.services.lobby import VOTER_DAILY as LOBBY_VOTER_DAILY

    statuses = []
    for n in range(66):
        app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=1, seconds=n)
        statuses.append(_lobby_guess(_stranger(app, n), vote).status_code)
    # The 10th wrong answer is checked, and from then on nothing is.
    assert statuses == [200] * (LOBBY_VOTER_DAILY - 1) + [429] * (67 - LOBBY_VOTER_DAILY)
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import LobbyFailure

        assert db.session.scalar(select(func.count()).select_from(LobbyFailure)) \
            == LOBBY_VOTER_DAILY == 10
    # Past the cap, even the right answer from yet another address is not checked.
    r = _lobby_guess(_stranger(app, 200), vote, ZHANG)
    assert r.status_code == 429 and "二维码" in r.get_data(as_text=True)
    assert _stranger(app, 200).get(f"/p/{vote['uid']}/ballot").status_code == 403
    # One client alone gets LOBBY_CLIENT_FREE tries, then has to wait, doubling.
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=1, hours=2)
    one = _stranger(app, 7)
    codes = [_lobby_guess(one, vote).status_code for _ in range(LOBBY_CLIENT_FREE)]
    assert codes == [200] * (LOBBY_CLIENT_FREE - 1) + [429]
    assert _lobby_guess(one, vote, ZHANG).status_code == 429  # not checked while waiting
    app.config["VOTES_NOW"] += LOBBY_BACKOFF
    assert _lobby_guess(one, vote).status_code == 429  # checked, and now a longer wait
    app.config["VOTES_NOW"] += LOBBY_BACKOFF
    assert _lobby_guess(one, vote, ZHANG).status_code == 429
    # ... while the owner, from the lobby on their own phone, still gets in.
    r = _lobby_guess(_stranger(app, 99), vote, ZHANG)
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")


def test_link_failures_still_lock_the_link(app, client, vote):
    """The link's own lockout (its holder guessing) is unchanged."""
    client.get(f"/v/{voter_token(app, vote)}")
    for _ in range(5):
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": WRONG})
    assert r.status_code == 423


def test_sms_codes_are_capped_per_voter_per_hour(app, vote):
    from votes.services.sms_codes import LOBBY_SMS, SMS_PER_HOUR

    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    # Strangers at the lobby can use only part of the hour's codes ...
    for n in range(10):
        # A minute apart: within RESEND_AFTER of a code none is sent, whoever asks.
        app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=1, minutes=n)
        c = _stranger(app, n)
        c.post(f"/p/{vote['uid']}/pick", data={"building": "1", "entrance": "1", "room": "101"})
        c.post(f"/p/{vote['uid']}/code")
    assert len(sent) == LOBBY_SMS == 3
    # ... so the owner's link can still get a code, up to the hourly cap.
    owner = _client_at(app, "203.0.113.7")
    owner.get(f"/v/{voter_token(app, vote)}")
    for n in range(3):  # the third is refused: the hour's codes are used up
        app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=1, minutes=10 + n)
        owner.post(f"/p/{vote['uid']}/code")
    assert len(sent) == SMS_PER_HOUR == 5
    page = owner.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "太频繁" in page
    code = re.search(r"(\d{6})", sent[-1]).group(1)
    r = owner.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert r.status_code == 302
    # A new hour, a new allowance.
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=2, minutes=5)
    again = _client_at(app, "203.0.113.8")
    again.get(f"/v/{voter_token(app, vote)}")
    again.post(f"/p/{vote['uid']}/code")
    assert len(sent) == 6
