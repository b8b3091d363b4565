"""Forms that make something (a draft, a written objection) sent twice make it once.

A double click, the back button or a reload sends such a form again; where nothing in what
it makes tells the second from a new one (a draft with no attachment), it was made twice.
Each of these forms carries a token of its own, drawn when the page is drawn; the first
send with it that makes something keeps where that is, and a later send with the same token
is sent there, saying so, instead of making it again.

Tokens are kept as files in the instance folder, as pending_docs keeps uploads, so every
worker of the server sees them; one member's token is never another's (the file name holds
the login's hash). A send holds its token's file locked while it runs, so a second send at
the same moment waits for the first and then finds what it made.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import current_app, flash, redirect, request

from votes.i18n import _
from votes.services.pending_docs import purge_older

FIELD = "once"
# A page left open longer than this and sent again makes its thing again.
MAX_AGE_SECONDS = 2 * 24 * 3600


def new_token() -> str:
    """A fresh token for a form being drawn (templates: once_token())."""
    return secrets.token_hex(16)


def _folder() -> Path:
    path = Path(current_app.instance_path) / "once-forms"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(kind: str, owner: str, token: str) -> Path | None:
    if len(token) != 32 or not token.isascii() or not token.isalnum():
        return None  # no token (an older page, a script): the form is served as it was
    who = hashlib.sha256(f"{owner}\0{kind}".encode("utf-8")).hexdigest()[:16]
    return _folder() / f"{who}-{token.lower()}.once"


def once(kind: str, owner: str, make: Callable[[], tuple[object, str | None]]):
    """Run `make` for this form's token, unless a send with the same token made something:
    then redirect to it with a message. `make` returns (response, the address of what it
    made, or None when it made nothing: a refusal, shown again with the same token)."""
    path = _path(kind, owner, request.form.get(FIELD, ""))
    if path is None:
        return make()[0]
    purge_older(path.parent, "*.once", MAX_AGE_SECONDS)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
        made = os.read(fd, 4096).decode("utf-8")
        if made:
            flash(_("这份表单已经提交过，没有再次保存；这里是上次提交保存的内容。"), "info")
            return redirect(made)
        response, address = make()
        if address:
            os.write(fd, address.encode("utf-8"))
        return response
    finally:
        os.close(fd)
