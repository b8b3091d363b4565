"""The instance folder holds keys, the SQLite database, uploads and the SMS log: only the
app's own user may read it, and the log SMS sender is kept out of production.

The deployment mode comes from VOTES_ENV (config key ENV): "production" (the default),
"development" or "demo"; a TESTING app counts as "testing"."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

LOG_SMS_MODES = ("demo", "development", "testing")
log = logging.getLogger(__name__)


def private_dir(path: Path) -> Path:
    """Create the folder (and its parents) readable by the owner only; return it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty with mode 0600 if missing, or tighten it to 0600; return it."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        try:
            path.chmod(0o600)
        except PermissionError:  # not ours: leave it to the operator
            pass
    return path


def keep_newest(waiting: list[tuple[float, Path]], keep: int) -> None:
    """Delete the files of `waiting` (each with when it was made) but the `keep` newest: the
    uploads one person or community leaves waiting in the instance folder are bounded."""
    for _made, path in sorted(waiting)[:max(0, len(waiting) - keep)]:
        path.unlink(missing_ok=True)


def mode(app: Flask) -> str:
    if app.config.get("TESTING"):
        return "testing"
    return str(app.config.get("ENV") or "production").strip().lower()


def prepare(app: Flask, sqlite_path: Path | None) -> None:
    """Make the instance folder private and the files the app writes there 0600."""
    instance = Path(app.instance_path)
    if sqlite_path is not None:
        # SQLite would create the file with the process umask (0644 as a rule) and gives
        # its journal and WAL files the database file's mode: create it 0600 first.
        if not sqlite_path.exists():
            private_dir(sqlite_path.parent)
        private_file(sqlite_path)
    if app.config.get("SMS_SENDER", "log") == "log":
        if mode(app) in LOG_SMS_MODES:
            private_file(instance / "sms.log")
        else:
            log.info("SMS_SENDER is \"log\" in %s mode: one-time codes will be refused; "
                        "configure an SMS gateway or set VOTES_ENV=demo", mode(app))
            app.config["SMS_SENDER"] = refuse_log_sms


def allow_log_sms(app: Flask, as_mode: str = "demo") -> None:
    """`votes demo`: codes go to instance/sms.log, as the demo promises."""
    app.config["ENV"] = as_mode
    if app.config.get("SMS_SENDER") is refuse_log_sms:
        app.config["SMS_SENDER"] = "log"
    private_file(Path(app.instance_path) / "sms.log")


def refuse_log_sms(phone: str, text: str) -> None:
    """The SMS sender production gets for "log": a live code must never land in a file."""
    from votes.i18n import _
    from votes.services.errors import DomainError

    raise DomainError(_("短信发送未配置，请使用身份证号码后6位验证，或联系业主委员会"))
