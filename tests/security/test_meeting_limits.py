"""An owners' meeting: dozens of owners on the hall's Wi-Fi (or behind one carrier NAT) prove
who they are in the same minute from one address. The second factor's limit of 10 answers a
minute was per address, so the 11th owner in the hall got "too many requests"; it is per
address and voter now, and what bounds one address across voters is a limit a meeting does
not reach but a stranger walking the roll does."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal, make_row, resident_id, voter_token

OWNERS = 40
HALL = "198.51.100.20"


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["RATELIMIT_ENABLED"] = True
    rows = [make_row(room=str(101 + i), owner_name=f"业主{i}", owner_id=resident_id(i + 1),
                     phone="") for i in range(OWNERS)]
    return make_open_proposal(app, runner, tmp_path, rows=rows)


def _suffix(i: int) -> str:
    return resident_id(i + 1)[-6:]


def _post(phone, path: str, data: dict, address: str = HALL):
    return phone.post(path, data=data, environ_base={"REMOTE_ADDR": address})


def test_forty_owners_in_one_hall_all_verify_with_their_links(app, vote):
    verified = []
    for i in range(OWNERS):
        phone = app.test_client()  # each owner their own phone (cookies), one address
        assert phone.get(f"/v/{voter_token(app, vote, str(101 + i))}",
                         environ_base={"REMOTE_ADDR": HALL}).status_code == 302
        r = _post(phone, f"/p/{vote['uid']}/verify", {"method": "id", "answer": _suffix(i)})
        verified.append(r.status_code)
    assert verified == [302] * OWNERS, verified


def test_forty_owners_in_one_hall_all_verify_from_the_poster(app, vote):
    answers = []
    for i in range(OWNERS):
        phone = app.test_client()
        picked = _post(phone, f"/p/{vote['uid']}/pick",
                       {"building": "1", "entrance": "1", "room": str(101 + i)})
        assert picked.status_code == 302, (i, picked.status_code)
        r = _post(phone, f"/p/{vote['uid']}/verify", {"method": "id", "answer": _suffix(i)})
        answers.append(r.status_code)
    assert answers == [302] * OWNERS, answers


def test_one_voters_answers_stay_limited_per_address(app, vote):
    phone = app.test_client()
    phone.get(f"/v/{voter_token(app, vote, '101')}", environ_base={"REMOTE_ADDR": HALL})
    codes = [_post(phone, f"/p/{vote['uid']}/verify", {"method": "id", "answer": "000000"})
             .status_code for _ in range(11)]
    assert codes[-1] == 429, codes
    # Another owner in the hall is not held up by that one's wrong answers.
    other = app.test_client()
    other.get(f"/v/{voter_token(app, vote, '102')}", environ_base={"REMOTE_ADDR": HALL})
    assert _post(other, f"/p/{vote['uid']}/verify",
                 {"method": "id", "answer": _suffix(1)}).status_code == 302


def test_a_stranger_walking_the_roll_from_one_address_is_slowed_down(app, vote):
    """Three wrong answers for each flat on the poster (the lobby lets each client three
    before it must wait): after 120 answers in the minute the address must wait, whichever
    flat it picks next."""
    stranger = app.test_client()
    limited = []
    for i in range(OWNERS):
        _post(stranger, f"/p/{vote['uid']}/pick",
              {"building": "1", "entrance": "1", "room": str(101 + i)}, "203.0.113.9")
        for _ in range(3):
            r = _post(stranger, f"/p/{vote['uid']}/verify",
                      {"method": "id", "answer": "000000"}, "203.0.113.9")
            limited.append(_limited(r))
    assert len(limited) == 120 and not any(limited)
    _post(stranger, f"/p/{vote['uid']}/pick",
          {"building": "1", "entrance": "1", "room": "101"}, "203.0.113.9")
    refused = _post(stranger, f"/p/{vote['uid']}/verify", {"method": "id", "answer": "000000"},
                    "203.0.113.9")
    assert _limited(refused)
    # The owners in the hall, another address, are not held up by the stranger.
    phone = app.test_client()
    phone.get(f"/v/{voter_token(app, vote, '103')}", environ_base={"REMOTE_ADDR": HALL})
    assert _post(phone, f"/p/{vote['uid']}/verify",
                 {"method": "id", "answer": _suffix(2)}).status_code == 302


def _limited(response) -> bool:
    """Refused by the address's limit (not by the lobby's own wait for that one flat, which
    says so in words)."""
    return response.status_code == 429 and \
        "通过楼栋房号验证失败次数过多" not in response.get_data(as_text=True)


def _sms_ceiling() -> int:
    from votes.web.owner.signing_in import SMS_ADDRESS_PER_MINUTE

    return int(SMS_ADDRESS_PER_MINUTE.split()[0])


@pytest.fixture
def phones(app, runner, tmp_path):
    """One flat more than an address may ask codes for in a minute, each owner a phone."""
    app.config["RATELIMIT_ENABLED"] = True
    rows = [make_row(room=str(101 + i), owner_name=f"业主{i}", owner_id=resident_id(i + 1),
                     phone=f"139{i:08d}") for i in range(_sms_ceiling() + 1)]
    return make_open_proposal(app, runner, tmp_path, rows=rows)


@pytest.fixture
def texts(app):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(phone)
    return sent


def test_forty_owners_in_one_hall_all_get_an_sms_code(app, phones, texts):
    """SMS codes were limited to 3 a minute per address: the fourth owner in the hall got
    "too many requests". The limit is per address and voter now, as the answers' is."""
    codes = []
    for i in range(OWNERS):
        phone = app.test_client()
        phone.get(f"/v/{voter_token(app, phones, str(101 + i))}",
                  environ_base={"REMOTE_ADDR": HALL})
        codes.append(_post(phone, f"/p/{phones['uid']}/code", {}).status_code)
    assert codes == [302] * OWNERS, codes
    assert len(texts) == OWNERS == len(set(texts))


def test_one_voters_codes_stay_limited_per_address(app, phones, texts):
    phone = app.test_client()
    phone.get(f"/v/{voter_token(app, phones, '101')}", environ_base={"REMOTE_ADDR": HALL})
    codes = [_post(phone, f"/p/{phones['uid']}/code", {}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429], codes
    assert len(texts) == 1  # the taps within the minute after the first sent nothing
    other = app.test_client()
    other.get(f"/v/{voter_token(app, phones, '102')}", environ_base={"REMOTE_ADDR": HALL})
    assert _post(other, f"/p/{phones['uid']}/code", {}).status_code == 302
    assert len(texts) == 2


def test_a_stranger_sending_codes_along_the_roll_is_stopped_at_the_ceiling(app, phones, texts):
    stranger, address = app.test_client(), "203.0.113.9"
    codes = []
    for i in range(_sms_ceiling() + 1):
        _post(stranger, f"/p/{phones['uid']}/pick",
              {"building": "1", "entrance": "1", "room": str(101 + i)}, address)
        codes.append(_post(stranger, f"/p/{phones['uid']}/code", {}, address).status_code)
    assert codes == [302] * _sms_ceiling() + [429], codes
    assert len(texts) == _sms_ceiling()
    # The owners in the hall, another address, are not held up by the stranger.
    phone = app.test_client()
    phone.get(f"/v/{voter_token(app, phones, '101')}", environ_base={"REMOTE_ADDR": HALL})
    assert _post(phone, f"/p/{phones['uid']}/code", {}).status_code == 302
