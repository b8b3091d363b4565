"""Configuration loading: config/default.py, then VOTES_CONFIG, then VOTES_* variables."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from votes.paths import CONFIG_DIR

_GENERATED = {
    # name -> how to make a fresh value kept in the instance folder
    "SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "DATA_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "KEY_PASSPHRASE": lambda: secrets.token_urlsafe(24),
}


def load(app: Flask, test_config: dict | None) -> None:
    app.config.from_pyfile(str(CONFIG_DIR / "default.py"))
    extra = os.environ.get("VOTES_CONFIG")
    if extra:
        app.config.from_pyfile(os.path.abspath(extra))
    numbers = {name: value for name, value in app.config.items()
               if isinstance(value, int) and not isinstance(value, bool)}
    flags = {**EXTENSION_FLAGS, **{name: value for name, value in app.config.items()
                                   if isinstance(value, bool)}}
    app.config.from_prefixed_env("VOTES", loads=_plain)
    _whole_numbers(app, numbers)
    _yes_no(app, flags)
    ballot_import_max_bytes(app.config)  # a wrong value stops the start, not a clerk's import
    documents_max_bytes(app.config)
    verify_jobs_max(app.config)
    verify_job_max_age(app.config)
    if test_config:
        app.config.update(test_config)
    app.config["WITNESS_NETWORKS"] = witness_networks(app.config.get("WITNESS_ADDRESSES"))
    from votes import instance

    instance.private_dir(Path(app.instance_path))
    generated = []
    for name, make in _GENERATED.items():
        if not app.config.get(name):
            app.config[name] = _instance_secret(app, name.lower(), make)
            generated.append(name)
    # `votes doctor` refuses instance-folder secrets where several processes must agree.
    app.config["SECRETS_FROM_INSTANCE"] = generated
    _transport_security(app)
    url = app.config.get("DATABASE_URL") or _sqlite_url(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = _usable_database_url(normalise_database_url(url))
    instance.prepare(app, _sqlite_file(url))
    from votes import connections

    # No ping per check-out: see votes/connections.py (installed by create_app).
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", connections.engine_options(app.config))


def flag(value, default: bool | None) -> bool | None:
    """A yes/no setting from a config file (bool) or the environment (text); empty: default."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "auto"):
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no setting: {value!r}")


def _transport_security(app: Flask) -> None:
    https = str(app.config.get("BASE_URL", "")).lower().startswith("https://")
    secure = _named_flag(app, "SECURE_COOKIES", https)
    app.config["HSTS"] = _named_flag(app, "HSTS", https)
    app.config["SECURE_COOKIES"] = secure
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config["HSTS_MAX_AGE"] = int(app.config.get("HSTS_MAX_AGE") or 0)
    app.config["TRUSTED_PROXIES"] = int(app.config.get("TRUSTED_PROXIES") or 0)


def _named_flag(app: Flask, name: str, default: bool) -> bool:
    """flag(), but a wrong value names the setting ("not a yes/no setting" alone did not)."""
    try:
        return flag(app.config.get(name), default)
    except ValueError:
        raise ValueError(f"VOTES_{name} must be true or false (1/0, yes/no, on/off; empty: "
                         f"auto), not {app.config.get(name)!r}") from None


def keys_dir(app: Flask) -> Path:
    """The folder of the server's encrypted signing keys (KEYS_DIR, else instance/keys)."""
    configured = app.config.get("KEYS_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "keys"


def upload_max_bytes(config) -> int:
    """The largest file one upload, or one scan a ballots file names, may be."""
    return int(config.get("MAX_CONTENT_LENGTH") or 32 * 1024 * 1024)


def documents_max_bytes(config) -> int:
    """How many bytes of documents one proposal may hold in all (PROPOSAL_DOCUMENTS_MAX_BYTES;
    empty: two uploads' worth). Each is stored in the database and shown to every owner, and
    a form being previewed keeps them all and reads them all again with every request."""
    value = config.get("PROPOSAL_DOCUMENTS_MAX_BYTES")
    if value in (None, ""):
        return 2 * upload_max_bytes(config)
    limit = int(value)
    if limit <= 0:
        raise ValueError(f"PROPOSAL_DOCUMENTS_MAX_BYTES must be positive: {value!r}")
    return limit


def verify_jobs_max(config) -> int:
    """How many of the regulator's verifications may run at once in the whole deployment,
    every worker and host together (votes/services/verify_jobs.py): each holds a city's
    bundle and its checks in memory (~1.2 GB at 100,000 units). VERIFY_JOBS_MAX; at least 1."""
    value = config.get("VERIFY_JOBS_MAX")
    limit = int(value) if value not in (None, "") else 2
    if limit < 1:
        raise ValueError(f"VOTES_VERIFY_JOBS_MAX must be at least 1, not {value!r}")
    return limit


def verify_job_max_age(config) -> timedelta:
    """How long after its click a verification still running is given up (its heartbeat
    stops, its VERIFY_JOBS_MAX slot is free): one that hangs would otherwise hold the slot
    for ever (votes/services/verify_jobs.py). VERIFY_JOB_MAX_MINUTES; at least 1."""
    value = config.get("VERIFY_JOB_MAX_MINUTES")
    minutes = int(value) if value not in (None, "") else 30
    if minutes < 1:
        raise ValueError(f"VOTES_VERIFY_JOB_MAX_MINUTES must be at least 1, not {value!r}")
    return timedelta(minutes=minutes)


def ballot_import_max_bytes(config) -> int:
    """How many bytes of scans one `votes ballots import` may read in all: every scan is
    held in memory until the file's ballots are entered in one transaction, and a file is
    all rows or none. BALLOT_IMPORT_MAX_BYTES; empty: 8 uploads' worth."""
    value = config.get("BALLOT_IMPORT_MAX_BYTES")
    if value in (None, ""):
        return 8 * upload_max_bytes(config)
    limit = int(value)
    if limit <= 0:
        raise ValueError(f"BALLOT_IMPORT_MAX_BYTES must be positive: {value!r}")
    return limit


def witness_networks(value) -> tuple:
    """WITNESS_ADDRESSES as networks: IPv4 or IPv6 addresses and CIDR blocks, separated by
    commas or spaces (or a list, in a VOTES_CONFIG file); empty: none. A wrong entry stops
    the start, named: a typo would otherwise leave a witness held to the public limits
    until a round of its polling was refused, or (a block wider than meant) exempt strangers."""
    import ipaddress

    if value is None or value == "":
        return ()
    if isinstance(value, str):
        entries = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple, set, frozenset)):
        entries = list(value)
    else:
        raise ValueError(f"VOTES_WITNESS_ADDRESSES: {value!r} is neither text nor a list of "
                         f"addresses")
    networks = []
    for entry in entries:
        try:
            # strict: 203.0.113.7/24 (host bits under the prefix) is more likely a typo for
            # one address than a wish to exempt the whole block.
            network = ipaddress.ip_network(str(entry).strip(), strict=True)
        except ValueError as err:
            raise ValueError(f"VOTES_WITNESS_ADDRESSES: {entry!r} is not an IP address or "
                             f"network ({err})") from None
        if network.prefixlen == 0:
            # Every client exempt is the public limits switched off, not a witness.
            raise ValueError(f"VOTES_WITNESS_ADDRESSES: {entry!r} is every address; name "
                             f"the witnesses' addresses") from None
        networks.append(network)
    return tuple(networks)


def _whole_numbers(app: Flask, defaults: dict[str, int]) -> None:
    """A setting whose default is a whole number, given as text by the environment, as a
    number: Flask compares MAX_CONTENT_LENGTH with a request's length and makes a
    timedelta of PERMANENT_SESSION_LIFETIME, and text there failed every upload and staff
    session with a server error. Empty text keeps the default."""
    for name, default in defaults.items():
        value = app.config.get(name)
        if not isinstance(value, str):
            continue
        text = value.strip().replace("_", "")
        if not text:
            app.config[name] = default
        elif text.isascii() and text.isdigit():
            app.config[name] = int(text)
        else:
            raise ValueError(f"VOTES_{name} must be a whole number, not {value!r}")


# Yes/no settings the extensions read with a default of their own (not in app.config until
# they do), and Flask's whose default is None (decided from DEBUG): by name, with that default.
EXTENSION_FLAGS = {"WTF_CSRF_ENABLED": True, "WTF_CSRF_CHECK_DEFAULT": True,
                   "RATELIMIT_ENABLED": True, "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
                   "RATELIMIT_SWALLOW_ERRORS": False, "SQLALCHEMY_ECHO": False,
                   "SQLALCHEMY_RECORD_QUERIES": False, "PROPAGATE_EXCEPTIONS": None,
                   "TRAP_BAD_REQUEST_ERRORS": None, "TEMPLATES_AUTO_RELOAD": None}


def _yes_no(app: Flask, defaults: dict[str, bool | None]) -> None:
    """A yes/no setting given as text by the environment, as True or False: any text is
    true to Flask and its extensions, so VOTES_WTF_CSRF_SSL_STRICT=false or
    VOTES_RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=false turned the setting on. Empty text keeps
    the default; anything but yes/no words stops the start."""
    for name, default in defaults.items():
        value = app.config.get(name)
        if not isinstance(value, str):
            continue
        try:
            app.config[name] = flag(value, default)
        except ValueError:
            raise ValueError(f"VOTES_{name} must be true or false (1/0, yes/no, on/off), "
                             f"not {value!r}") from None


def _plain(value: str) -> str:
    # Environment values are taken literally; from_prefixed_env would json-decode them.
    return value


def _sqlite_url(app: Flask) -> str:
    return "sqlite:///" + str(Path(app.instance_path) / "votes.sqlite3")


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix):] in ("", ":memory:") or "?" in url:
        return None
    return Path(url[len(prefix):])


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _usable_database_url(url: str) -> str:
    """url, if it parses and names a database whose driver is installed: otherwise the
    engine made later failed with SQLAlchemy's words, which do not name the setting."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ImportError) as err:
        # The error's own text never holds the URL (nor so its password).
        raise ValueError(f"VOTES_DATABASE_URL is not a database URL this installation can "
                         f"use ({err})") from None
    return url


def _instance_secret(app: Flask, name: str, make) -> str:
    path = Path(app.instance_path) / f"{name}.secret"
    if path.exists():
        return path.read_text().strip()
    value = make()
    # Written with 0600 so other local users cannot read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
