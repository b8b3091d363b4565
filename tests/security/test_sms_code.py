"""The owner's SMS code: the sender configured, the gateway failing, the message sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import make_open_proposal, voter_token


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _ask_code(app, vote):
    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, vote)}")
    r = owner.post(f"/p/{vote['uid']}/code")
    return owner, r


def test_an_sms_sender_that_is_no_function_never_writes_codes_to_a_file(app, vote):
    """VOTES_SMS_SENDER=aliyun (a gateway's name, not the function docs/deploy.md asks
    for) wrote every live code to instance/sms.log, in production too, and the owner
    waited for an SMS that never came."""
    app.config["SMS_SENDER"] = "aliyun"
    owner, r = _ask_code(app, vote)
    assert r.status_code == 302
    log = Path(app.instance_path) / "sms.log"
    assert not log.exists() or "验证码" not in log.read_text(encoding="utf-8")
    page = owner.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "短信发送未配置" in page


def _access_row(app, vote, room="101"):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit, VoterAccess

    with app.app_context():
        unit = db.session.scalar(select(FrozenUnit).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.room == room))
        return db.session.scalar(select(VoterAccess).where(
            VoterAccess.proposal_id == vote["id"], VoterAccess.voter_key == unit.voter_key))


def test_a_failing_gateway_tells_the_owner_and_counts_nothing(app, vote):
    """The gateway timing out (the operator's sender raising) was a 500 page: the owner
    learnt nothing, and could not tell whether a code was on its way."""
    sent = []

    def down(phone, text):
        raise TimeoutError("gateway did not answer")

    app.config["SMS_SENDER"] = down
    owner, r = _ask_code(app, vote)
    assert r.status_code == 302
    page = owner.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "短信发送失败" in page and "gateway" not in page
    row = _access_row(app, vote)
    assert row.sms_sent == 0 and row.otp_hash is None and row.otp_expires is None
    # The gateway back: the owner asks again at once (no "sent recently") and gets one.
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    owner.post(f"/p/{vote['uid']}/code")
    assert len(sent) == 1


def test_the_code_message_warns_against_telling_anyone_and_fits_one_sms(app, vote):
    """Anyone at the lobby poster can have a code sent to any owner's phone, then call them
    as "the committee" asking for it: the message said only 您的验证码是 …, nothing that it
    is the owner's alone, nor what to do with a code they never asked for."""
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    _ask_code(app, vote)
    (text,) = sent
    assert "请勿告诉任何人" in text and "工作人员" in text and "非本人操作请忽略" in text
    assert len(text) <= 70, len(text)  # one SMS: 70 characters of Chinese, signature included
    assert "http" not in text and "/" not in text  # no link to copy a phishing text from


def test_strangers_at_the_poster_send_an_owner_few_codes_a_day(app, vote):
    """The poster path (building and room, which prove nothing) was held to 3 codes an hour
    per flat and nothing more: 72 texts a day to one owner's phone, night included, and as
    many paid messages for the district per flat on the roll, from rotating addresses."""
    from datetime import timedelta

    from votes.services.sms_codes import LOBBY_SMS_DAILY

    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    n = 0
    for hour in range(24):
        for minute in (0, 2, 4):
            app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=1 + hour, minutes=minute)
            stranger = app.test_client()
            stranger.environ_base["REMOTE_ADDR"] = f"198.51.100.{n % 250 + 1}"
            n += 1
            stranger.post(f"/p/{vote['uid']}/pick",
                          data={"building": "1", "entrance": "1", "room": "101"})
            stranger.post(f"/p/{vote['uid']}/code")
    assert len(sent) == LOBBY_SMS_DAILY
    page = stranger.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "太频繁" in page
    # The owner's own link still gets a code.
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=24, minutes=10)
    _ask_code(app, vote)
    assert len(sent) == LOBBY_SMS_DAILY + 1


def test_a_gateways_error_never_writes_the_phone_or_the_code_to_the_log(app, vote, caplog):
    """A gateway's client commonly names the request it failed ("400 for url
    ...?mobile=13912345678&content=...验证码 123456..."): the sender's failure was logged
    with that message and its traceback, and the owner's phone number and live code were
    in the operator's log (docs: phones are kept out of logs). The log now says the
    gateway failed and how, with the number masked and the code left out."""
    import logging

    def refusing(phone, text):
        raise RuntimeError(f"400 Bad Request for url https://sms.example/send?mobile={phone}"
                           f"&content={text}")

    app.config["SMS_SENDER"] = refusing
    caplog.set_level(logging.INFO)
    _owner, r = _ask_code(app, vote)
    assert r.status_code == 302
    logged = "\n".join(record.getMessage() + "\n" + (record.exc_text or "")
                       + "\n" + logging.Formatter().formatException(record.exc_info)
                       if record.exc_info else record.getMessage()
                       for record in caplog.records)
    assert "SMS sender failed" in logged and "RuntimeError" in logged
    assert "13912345678" not in logged and "验证码" not in logged
    assert not re.search(r"验证码|\b\d{6}\b", logged), logged
