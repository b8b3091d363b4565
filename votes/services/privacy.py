"""Personal data at rest: AES-GCM encryption and keyed hashes of ID numbers."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import unicodedata
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from votes.i18n import _
from votes.services.errors import DomainError

_NONCE = 12


def _keys() -> tuple[bytes, bytes]:
    return _sub_keys(current_app.config["DATA_KEY"])


class DataKeyUnusable(DomainError, RuntimeError):
    """DATA_KEY is no key at all (not base64, or too short): what `votes doctor` says of
    it, said by the command that needed it rather than binascii's traceback."""

    def __init__(self):
        super().__init__(_("VOTES_DATA_KEY 必须是 32 字节的 base64 编码，现在的设置不是，未做任何改动；"
                           "请系统管理员恢复原来的数据密钥，并运行 votes doctor 检查"))


def _raw(data_key: str) -> bytes:
    try:
        raw = base64.b64decode(data_key)
    except (binascii.Error, ValueError):
        raise DataKeyUnusable() from None
    if len(raw) < 32:
        raise DataKeyUnusable()
    return raw


@functools.lru_cache(maxsize=8)
def _sub_keys(data_key: str) -> tuple[bytes, bytes]:
    raw = _raw(data_key)
    # Separate sub-keys so the hash key never doubles as the encryption key.
    enc = hmac.new(raw, b"votes/encrypt", hashlib.sha256).digest()
    mac = hmac.new(raw, b"votes/id-hash", hashlib.sha256).digest()
    return enc, mac


class DataKeyMismatch(DomainError):
    """DATA_KEY is not the key the stored data was encrypted with."""

    def __init__(self):
        super().__init__(_("VOTES_DATA_KEY 与数据库中已加密的业主资料不符（数据密钥被更换或丢失？），"
                           "未做任何改动；请系统管理员恢复原来的数据密钥，并运行 votes doctor 检查"))


# (data key, database) pairs seen to open the stored data, so the check costs one query
# per process, not one per value.
_fitting: set[tuple[str, str]] = set()


def _refuse_a_foreign_key() -> None:
    """Before anything is encrypted or hashed: a key other than the stored data's (changed,
    or lost and regenerated) wrote names, ID hashes and sealed choices no later key could
    all open, and a re-imported roll's owners no longer matched their own earlier rows."""
    pair = (current_app.config["DATA_KEY"], current_app.config["SQLALCHEMY_DATABASE_URI"])
    if pair in _fitting:
        return
    opens = stored_data_opens()
    if opens is False:
        raise DataKeyMismatch()
    if opens:
        _fitting.add(pair)


def encrypt(text: str | None) -> bytes | None:
    return encryptor()(text)


def decrypt(blob: bytes | None) -> str | None:
    return decryptor()(blob)


def encryptor() -> Callable[[str | None], bytes | None]:
    """encrypt() for many values: the key schedule is set up once, not per value."""
    aead = AESGCM(_keys()[0])
    _refuse_a_foreign_key()

    def encrypt_one(text: str | None) -> bytes | None:
        if text is None:
            return None
        nonce = os.urandom(_NONCE)
        return nonce + aead.encrypt(nonce, text.encode("utf-8"), None)

    return encrypt_one


def decryptor() -> Callable[[bytes | None], str | None]:
    """decrypt() for many values."""
    aead = AESGCM(_keys()[0])

    def decrypt_one(blob: bytes | None) -> str | None:
        if blob is None:
            return None
        try:
            return aead.decrypt(blob[:_NONCE], blob[_NONCE:], None).decode("utf-8")
        except InvalidTag:
            raise DataKeyMismatch() from None

    return decrypt_one


def encrypt_bytes(data: bytes, context: bytes) -> bytes:
    """AES-GCM with the data key, bound to `context` (a file cannot be passed off as another)."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, data, b"votes/bytes:" + context)


def decrypt_bytes(blob: bytes, context: bytes) -> bytes:
    return AESGCM(_keys()[0]).decrypt(blob[:_NONCE], blob[_NONCE:], b"votes/bytes:" + context)


def normalise_id(id_number: str) -> str:
    """An ID number as the roll keeps and hashes it: full-width forms folded (NFKC), upper
    case, without spaces of any kind or invisible characters. Only ASCII spaces were
    dropped: one owner's ID written once with a no-break or ideographic space (pasted from
    a web page, typed with an input method) hashed as two owners, and counted twice in the
    headcount of the double majority."""
    if id_number.isascii():  # nearly every ID: no form to fold, no invisible character
        return "".join(id_number.upper().split())
    folded = unicodedata.normalize("NFKC", id_number).upper()
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) != "Cf")


def id_hash(id_number: str) -> str:
    return id_hasher()(id_number)


def id_hasher() -> Callable[[str], str]:
    """id_hash() for many values: the key is looked up once, not per value."""
    mac_key = _keys()[1]
    _refuse_a_foreign_key()

    def id_hash_one(id_number: str) -> str:
        return hmac.digest(mac_key, normalise_id(id_number).encode(), "sha256").hex()

    return id_hash_one


def stored_data_opens() -> bool | None:
    """Whether DATA_KEY opens what is already encrypted in the database: one owner's name
    on a roll, one frozen voter list, one sealed choice (whichever exist). None while
    nothing is stored. A changed or lost key opened nothing and said nothing: the roll
    page still counted owners, `votes doctor` passed, and only the close failed."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Ballot, FrozenVoter, Owner

    decrypt, seen = decryptor(), False
    with db.session.no_autoflush:
        for column in (Owner.name_enc, FrozenVoter.owners_enc, Ballot.choice_enc):
            blob = db.session.scalar(select(column).limit(1))
            if blob is None:
                continue
            try:
                decrypt(blob)
            except (DataKeyMismatch, ValueError):
                return False
            seen = True
    return True if seen else None


def derived_key(label: str) -> bytes:
    """A purpose-bound key from DATA_KEY (links, one-time codes), never the key itself."""
    return _derived(current_app.config["DATA_KEY"], label)


@functools.lru_cache(maxsize=32)
def _derived(data_key: str, label: str) -> bytes:
    raw = _raw(data_key)
    return hmac.new(raw, b"votes/" + label.encode(), hashlib.sha256).digest()
