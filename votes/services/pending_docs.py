"""Documents attached to a proposal form that is not saved yet (e.g. while previewing the
split): kept server-side, encrypted with the instance's data key, bound to the staff member
who uploaded them, and deleted on save or after an hour."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from votes.instance import keep_newest
from votes.services.proposal_create import DocumentUpload

MAX_AGE_SECONDS = 3600
# Uploads one staff member keeps waiting at once: each is up to an upload's size for an
# hour, and without a bound one member's previews could fill the server's disk. A new one
# removes that member's oldest.
PER_OWNER = 5
_NONCE = 12


def _folder() -> Path:
    path = Path(current_app.instance_path) / "pending-docs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _key() -> bytes:
    from votes.services.privacy import _keys

    return _keys()[0]


def purge_older(folder: Path, pattern: str, max_age_seconds: int) -> None:
    """Remove the files of `folder` matching `pattern` last written longer ago than
    `max_age_seconds` (what a form kept for its next send and never came back for)."""
    limit = time.time() - max_age_seconds
    for path in folder.glob(pattern):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass  # another request purged it first


def _prefix(owner: str) -> str:
    """The owner's files begin with this (their login is not written in a file name)."""
    import hashlib

    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]


def _path(token: str, owner: str) -> Path | None:
    if not token or not token.isalnum() or len(token) != 32:
        return None
    return _folder() / f"{_prefix(owner)}-{token}.bin"


def _make_room(folder: Path, owner: str) -> None:
    waiting = []
    for path in folder.glob(f"{_prefix(owner)}-*.bin"):
        try:
            waiting.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            pass
    keep_newest(waiting, PER_OWNER - 1)


def put(documents: list[DocumentUpload], owner: str) -> str:
    """Keep `documents` for `owner`; return the token the form carries ('' if none)."""
    folder = _folder()
    purge_older(folder, "*.bin", MAX_AGE_SECONDS)
    if not documents:
        return ""
    _make_room(folder, owner)
    token = secrets.token_hex(16)
    body = json.dumps({"owner": owner, "docs": [
        {"name": d.name, "content": base64.b64encode(d.content).decode("ascii")}
        for d in documents]}).encode("utf-8")
    nonce = os.urandom(_NONCE)
    path = _path(token, owner)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(nonce + AESGCM(_key()).encrypt(nonce, body, token.encode("ascii")))
    return token


def take(token: str, owner: str) -> list[DocumentUpload]:
    """The documents kept under `token` for `owner`, removed from storage; [] when the token
    is unknown, expired or another user's (a form never reads someone else's upload)."""
    path = _path(token, owner)
    if path is None:
        return []
    purge_older(path.parent, "*.bin", MAX_AGE_SECONDS)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return []
    try:
        body = json.loads(AESGCM(_key()).decrypt(blob[:_NONCE], blob[_NONCE:],
                                                 token.encode("ascii")))
    except Exception:  # noqa: BLE001 - a damaged or foreign file is treated as absent
        return []
    if body.get("owner") != owner:
        return []
    path.unlink(missing_ok=True)
    return [DocumentUpload(d["name"], base64.b64decode(d["content"])) for d in body["docs"]]
