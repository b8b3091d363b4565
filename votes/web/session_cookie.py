"""Flask's signed-cookie session, made without the per-request set-up.

Flask builds a new itsdangerous serializer for every request's session (once to read the
cookie, once to write it), the serializer a new signer for each, and each signature derives
its HMAC key from the secret key again. The serializer here is built once per secret key
set, with its one signer, and derived keys are kept; the session's values, almost
always strings, numbers, booleans and None, are written without Flask's walk for tagged
types: the cookies are the same bytes, signed and checked with the same keys, salt
and digest.
"""

from __future__ import annotations

from flask.json import dumps
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer


class _KeptKeySigner(TimestampSigner):
    # (secret key, salt, derivation, digest) -> derived key: a handful of entries per process
    # (the current secret key and its fallbacks).
    _derived: dict = {}

    def derive_key(self, secret_key=None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else secret_key
        found = (secret, self.salt, self.key_derivation, self.digest_method)
        key = self._derived.get(found)
        if key is None:
            key = self._derived[found] = super().derive_key(secret_key)
        return key


class KeptSignerSerializer(URLSafeTimedSerializer):
    """A serializer that makes its signer once: Flask and Flask-WTF ask for a new one on
    every dump and load."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signer = super().make_signer()

    def make_signer(self, salt=None):
        # A signer holds its keys, salt and algorithm only: one serves every call.
        if salt is None or salt == self.salt:
            return self._signer
        return super().make_signer(salt)


# What the tagged serializer passes through as it is: exact types (a str subclass such as
# Markup is tagged).
_PLAIN = frozenset((str, int, float, bool, type(None)))


class _SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer, the same JSON, without tagging a dict of plain values:
    Flask's tag() asks each of its eight tags about every value. (Reading is left to Flask:
    its untagging walk costs little beside the JSON parse.)"""

    def dumps(self, value) -> str:
        if type(value) is dict and not (len(value) == 1 and next(iter(value)) in self.tags) \
                and all(type(item) in _PLAIN for item in value.values()):
            return dumps(value, separators=(",", ":"))
        return super().dumps(value)


class CookieSessionInterface(SecureCookieSessionInterface):
    serializer = _SessionJSON()

    def __init__(self) -> None:
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            stock = super().get_signing_serializer(app)  # Flask's keys, salt and digest
            serializer = KeptSignerSerializer(
                stock.secret_keys, salt=stock.salt, serializer=stock.serializer,
                signer=_KeptKeySigner, signer_kwargs=stock.signer_kwargs)
            self._serializers = {keys: serializer}  # a changed secret key replaces the old
        return serializer
