"""Server signing keys: Ed25519, private halves encrypted in the instance folder."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select, text, update

from votes.core import signing
from votes.core.files import write_atomically
from votes.extensions import db
from votes.i18n import _
from votes.models import ServerKey
from votes.services import audit
from votes.services.errors import DomainError
from votes.services.tx import unit_of_work


def _key_dir() -> Path:
    from votes.settings import keys_dir

    path = keys_dir(current_app)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _passphrase() -> bytes:
    return current_app.config["KEY_PASSPHRASE"].encode()


def generate_key(actor: str = "cli") -> str:
    """Make a new key, make it the active signer, keep older keys for verification."""
    with unit_of_work() as session:
        _lock_keys(session)
        return _new_key(session, actor)


# Any fixed number: the one advisory lock that makes key creation one at a time.
_KEYS_LOCK = 0x766F746573_6B6579 & 0x7FFFFFFFFFFFFFFF


def _lock_keys(session) -> None:
    """Until the transaction ends, no other one makes or rotates a key. Two that did at once
    (two proposals opening on a fresh install, two rotations) both left their key active:
    every later cast, which reads the one active key, then failed. PostgreSQL: an advisory
    lock; SQLite writes one transaction at a time anyway. The unique index on the active
    key (migration keys_0001) refuses a second one whatever happens."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _KEYS_LOCK})


def _new_key(session, actor: str) -> str:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    key_id = signing.key_id(public)
    try:
        path = _key_dir() / f"{key_id.replace(':', '_')}.pem"
        # Readable by the server's user alone from its creation (never world-readable for a
        # moment), and whole: a crash part-way leaves no truncated key under the key's name.
        write_atomically(path, signing.encrypt_private_key(private, _passphrase()), mode=0o600)
    except OSError as err:
        # KEYS_DIR a file, or a folder this user may not make or write: a deployment's
        # mistake, told as one (a traceback from `keys generate` or the first opening),
        # before anything is recorded. The reason without the path: a committee member
        # opening the first vote reads it too.
        raise DomainError(_("签名密钥目录不可写（%(reason)s），未生成新密钥；请系统管理员运行 "
                            "votes doctor 检查", reason=err.strerror or type(err).__name__)) \
            from None
    _decrypted.clear()  # a rotation is the moment to forget the old key's private half
    session.execute(update(ServerKey).values(active=False))
    session.add(ServerKey(key_id=key_id, public_key=signing.public_key_b64(public), active=True))
    audit.record(session, actor, "keys.generate", target=key_id)
    return key_id


class Signer(NamedTuple):
    key_id: str
    private_key: Ed25519PrivateKey


# Decrypting the PEM costs a key derivation; do it once per process and key. Keyed by the
# instance folder too, since tests run several apps in one process.
_decrypted: dict[tuple[str, str], Signer] = {}
_decrypt_lock = threading.Lock()


def signing_key() -> Signer:
    """The active key, made on first use so a fresh install can open a vote. Made inside
    the caller's transaction: if that rolls back, so does the key's record. One query for
    the active key's id (another process may have rotated it); the private half is
    decrypted only the first time this process sees that id."""
    active = select(ServerKey.key_id).where(ServerKey.active.is_(True))
    key_id = db.session.scalar(active)
    if key_id is None:
        _lock_keys(db.session)
        # Another process may have made one while this one waited: use it, make none.
        key_id = db.session.scalar(active) or _new_key(db.session, "system")
    return signer_of(key_id)


def active_key_id():
    """The active key's id as a scalar subquery, for a statement that reads it anyway."""
    return select(ServerKey.key_id).where(ServerKey.active.is_(True)).scalar_subquery()


def signer_of(key_id: str) -> Signer:
    """The signer of a key known to be on record, decrypted once per process."""
    cache_key = (current_app.instance_path, key_id)
    signer = _decrypted.get(cache_key)
    if signer is None:
        with _decrypt_lock:
            signer = _decrypted.get(cache_key) or Signer(key_id, _load(key_id))
            _decrypted[cache_key] = signer
    return signer


def _load(key_id: str) -> Ed25519PrivateKey:
    path = _key_dir() / f"{key_id.replace(':', '_')}.pem"
    if not path.exists():
        raise DomainError(
            _("找不到签名私钥 %(key)s，请系统管理员运行 votes doctor 检查", key=key_id))
    try:
        return signing.decrypt_private_key(path.read_bytes(), _passphrase())
    except ValueError:
        raise DomainError(_("签名私钥无法解密，请系统管理员运行 votes doctor 检查")) from None


class ListedKey(NamedTuple):
    key_id: str
    fingerprint: str  # what `votes verify --fingerprint` takes and the regulator page shows
    active: bool  # signs new entries
    created_at: object


def listed_keys() -> list[ListedKey]:
    """Every key on record, oldest first, with its fingerprint and whether it is the signer:
    the administrator gives regulators and witnesses every key's fingerprint (a bundle lists
    every key the server has had, and each must be trusted)."""
    from votes.core.verifier_base import fingerprint

    rows = db.session.scalars(select(ServerKey).order_by(ServerKey.created_at, ServerKey.key_id))
    return [ListedKey(r.key_id, fingerprint(signing.load_public_key_b64(r.public_key)),
                      bool(r.active), r.created_at) for r in rows]


def keyring() -> signing.KeyRing:
    rows = db.session.scalars(select(ServerKey).order_by(ServerKey.created_at))
    return signing.KeyRing({r.key_id: signing.load_public_key_b64(r.public_key) for r in rows})
