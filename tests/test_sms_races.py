"""SMS codes asked for at once on PostgreSQL: the gateway is called after the voter's row
is unlocked, so a slow gateway holds up no other request on that voter, and the caps still
hold (the send is counted, under the lock, before the gateway is called)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_open_proposal

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _access_id(app, vote, room="101") -> int:
    from votes.extensions import db
    from votes.models import FrozenUnit, VoterAccess

    with app.app_context():
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == "1",
            FrozenUnit.room == room))
        return db.session.scalar(select(VoterAccess.id).where(
            VoterAccess.proposal_id == vote["id"], VoterAccess.voter_key == key))


def _b_a_minute_later(app, monkeypatch):
    """Thread B's clock 61 seconds past A's: past RESEND_AFTER, so B is judged by the cap."""
    from votes.services import clock

    start = app.config["VOTES_NOW"]
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=61) if
                        threading.current_thread().name == "B" else start)


def test_a_slow_gateway_holds_up_no_other_request_and_the_cap_holds(app, vote, monkeypatch):
    """The gateway was called with the voter's row locked: a gateway slow up to its timeout
    queued every other request on that voter behind it (the resend button, the answer)."""
    from tests.races import held_race
    from votes.extensions import db
    from votes.models import VoterAccess
    from votes.services import sms_codes

    access_id = _access_id(app, vote)
    with app.app_context():  # one code left of the hour's
        row = db.session.get(VoterAccess, access_id)
        row.sms_sent, row.sms_window_start = sms_codes.SMS_PER_HOUR - 1, \
            app.config["VOTES_NOW"]
        db.session.commit()
    events = []
    app.config["SMS_SENDER"] = lambda phone, text: events.append(
        ("sent", threading.current_thread().name))
    _b_a_minute_later(app, monkeypatch)

    def act(who):
        try:
            return sms_codes.send_code(access_id)
        finally:
            events.append(("done", who))

    outcome = held_race(app, monkeypatch, sms_codes, "send_sms", act)
    assert "太频繁" in outcome["B"], outcome
    assert outcome["A"] == "139****5678"
    # B was answered while A was still in the gateway: it did not wait for A's lock.
    assert events == [("done", "B"), ("sent", "A"), ("done", "A")], events


def test_a_failed_send_gives_back_its_count_and_keeps_a_newer_code(app, vote, monkeypatch):
    """A's gateway fails after B, a minute later, has sent a code of its own: A's count is
    given back, and B's code (not the state before A) is the one that stands."""
    import re

    from tests.races import held_race
    from votes.extensions import db
    from votes.models import SmsPhoneCount, VoterAccess
    from votes.services import second_factor
    from votes.services import sms_codes

    access_id = _access_id(app, vote)
    codes = []

    def sender(phone, text):
        if threading.current_thread().name == "A":
            raise TimeoutError("gateway did not answer")
        codes.append(re.search(r"\d{6}", text).group(0))

    app.config["SMS_SENDER"] = sender
    _b_a_minute_later(app, monkeypatch)
    outcome = held_race(app, monkeypatch, sms_codes, "send_sms",
                        lambda who: sms_codes.send_code(access_id))
    assert "短信发送失败" in outcome["A"] and outcome["B"] == "139****5678", outcome
    with app.app_context():
        row = db.session.get(VoterAccess, access_id)
        assert row.sms_sent == 1
        assert db.session.scalar(select(SmsPhoneCount.sent)) == 1
    monkeypatch.undo()  # one clock again
    app.config["VOTES_NOW"] += timedelta(seconds=61)
    with app.app_context():
        assert second_factor.verify_second_factor(access_id, codes[0], "sms").ok
