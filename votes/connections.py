"""PostgreSQL connections checked without a round trip per request.

`pool_pre_ping` sends `SELECT 1` every time a request takes a connection from the pool: a
round trip on every owner page, paid by every request to guard against a rare event. A
connection the server has dropped (restart, `pg_terminate_backend`, idle timeout) has
either sent its farewell (readable socket) or been idle; so at check-out:

- a socket with something to read while no query is running is pinged (a dead
  connection is then replaced, up to three times, before the request sees it);
- so is a connection idle for more than DATABASE_IDLE_PING_SECONDS (a silently dropped
  link, e.g. a firewall's idle timeout: nothing to read, but the first query would hang);
- connections are replaced after DATABASE_RECYCLE_SECONDS whatever they say.

A hot connection (the common case under load) costs one `select()` with zero timeout.
Tested in tests/test_connections.py against a terminated backend.
"""

from __future__ import annotations

import functools
import select
import time
from collections.abc import Sequence

from votes.core.numbers import whole_number

IDLE_PING_SECONDS = 30
RECYCLE_SECONDS = 1800


def engine_options(config: dict | None = None) -> dict:
    """SQLAlchemy engine options: recycling instead of a ping at every check-out, and on
    PostgreSQL a pool that keeps one connection per server thread."""
    config = config or {}
    recycle = int(config.get("DATABASE_RECYCLE_SECONDS") or RECYCLE_SECONDS)
    options = {"pool_pre_ping": False, "pool_recycle": recycle}
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        # SQLAlchemy keeps 5 connections and closes any further one when it is given back:
        # with gunicorn's 8 threads a worker, a busy worker opened and closed a connection
        # (a new server process, its caches cold) for every few requests.
        import os

        options["pool_size"] = _pool_size(config.get("DATABASE_POOL_SIZE"),
                                          os.environ.get("VOTES_GUNICORN_THREADS"))
        # The connection given back last is taken first: when fewer requests run than the
        # pool holds, they keep to a few server processes whose caches are warm. First in,
        # first out woke the longest-idle one every time (bench/load.py at 1 client: the
        # pages' p50 10-20 % slower; see docs/performance.md).
        options["pool_use_lifo"] = True
    return options


def _pool_size(setting, threads) -> int:
    """DATABASE_POOL_SIZE, else gunicorn's threads, else 8; a wrong value stops the start
    naming the setting it came from (int() named none)."""
    for name, value in (("VOTES_DATABASE_POOL_SIZE", setting),
                        ("VOTES_GUNICORN_THREADS", threads)):
        text = str(value if value is not None else "").strip()
        if not text:
            continue
        number = whole_number(text)
        if not number:  # None (not a number) or 0
            raise ValueError(f"{name} must be a whole number above 0, not {value!r}")
        return number
    return 8


def install(engine, config: dict | None = None) -> None:
    """Check connections at check-out as described above (PostgreSQL only)."""
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    if engine.dialect.name != "postgresql":
        return
    setting = (config or {}).get("DATABASE_IDLE_PING_SECONDS")
    idle_limit = IDLE_PING_SECONDS if setting in (None, "") else float(setting)
    dialect = engine.dialect

    def checked_in(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()
        # A connection a page read on in autocommit (votes/services/tx.read_only) is given
        # back without it; should that ever fail, no later transaction may run without BEGIN.
        if dbapi_connection is not None and not dbapi_connection.closed \
                and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False

    def checked_out(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:  # just connected
            return
        if not (has_news(dbapi_connection) or time.monotonic() - idle_since >= idle_limit):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool discards it and connects anew
            raise DisconnectionError(f"stale database connection: {exc}") from exc

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "connect", _lazy_descriptions)


def _lazy_descriptions(dbapi_connection, record) -> None:
    dbapi_connection.cursor_factory = _cursor_class()


@functools.cache
def _cursor_class():
    """psycopg's cursor, with a `description` whose Column objects are made only when read.

    SQLAlchemy reads `cursor.description` after every statement but, once a statement's
    result layout is cached (every statement after its first run), only checks that it is
    not None; psycopg built a Column (name decoding, type look-up) for each column every
    time: about 70 columns a page, a tenth of an owner page's CPU."""
    import psycopg
    from psycopg import pq

    # TUPLES_CHUNK is psycopg 3.2's; the statuses psycopg's own description accepts.
    tuples = tuple(getattr(pq.ExecStatus, name) for name in
                   ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK") if hasattr(pq.ExecStatus, name))

    class Cursor(psycopg.Cursor):
        @property
        def description(self):
            res = self.pgresult
            if res and (res.nfields or res.status in tuples):
                return Description(self, res)
            return None

    return Cursor


class Description(Sequence):
    """The columns of one result, as psycopg describes them, each made on first access."""

    __slots__ = ("_cursor", "_result", "_size", "_columns")

    def __init__(self, cursor, result):
        self._cursor, self._result = cursor, result
        self._size = result.nfields
        self._columns: list | None = None

    def _all(self) -> list:
        if self._columns is None:
            from psycopg import Column

            source = self._cursor
            if source.pgresult is not self._result:
                # The cursor has run another statement since: describe the result this
                # description was handed out for, as psycopg's Column reads a cursor.
                from types import SimpleNamespace

                source = SimpleNamespace(pgresult=self._result, _encoding=source._encoding,
                                         adapters=source.adapters)
            self._columns = [Column(source, i) for i in range(self._size)]
            self._cursor = None  # not kept alive by a description
        return self._columns

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def has_news(dbapi_connection) -> bool:
    """Whether an idle connection's socket is readable (the server said something, most
    likely goodbye) or gone."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except Exception:  # closed already (psycopg raises its OperationalError)
        return True
    return bool(readable)
