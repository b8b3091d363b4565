"""The lobby poster (/p/<uid>/pick) needs only a building and a room, which anyone can read
off a letterbox: until the second factor is answered, whoever typed them sees that flat and
nothing else — not the owner's other flats, not whether the owner is a person or a company,
not a digit of the phone on the roll. The owner's own link (a 144-bit token on the notice)
shows what it showed."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_open_proposal, resident_id, voter_token

ZHANG = resident_id(1)[-6:]  # 张三 owns 1-1-101 and 1-1-201, phone 13912345678
DEVELOPER_CODE = "91350500MA2XXXXX1A"  # the developer: 2-1-101 and 2-1-102, no phone
PHONE_DIGITS = ("139", "5678")


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _pick(client, vote, building: str, room: str) -> str:
    picked = client.post(f"/p/{vote['uid']}/pick",
                         data={"building": building, "entrance": "1", "room": room})
    assert picked.status_code == 302
    return client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)


def _body(page: str) -> str:
    return page.split("<main", 1)[-1]


def _text(page: str) -> str:
    """What the page shows: the proposal's uid in a form's address may hold "139"."""
    return re.sub(r"<[^>]*>", " ", _body(page))


def test_a_stranger_at_the_lobby_sees_only_the_flat_typed(app, client, vote):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    page = _pick(client, vote, "1", "101")
    assert "1号楼1单元101室" in page
    assert "201室" not in page, "the owner's other flat"
    client.post(f"/p/{vote['uid']}/code")
    assert sent, "the code still goes to the owner's phone"
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "名册上登记的手机号" in page and 'name="answer"' in page
    assert not any(d in _text(page) for d in PHONE_DIGITS) and "****" not in page
    assert "201室" not in page
    # The owner answers at the lobby: now their flats are theirs to see.
    code = re.search(r"(\d{6})", sent[-1]).group(1)
    done = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert done.status_code == 302 and done.location.endswith("/ballot")
    ballot = client.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)
    assert "1号楼1单元101室" in ballot and "1号楼1单元201室" in ballot


def test_the_lobby_does_not_tell_a_company_from_a_person(app, client, vote):
    person = _pick(client, vote, "1", "202")  # 赵六, no phone either
    developer = _pick(client, vote, "2", "101")
    assert "2号楼1单元102室" not in developer, "the developer's other flat"
    # The same page, the flat aside: the same second factors offered, the same words.
    # The CSRF token carries the second it was made: two pages a second apart differ in it.
    person, developer = (re.sub(r'(name="csrf_token" value=)"[^"]*"', r'\1"TOKEN"', page)
                         for page in (person, developer))
    assert person.replace("1号楼1单元202室", "FLAT") == developer.replace("2号楼1单元101室",
                                                                          "FLAT")
    assert 'value="id"' in developer and 'value="notice"' in developer
    # The credit code's last 6 characters (public) are a wrong answer like any other there,
    # without the reason that would name the owner a company; and they prove nothing.
    answers = []
    for building, room, answer in (("1", "202", "000000"), ("2", "101", DEVELOPER_CODE[-6:])):
        _pick(client, vote, building, room)
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": answer})
        assert r.status_code == 200
        answers.append(_body(r.get_data(as_text=True)).split("<h1", 1)[0])
    assert answers[0] == answers[1] and "验证未通过" in answers[1]
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 403


def test_the_owners_own_link_still_shows_their_flats_and_masked_phone(app, client, vote):
    app.config["SMS_SENDER"] = lambda phone, text: None
    client.get(f"/v/{voter_token(app, vote, '101')}")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "1号楼1单元101室" in page and "1号楼1单元201室" in page
    assert 'value="id"' in page and 'value="notice"' not in page
    client.post(f"/p/{vote['uid']}/code")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "139****5678" in page
    # A lobby visit on the same browser for another voter does not show that number.
    page = _pick(client, vote, "1", "102")  # 李四 and 王五, a phone on the roll too
    assert "139****5678" not in page and 'autocomplete="one-time-code"' not in page


def test_the_lobby_does_not_tell_whether_a_phone_is_on_the_roll(app, vote):
    """Asking for an SMS code at the lobby said "no phone on the roll" for a flat without
    one: whoever typed building and room learnt it. Both flats now get the same answers,
    the hour's allowance included; only the one with a phone gets a message."""
    from datetime import timedelta

    from votes.services.sms_codes import LOBBY_SMS

    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(phone)
    pages = {}
    for flat, room in (("1号楼1单元102室", "102"), ("1号楼1单元202室", "202")):  # 李四: phone
        client, start = app.test_client(), app.config["VOTES_NOW"]
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{room[0]}"  # an address each
        _pick(client, vote, "1", room)
        answers = []
        for n in range(LOBBY_SMS + 1):  # a minute apart, past the allowance
            app.config["VOTES_NOW"] = start + timedelta(minutes=n)
            page = client.post(f"/p/{vote['uid']}/code", follow_redirects=True)
            answers.append(re.sub(r'name="csrf_token" value="[^"]*"', "", _body(
                page.get_data(as_text=True))).replace(flat, "FLAT"))
        pages[room] = answers
        app.config["VOTES_NOW"] = start
    assert pages["102"] == pages["202"]
    assert "名册上登记的手机号" in pages["202"][0] and "太频繁" in pages["202"][-1]
    assert len(sent) == LOBBY_SMS


def _tap_twice(client, vote, room: str) -> list:
    """The poster's path for flat 1-1-`room`: pick, verify page, 发送, verify page, 发送 again
    (a second tap: "sent recently"), verify page."""
    return [client.post(f"/p/{vote['uid']}/pick",
                        data={"building": "1", "entrance": "1", "room": room}),
            client.get(f"/p/{vote['uid']}/verify"),
            client.post(f"/p/{vote['uid']}/code"),
            client.get(f"/p/{vote['uid']}/verify"),
            client.post(f"/p/{vote['uid']}/code"),
            client.get(f"/p/{vote['uid']}/verify")]


def _whole(responses, room: str) -> list[tuple]:
    """Each response as a stranger sees it: status, redirect, size and page, the CSRF token's
    value and the flat's own room (typed by the stranger) taken out."""
    return [(r.status_code, r.headers.get("Location"), len(r.get_data()),
             re.sub(r'name="csrf_token" value="[^"]*"', "",
                    r.get_data(as_text=True)).replace(f"单元{room}室", "单元FLAT室"))
            for r in responses]


def test_the_lobby_answers_a_flat_with_a_phone_and_one_without_alike_whole(app, vote):
    """Not only the page's main part: every response of the lobby's steps, the redirects
    and their targets, each page's status and its size, for 1-1-102 (a phone) and 1-1-202
    (none), labels of the same length. Only the CSRF token differs, and only in value."""
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(phone)
    seen = {}
    for room in ("102", "202"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{room[0]}"
        steps = _tap_twice(client, vote, room)
        seen[room] = _whole(steps, room)
    assert seen["102"] == seen["202"]
    assert len(sent) == 1


def _down(phone, text):
    raise TimeoutError("gateway did not answer")


def test_the_lobby_answers_a_failing_gateway_as_a_flat_without_a_phone(app, vote, caplog):
    """The poster's page said 短信发送失败 when the gateway failed, which a flat without a
    phone never says: during an outage whoever typed building and room learnt which flats
    have a phone. Every step and tap (past the hour's allowance) now answers alike; the
    failure is logged for the operator, and the number's count given back."""
    import logging
    from datetime import timedelta

    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import SmsPhoneCount
    from votes.services.sms_codes import LOBBY_SMS, _phone_key

    app.config["SMS_SENDER"] = _down
    seen = {}
    caplog.set_level(logging.WARNING)
    for room in ("102", "202"):  # 李四 has a phone on the roll; 赵六 none
        client, start = app.test_client(), app.config["VOTES_NOW"]
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{room[0]}"
        steps = _tap_twice(client, vote, room)
        for n in range(1, LOBBY_SMS + 1):  # a minute apart, past the hour's allowance
            app.config["VOTES_NOW"] = start + timedelta(minutes=n)
            # From another address each (the limiter's minute is the wall clock's).
            client.environ_base["REMOTE_ADDR"] = f"198.51.{n}.{room[0]}"
            steps += [client.post(f"/p/{vote['uid']}/code"),
                      client.get(f"/p/{vote['uid']}/verify")]
        app.config["VOTES_NOW"] = start
        seen[room] = _whole(steps, room)
    assert seen["102"] == seen["202"]
    page = seen["102"][3][3]
    assert "短信发送失败" not in page and "名册上登记的手机号" in page
    assert "太频繁" in seen["102"][-1][3]
    assert any("SMS sender failed" in r.getMessage() for r in caplog.records)
    with app.app_context():  # no message reached the number: its day's count is its own
        assert db.session.scalar(select(SmsPhoneCount.sent).where(
            SmsPhoneCount.phone_key == _phone_key("13912345678"))) == 0


def test_the_lobby_page_says_the_notices_link_works_when_no_code_arrives(app, client, vote):
    app.config["SMS_SENDER"] = lambda phone, text: None
    _pick(client, vote, "1", "102")
    client.post(f"/p/{vote['uid']}/code")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert 'id="no-code"' in page and "表决通知上的链接" in page.split('id="no-code"')[1]
