"""The lobby poster's SMS code is sent after the page is answered. A request there waited for
the gateway (hundreds of milliseconds) for a flat with a phone on the roll and answered at
once for one without: the pages were the same, their timing told whoever typed building and
room which flats have a phone. The owner's own link still waits, and is told of a failure.

The gateway here is a fake that blocks until the test opens it, and records who called it."""

from __future__ import annotations

import logging
import re
import threading

import pytest
from sqlalchemy import select

from tests.factories import make_open_proposal, voter_token
from tests.security.test_lobby_privacy import _tap_twice, _whole
from votes.services import sms_outbox

WAIT = 30  # seconds: a safety net for a broken test, never a timing


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


class Gateway:
    """Blocks every call until opened; `calls`: (phone, text, the calling thread)."""

    def __init__(self, fail: bool = False):
        self.open, self.fail, self.calls = threading.Event(), fail, []
        self.entered = threading.Event()

    def __call__(self, phone, text):
        self.calls.append((phone, text, threading.current_thread()))
        self.entered.set()
        # A request waiting here would hang the test: it fails after WAIT instead.
        assert self.open.wait(WAIT), "the gateway was never opened"
        if self.fail:
            raise TimeoutError("gateway did not answer")


@pytest.fixture
def gateway(app):
    gateway = Gateway()
    app.config["SMS_SENDER"] = gateway
    yield gateway
    gateway.open.set()  # whatever the test did: the sender's threads go on
    assert sms_outbox.wait_idle(WAIT)


def _stranger(app, room: str):
    client = app.test_client()
    client.waits_for_sms = False  # the test waits for the sender itself
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{room[0]}"
    return client


def _counts(app):
    """(the phone's day count, the sms_sent and lobby_sms_sent of 李四 and 王五's 1-1-102)."""
    from votes.extensions import db
    from votes.models import FrozenUnit, SmsPhoneCount, VoterAccess
    from votes.services.sms_codes import _phone_key

    with app.app_context():
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.building == "1", FrozenUnit.room == "102"))
        row = db.session.scalar(select(VoterAccess).where(VoterAccess.voter_key == key))
        return (db.session.scalar(select(SmsPhoneCount.sent).where(
                    SmsPhoneCount.phone_key == _phone_key("13912345678"))),
                row.sms_sent, row.lobby_sms_sent)


def test_the_lobby_answers_before_the_gateway_is_called_for_every_flat(app, vote, gateway):
    seen = {}
    for room in ("102", "202"):  # 李四 and 王五: a phone on the roll; 赵六: none
        client = _stranger(app, room)
        seen[room] = _whole(_tap_twice(client, vote, room), room)
        if room == "102":
            owner = client
    # Answered, both, with the gateway still shut: no request waited for it.
    assert not gateway.open.is_set()
    assert seen["102"] == seen["202"]
    assert all(thread is not threading.current_thread() for *_, thread in gateway.calls)
    gateway.open.set()
    assert sms_outbox.wait_idle(WAIT)
    ((phone, text, _thread),) = gateway.calls
    assert phone == "13912345678"
    code = re.search(r"验证码 (\d{6})", text).group(1)
    done = owner.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert done.status_code == 302 and done.location.endswith("/ballot")


def test_a_gateway_failing_after_the_answer_gives_back_the_phones_day(app, vote, gateway,
                                                                       caplog):
    """As the lobby's failure did in the request: the number's day count given back and
    the failure logged; the voter's own counts stand (the flat without a phone counts so)."""
    gateway.fail = True
    caplog.set_level(logging.WARNING)
    client = _stranger(app, "102")
    _tap_twice(client, vote, "102")
    gateway.entered.wait(WAIT)
    assert _counts(app) == (1, 1, 1)  # counted before the gateway is called
    gateway.open.set()
    assert sms_outbox.wait_idle(WAIT)
    assert _counts(app) == (0, 1, 1)
    assert any("SMS sender failed" in r.getMessage() for r in caplog.records)


def test_a_full_queue_is_a_failed_send_never_one_made_in_the_request(app, vote, gateway,
                                                                     monkeypatch, caplog):
    """The gateway hung and the sender's queue full: sending in the request instead would
    tell again; the send is given back as failed, the page the same."""
    monkeypatch.setattr(sms_outbox, "QUEUE_SIZE", 0)  # no room for one more
    caplog.set_level(logging.WARNING)
    seen = {room: _whole(_tap_twice(_stranger(app, room), vote, room), room)
            for room in ("102", "202")}
    assert seen["102"] == seen["202"]
    assert sms_outbox.wait_idle(WAIT)
    assert gateway.calls == []
    assert _counts(app) == (0, 1, 1)
    assert any("queue full" in r.getMessage() for r in caplog.records)


def test_the_owners_link_waits_for_the_gateway_and_is_told_it_failed(app, vote, gateway):
    """The link has proved the notice: there the gateway is called in the request, and a
    failure is told (the count given back, another code asked for at once)."""
    gateway.fail = True
    gateway.open.set()
    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, vote, room='102')}")
    owner.post(f"/p/{vote['uid']}/code")
    ((_phone, _text, thread),) = gateway.calls
    assert thread is threading.current_thread()
    page = owner.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "短信发送失败" in page
    assert _counts(app) == (0, 0, 0)


def test_the_lobby_asks_the_database_alike_for_a_flat_with_a_phone_and_one_without(
        app, vote, monkeypatch):
    """Not the gateway only: the request itself. A flat with a phone on the roll locked its
    number's day count (two statements more) at every tap, the "sent recently" and "too
    frequent" ones too, which anyone may repeat all hour: over a few hundred taps its
    answers were measurably slower (about 1.4 ms in 9 on PostgreSQL), telling whoever typed
    building and room which flats have a phone. Each tap now runs the same statements."""
    from datetime import timedelta

    from sqlalchemy import event

    from votes.extensions import db

    monkeypatch.setitem(app.config, "SMS_SENDER", lambda phone, text: None)
    with app.app_context():
        engine = db.engine
    seen: dict[str, list] = {"102": [], "202": []}
    clients = {room: _stranger(app, room) for room in seen}
    now = app.config["VOTES_NOW"]
    asked: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        asked.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for n in range(5):  # 3 sends (LOBBY_SMS), each tapped again, then "too frequent"
            app.config["VOTES_NOW"] = now + timedelta(seconds=61 * n)
            for tap in range(2):
                for room, client in clients.items():
                    if n == 0 and tap == 0:
                        client.post(f"/p/{vote['uid']}/pick",
                                    data={"building": "1", "entrance": "1", "room": room})
                    asked.clear()
                    client.post(f"/p/{vote['uid']}/code",
                                environ_base={"REMOTE_ADDR": f"203.0.113.{n * 4 + tap}"})
                    assert sms_outbox.wait_idle(WAIT)
                    seen[room].append(list(asked))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen["102"] == seen["202"]


def test_a_capped_number_asks_the_database_as_a_flat_without_a_phone(app, vote, monkeypatch):
    """A number that received PHONE_LOBBY_DAILY codes from the poster is answered as a flat
    without a phone: its count was locked and left as it was, one UPDATE fewer than the
    stand-in a phoneless flat counts, so the capped flat (which has a phone) still told
    itself apart by its statements."""
    from sqlalchemy import event, update

    from votes.extensions import db
    from votes.models import SmsPhoneCount
    from votes.services.sms_codes import PHONE_LOBBY_DAILY, _phone_key

    monkeypatch.setitem(app.config, "SMS_SENDER", lambda phone, text: None)
    clients = {room: _stranger(app, room) for room in ("102", "202")}
    for room, client in clients.items():
        client.post(f"/p/{vote['uid']}/pick", data={"building": "1", "entrance": "1",
                                                     "room": room})
    with app.app_context():
        engine = db.engine
        # The number's first code through another flat's tap makes its row; then its cap.
        from votes.services.sms_codes import _phone_count
        from votes.services.tx import unit_of_work

        with unit_of_work() as session:
            _phone_count(session, "13912345678", app.config["VOTES_NOW"])
        with unit_of_work() as session:
            session.execute(update(SmsPhoneCount).where(
                SmsPhoneCount.phone_key == _phone_key("13912345678"))
                .values(sent=PHONE_LOBBY_DAILY))
    seen: dict[str, list] = {}
    asked: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        asked.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for room, client in clients.items():
            asked.clear()
            client.post(f"/p/{vote['uid']}/code", environ_base={"REMOTE_ADDR": "203.0.113.9"})
            assert sms_outbox.wait_idle(WAIT)
            seen[room] = list(asked)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen["102"] == seen["202"]
    assert _counts(app)[0] == PHONE_LOBBY_DAILY  # the cap's count left as it was
