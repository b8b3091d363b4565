"""Flask-WTF's CSRF tokens, signed and checked without the per-call set-up.

Flask-WTF builds a new itsdangerous serializer for every token it makes or checks; each one
builds a new signer, derives the HMAC key from the secret key again, and serialises the
session's CSRF secret again (JSON, a zlib attempt, base64). Here the serializer is kept per
secret key and salt, with one signer and the derived key kept (as votes.web.session_cookie
does for the session), and the serialised form of the last secrets it signed kept. Flask-WTF
still does everything else (its configuration, the session's secret, the time limit, the
referrer check, its errors): the tokens are the same bytes, checked the same way.
"""

from __future__ import annotations

import flask_wtf.csrf
from itsdangerous import URLSafeTimedSerializer

from votes.web.session_cookie import KeptSignerSerializer, _KeptKeySigner

_STOCK = URLSafeTimedSerializer


class _KeptSerializer(KeptSignerSerializer):
    default_signer = _KeptKeySigner

    def __init__(self, secret_key, salt) -> None:
        super().__init__(secret_key, salt=salt)
        # a session's CSRF secret -> its payload; bounded, as there is one per session
        self._payloads: dict = {}

    def dump_payload(self, obj) -> bytes:
        if type(obj) is not str:
            return super().dump_payload(obj)
        payload = self._payloads.get(obj)
        if payload is None:
            if len(self._payloads) >= 4096:
                self._payloads.clear()
            payload = self._payloads[obj] = super().dump_payload(obj)
        return payload


_kept: dict = {}


def kept_serializer(secret_key, salt="itsdangerous", **kwargs):
    """URLSafeTimedSerializer(secret_key, salt=...) as Flask-WTF calls it, kept."""
    if kwargs or not isinstance(secret_key, (str, bytes)):
        return _STOCK(secret_key, salt=salt, **kwargs)
    serializer = _kept.get((secret_key, salt))
    if serializer is None:
        if len(_kept) >= 8:  # a changed secret key replaces the old ones
            _kept.clear()
        serializer = _kept[(secret_key, salt)] = _KeptSerializer(secret_key, salt)
    return serializer


def install() -> None:
    """Flask-WTF's generate_csrf and validate_csrf build their serializer from this module
    attribute on each call."""
    flask_wtf.csrf.URLSafeTimedSerializer = kept_serializer
