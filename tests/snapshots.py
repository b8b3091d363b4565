"""What make_draft and make_open_proposal leave, kept per test process and put back.

Why: some 400 call sites, many in fixtures of many tests, build the same community, roll
and proposal through five CLI invocations (community create, roll import, proposal create,
proposal open, …): 0.2-0.25 s a call on each database, about a tenth of the suite's worker
time. The state those commands leave depends only on the factory's arguments and the
app's configuration, so the first call with those arguments in a process runs the CLI as
before and this module keeps what it left: the database (SQLite: the file, by the backup
API; PostgreSQL: each non-empty table by COPY, and the sequences' values), the files the
commands wrote in the instance folder (the encrypted signing key) and the app clock. A
later call with the same key puts that back instead of running the CLI.

It is put back only where the CLI would have started from the same place: a database the
fixture left empty (a test's second proposal, or one made after the test wrote other rows
first, runs the CLI as before), an app with the same configuration, and a test that has
not monkeypatched anything the commands might call (conftest's autouse guard counts the
monkeypatch's changes beyond its own). A put-back proposal has the same id, uid, signing key and rows as the first one made in
the process; the per-process caches keyed by a proposal's uid (a chain found sound at its
head, an electorate, a vote's figures, a close entry, a proposal's items, a public page made once) would then hold
another test's answers, so they are emptied at each put-back, and what the commands had
added to them is put back with the rows (a test counting a page's statements counts on
it). What is neither rows nor files is not put back: PostgreSQL's planner statistics (a
test of the ANALYZE a freeze runs is marked no_snapshot, and so must be any test of what
the commands do beyond what they leave). Timestamps the database set from the wall clock
(created_at) are those of the first call, a few minutes back at most.

VOTES_TEST_NO_SNAPSHOT=1 turns this off: every call runs the CLI."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ENABLED = os.environ.get("VOTES_TEST_NO_SNAPSHOT", "") in ("", "0")

# Set by conftest as each test starts, before its fixtures: how many monkeypatch changes
# the process had made by then, and whether the test hashes staff passwords at the
# production cost.
guard: tuple[int, bool] | None = None
patches = 0  # monkeypatch changes made in this process, by any MonkeyPatch
_watching = True


@contextlib.contextmanager
def unwatched():
    """Changes that never alter what the commands leave in the database (conftest's cheap
    password hashes, which every test but the real_password_hash ones has): not counted."""
    global _watching
    _watching = False
    try:
        yield
    finally:
        _watching = True


def _count_patches() -> None:
    """Count every change any MonkeyPatch makes, the ones of `monkeypatch.context()` too
    (another object than the test's `monkeypatch`): a test that patched anything before
    calling a factory may have changed what its commands write (tests/older_format.py's
    genesis of an older release), and gets them run, not put back."""
    import functools

    import pytest

    def counted(method):
        @functools.wraps(method)
        def change(self, *args, **kwargs):
            global patches
            patches += _watching
            return method(self, *args, **kwargs)
        return change

    for name in ("setattr", "delattr", "setitem", "delitem", "setenv", "delenv",
                 "syspath_prepend", "chdir"):
        setattr(pytest.MonkeyPatch, name, counted(getattr(pytest.MonkeyPatch, name)))


_count_patches()

# What differs between two tests' apps and says nothing about the data.
_PER_TEST_CONFIG = frozenset({"DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH",
                              "VOTES_NOW", "VOTES_WALL_NOW"})


@dataclass
class _Snapshot:
    result: Any
    now: Any  # app.config["VOTES_NOW"] after the commands
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # instance folder
    sqlite: sqlite3.Connection | None = None  # an in-memory copy of the database
    tables: list[tuple[str, bytes]] = field(default_factory=list)  # PostgreSQL, COPY binary
    sequences: list[tuple[str, int]] = field(default_factory=list)
    caches: list[tuple[str, tuple, Any]] = field(default_factory=list)
    fitting: bool = False  # the commands found the data key opens the data


_kept: dict[tuple, _Snapshot] = {}

# VOTES_TEST_SNAPSHOT_STATS=PREFIX: each process writes how its calls went to PREFIX.PID.
_counts: dict[str, int] = {}


def _count(what: str) -> None:
    _counts[what] = _counts.get(what, 0) + 1


if os.environ.get("VOTES_TEST_SNAPSHOT_STATS"):
    import atexit
    import json

    atexit.register(lambda: Path(f"{os.environ['VOTES_TEST_SNAPSHOT_STATS']}.{os.getpid()}")
                    .write_text(json.dumps(_counts)))


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, dict):
        return sorted((repr(k), _plain(v)) for k, v in value.items())
    return value


def _config_key(app) -> str:
    return repr(sorted((name, _plain(value)) for name, value in app.config.items()
                       if name not in _PER_TEST_CONFIG))


def _untouched() -> bool:
    return guard is not None and patches == guard[0]


def _engine(app):
    from votes.extensions import db

    with app.app_context():
        return db.engine


def _tables():
    from votes.models import Base

    return [t.name for t in Base.metadata.sorted_tables]


def _empty(engine) -> bool:
    from sqlalchemy import text

    probe = " OR ".join(f'EXISTS (SELECT 1 FROM "{name}")' for name in _tables())
    with engine.connect() as conn:
        return not conn.scalar(text(f"SELECT {probe}"))


def _instance_files(app) -> dict[str, tuple[bytes, int]]:
    """The instance folder's files by path relative to it, with their modes (the signing
    keys' folder is in it: KEYS_DIR elsewhere is never replayed)."""
    root = Path(app.instance_path)
    if not root.is_dir():
        return {}
    return {str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode & 0o777)
            for path in root.rglob("*") if path.is_file()}


def _caches() -> list[tuple[str, dict, Any, bool]]:
    """The process's caches keyed by a proposal's uid (or a digest of its chain): name,
    entries, lock, and whether the key starts with the database's URL."""
    from votes.services import figures, proposal_read, records, tally
    from votes.services.procedure import common

    kept = [("sound", records._sound, True), ("electorates", tally._electorates, True),
            ("figures", figures._kept, True), ("closes", common._closes, False),
            *((name, cache, True) for name, cache in _public_pages())]
    return [(name, cache.entries, cache.lock, by_url) for name, cache, by_url in kept] + \
        [("parts", proposal_read._parts, proposal_read._parts_lock, False)]


def _public_pages():
    """The public pages kept per process once made (votes/web/public_kept.py): a put-back
    proposal's uid and chain head are an earlier test's, with other rows behind them (its
    community's contacts, the flats' debits), so a page kept for that test is not this one's."""
    from votes.web import public_kept

    return public_kept.caches()


def _cache_entries() -> dict[str, dict]:
    found = {}
    for name, entries, lock, _by_url in _caches():
        with lock:
            found[name] = dict(entries)
    return found


_URL = object()  # stands for the database's URL in a kept cache key


def _fitting(app) -> tuple[str, str]:
    """votes/services/privacy.py's pair of a data key seen to open this database's data."""
    return app.config["DATA_KEY"], app.config["SQLALCHEMY_DATABASE_URI"]


def _cache_added(before: dict[str, dict], url: str) -> list[tuple[str, tuple, Any]]:
    """What the commands added to the caches for this database: an electorate kept at the
    freeze, the chain found sound as the opening appended to it, … Later requests in the
    same test count on them (tests/test_owner_sql_budget.py counts the statements)."""
    added = []
    for name, entries, lock, by_url in _caches():
        with lock:
            now = dict(entries)
        for key, value in now.items():
            if before[name].get(key) is value or by_url and key[0] != url:
                continue
            added.append((name, (_URL, *key[1:]) if by_url else key, value))
    return added


def _put_back_caches(added: list[tuple[str, tuple, Any]], url: str) -> None:
    """Every cache emptied, then what the commands had added put back under this database's
    URL: the put-back proposal's uid is the one an earlier test's proposal had, whatever
    that test did to its rows since, and the cached answers are those of the rows put back.
    A chain found sound is so from now (the commands' moment, had they run)."""
    import time

    by_name = {name: (entries, lock) for name, entries, lock, _by_url in _caches()}
    for entries, lock in by_name.values():
        with lock:
            entries.clear()
    from votes.services import figures, records, tally
    from votes.services.procedure import common

    held = {"sound": records._sound, "electorates": tally._electorates,
            "figures": figures._kept, "closes": common._closes, **dict(_public_pages())}
    for cache in held.values():
        cache.held = 0
    for name, key, value in added:
        key = tuple(url if part is _URL else part for part in key)
        if name == "sound":  # (length, head, when the whole chain was read)
            value = (value[0][0], value[0][1], time.monotonic()), value[1]
        entries, lock = by_name[name]
        with lock:
            entries[key] = value
        if name in held:
            held[name].held += value[1]  # Kept's entries are (value, weight)


def replay(app, key_args: tuple, build: Callable[[], Any]) -> Any:
    """build()'s result, with the database and instance folder it leaves; from a kept
    snapshot when one matches and the database is as the fixture left it."""
    if not ENABLED or not _untouched() or app.config.get("KEYS_DIR"):
        _count("patched or off" if ENABLED else "off")
        return build()
    engine = _engine(app)
    kind = engine.dialect.name
    if kind not in ("sqlite", "postgresql"):
        return build()
    # A test marked real_password_hash keeps the staff passwords the commands hash at
    # argon2's production cost.
    key = (kind, str(engine.url) if kind == "postgresql" else "", key_args, _config_key(app),
           guard[1])
    if not _empty(engine):
        _count("not empty")
        return build()
    snapshot = _kept.get(key)
    if snapshot is not None:
        _count("put back " + kind)
        _restore(app, engine, snapshot)
        return snapshot.result
    _count("kept " + kind)
    before = _instance_files(app)
    cached = _cache_entries()
    from votes.services import privacy

    fitted = _fitting(app) not in privacy._fitting
    result = build()
    fitted = fitted and _fitting(app) in privacy._fitting
    if not _untouched():  # build() itself patched something: keep nothing
        return result
    after = _instance_files(app)
    snapshot = _Snapshot(result, app.config.get("VOTES_NOW"),
                         {p: kept for p, kept in after.items() if before.get(p) != kept},
                         caches=_cache_added(cached, str(engine.url)), fitting=fitted)
    if kind == "sqlite":
        snapshot.sqlite = _sqlite_copy(engine)
    else:
        _pg_copy(engine, snapshot)
    _kept[key] = snapshot
    return result


def _sqlite_copy(engine) -> sqlite3.Connection:
    engine.dispose()
    kept = sqlite3.connect(":memory:", check_same_thread=False)
    with sqlite3.connect(engine.url.database) as source:
        source.backup(kept)
    source.close()
    return kept


def _pg_copy(engine, snapshot: _Snapshot) -> None:
    from sqlalchemy import text

    with engine.connect() as conn:
        counts = conn.execute(text("SELECT " + ", ".join(
            f'EXISTS (SELECT 1 FROM "{name}")' for name in _tables()))).one()
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            for name, rows in zip(_tables(), counts):
                if rows:
                    with cur.copy(f'COPY "{name}" TO STDOUT (FORMAT binary)') as copy:
                        snapshot.tables.append((name, b"".join(bytes(b) for b in copy)))
        snapshot.sequences = [tuple(row) for row in conn.execute(text(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL"))]
        conn.rollback()


def _restore(app, engine, snapshot: _Snapshot) -> None:
    if snapshot.sqlite is not None:
        engine.dispose()  # no connection of the app's holds the file being replaced
        with sqlite3.connect(engine.url.database) as target:
            snapshot.sqlite.backup(target)
        target.close()
    else:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                for name, data in snapshot.tables:
                    with cur.copy(f'COPY "{name}" FROM STDIN (FORMAT binary)') as copy:
                        copy.write(data)
                if snapshot.sequences:  # one round trip for all of them
                    cur.execute("SELECT " + ", ".join(
                        "setval(%s, %s, true)" for _ in snapshot.sequences),
                        [v for pair in snapshot.sequences for v in pair])
    root = Path(app.instance_path)
    for relative, (data, mode) in snapshot.files.items():
        path = root / relative
        for folder in reversed(path.relative_to(root).parents):
            made = root / folder
            if not made.is_dir():  # as the commands made it (keys/: 0700)
                made.mkdir(mode=0o700)
        path.write_bytes(data)
        path.chmod(mode)
    app.config["VOTES_NOW"] = snapshot.now
    _put_back_caches(snapshot.caches, str(engine.url))
    if snapshot.fitting:  # the data put back is the data key's: as its writing found it
        from votes.services import privacy

        privacy._fitting.add(_fitting(app))
