"""The CSRF tokens the pages carry are Flask-WTF's, byte for byte, and checked as strictly
(votes/web/csrf_tokens.py keeps the serializer Flask-WTF built on every call)."""

from __future__ import annotations

import re

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.factories import make_open_proposal, voter_token
from tests.test_owner_http import ZHANG_SUFFIX

NOW = 1_900_000_000


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    return make_open_proposal(app, runner, tmp_path)


def _form_token(client, app, vote) -> str:
    client.get(f"/v/{voter_token(app, vote)}")
    page = client.get(f"/p/{vote['uid']}/verify")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _stock(app, secret: str, at: int) -> str:
    """The token Flask-WTF's own serializer makes for the session's secret at `at`."""
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    signer = serializer.make_signer()
    signer.get_timestamp = lambda: at
    return signer.sign(serializer.dump_payload(secret)).decode()


def _post(client, vote, token):
    return client.post(f"/p/{vote['uid']}/verify", data={
        "method": "id", "answer": ZHANG_SUFFIX, "csrf_token": token})


def test_the_pages_token_is_flask_wtfs_byte_for_byte(app, client, vote, monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: NOW)
    for _ in range(2):  # the second page's token from the kept serializer, signer, payload
        token = _form_token(client, app, vote)
        with client.session_transaction() as session:
            secret = session["csrf_token"]
        assert token == _stock(app, secret, NOW)


def test_tokens_are_checked_as_flask_wtf_checks_them(app, client, vote, monkeypatch):
    _form_token(client, app, vote)
    with client.session_transaction() as session:
        secret = session["csrf_token"]
    import time

    # The app sets no time limit (config/default.py); one configured is still applied.
    app.config["WTF_CSRF_TIME_LIMIT"] = limit = 3600
    now = int(time.time())
    expired = _post(client, vote, _stock(app, secret, now - limit - 5))
    assert expired.status_code == 400
    other = _post(client, vote, _stock(app, "0" * 40, now))
    assert other.status_code == 400
    good = _stock(app, secret, now - 5)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert _post(client, vote, tampered).status_code == 400
    r = _post(client, vote, good)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")
