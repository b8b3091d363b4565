"""Personal data at rest: AES-GCM encryption and keyed hashes of ID numbers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_NONCE = 12


def _keys() -> tuple[bytes, bytes]:
    raw = base64.b64decode(current_app.config["DATA_KEY"])
    if len(raw) < 32:
        raise RuntimeError("DATA_KEY must be 32 bytes of base64")
    # Separate sub-keys so the hash key never doubles as the encryption key.
    enc = hmac.new(raw, b"votes/encrypt", hashlib.sha256).digest()
    mac = hmac.new(raw, b"votes/id-hash", hashlib.sha256).digest()
    return enc, mac


def encrypt(text: str | None) -> bytes | None:
    if text is None:
        return None
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, text.encode("utf-8"), None)


def decrypt(blob: bytes | None) -> str | None:
    if blob is None:
        return None
    return AESGCM(_keys()[0]).decrypt(blob[:_NONCE], blob[_NONCE:], None).decode("utf-8")


def encrypt_bytes(data: bytes, context: bytes) -> bytes:
    """AES-GCM with the data key, bound to `context` (a file cannot be passed off as another)."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, data, b"votes/bytes:" + context)


def decrypt_bytes(blob: bytes, context: bytes) -> bytes:
    return AESGCM(_keys()[0]).decrypt(blob[:_NONCE], blob[_NONCE:], b"votes/bytes:" + context)


def normalise_id(id_number: str) -> str:
    return id_number.strip().upper().replace(" ", "")


def id_hash(id_number: str) -> str:
    return hmac.new(_keys()[1], normalise_id(id_number).encode(), hashlib.sha256).hexdigest()


def derived_key(label: str) -> bytes:
    """A purpose-bound key from DATA_KEY (links, one-time codes), never the key itself."""
    raw = base64.b64decode(current_app.config["DATA_KEY"])
    return hmac.new(raw, b"votes/" + label.encode(), hashlib.sha256).digest()
