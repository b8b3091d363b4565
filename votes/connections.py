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

import select
import time

IDLE_PING_SECONDS = 30
RECYCLE_SECONDS = 1800


def engine_options(config: dict | None = None) -> dict:
    """SQLAlchemy engine options: recycling instead of a ping at every check-out."""
    recycle = int((config or {}).get("DATABASE_RECYCLE_SECONDS") or RECYCLE_SECONDS)
    return {"pool_pre_ping": False, "pool_recycle": recycle}


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


def has_news(dbapi_connection) -> bool:
    """Whether an idle connection's socket is readable (the server said something, most
    likely goodbye) or gone."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except Exception:  # closed already (psycopg raises its OperationalError)
        return True
    return bool(readable)
