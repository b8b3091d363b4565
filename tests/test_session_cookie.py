"""The session cookie (votes/web/session_cookie.py) is stock Flask's, byte for byte: the
same JSON, tags, compression, signature, salt and keys, written and read the same."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from flask import session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner
from markupsafe import Markup

OWNER = {"_fresh": True, "_id": "03f0" * 32, "_user_id": "o:1:TyxVl0GU7AdfTMRV-xDLVUNS",
         "csrf_token": "95c7d19291c27deec61e83be69d0b9bbb5c0f840", "pending_lobby": False,
         "pending_unit": None, "proof": "id", "ballot_revision": 0, "just_cast": "1:8b0f"}
SESSIONS = [
    OWNER,
    {"lang": "en"},
    {" t": "a one-key dict named as a tag"},
    {"pair": (1, "二")},
    {"raw": b"\x00\xff"},
    {"html": Markup("<b>x</b>")},
    {"when": datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)},
    {"id": uuid.UUID(int=7)},
    {"nested": {"a": [1, {"b": (2, 3)}], " di": "x"}, "list": [1, "2", None]},
    {"number": 1.5, "text": "中文", "big": 2 ** 70, "none": None, "no": False},
]


@pytest.fixture
def written(sqlite_app, monkeypatch):
    """Set-Cookie of a request that stores the given values, by the app's session interface
    or by Flask's own, at one fixed time."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    values = {}

    def store():
        session.update(values)
        return "ok"

    sqlite_app.add_url_rule("/_store", "store", store)

    def write(data, interface):
        values.clear()
        values.update(data)
        sqlite_app.session_interface = interface
        headers = sqlite_app.test_client().get("/_store").headers.getlist("Set-Cookie")
        return next(h for h in headers if h.startswith("session="))

    return write


@pytest.mark.parametrize("data", SESSIONS, ids=range(len(SESSIONS)))
def test_the_session_cookie_is_flasks_own(sqlite_app, written, data):
    kept = sqlite_app.session_interface
    for _ in range(2):  # the second time by the kept serializer and signer
        assert written(data, kept) == written(data, SecureCookieSessionInterface())
    cookie = written(data, kept).split(";")[0].split("=", 1)[1]
    stock = SecureCookieSessionInterface().get_signing_serializer(sqlite_app).loads(cookie)
    assert kept.get_signing_serializer(sqlite_app).loads(cookie) == stock == data


def test_a_cookie_of_the_previous_secret_key_is_still_read(sqlite_app, monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    old = SecureCookieSessionInterface().get_signing_serializer(sqlite_app).dumps(OWNER)
    sqlite_app.config["SECRET_KEY_FALLBACKS"] = [sqlite_app.secret_key]
    sqlite_app.secret_key = "a new secret key"
    serializer = sqlite_app.session_interface.get_signing_serializer(sqlite_app)
    assert serializer.loads(old) == OWNER
    assert serializer.dumps(OWNER) == \
        SecureCookieSessionInterface().get_signing_serializer(sqlite_app).dumps(OWNER)
