"""The owner pages' reads (and the cast's locking read), run on the driver's own cursor.

SQLAlchemy Core's execution of a statement (an execution context, a cursor result with its
metadata, Row objects) costs several times the driver's own work for the handful of rows
an owner page reads, and every owner pays it on every page. The statements here are still
written with SQLAlchemy; each is compiled once per dialect, run on the request's own
connection (read_only's on a page that only reads, votes/services/tx.py; else the
session's, in its transaction), and its values go through the column types' own result
processors, so what comes back is what Core would return. A database error is raised as
SQLAlchemy raises it, and a broken connection is invalidated as SQLAlchemy would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import exc

from votes.extensions import db
from votes.services.tx import reading_connection


class Values:
    """A row's columns as attributes, read-only."""

    __slots__ = ("__dict__",)

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)

    @classmethod
    def of(cls, names, row):
        """The values of a row (or a slice of one) under these column names."""
        return cls(dict(zip(names, row)))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only: {name}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"


@dataclass(frozen=True)
class Compiled:
    statement: object  # kept: the cache is keyed by its identity
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers
    defaults: dict  # the statement's own values (a LIMIT 1's 1), given ones added per call
    names: tuple[str, ...]
    processors: tuple[tuple[int, object], ...]  # (column index, function), where needed


_compiled: dict[tuple[int, str], Compiled] = {}
_lock = threading.Lock()


def compiled(statement, dialect) -> Compiled:
    """The statement compiled for the dialect, once per process."""
    key = (id(statement), dialect.name)
    found = _compiled.get(key)
    if found is not None and found.statement is statement:
        return found
    done = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in done.string:  # an expanding IN: its SQL is made per call
        raise ValueError("rows.fetch takes no expanding parameters")
    columns = list(getattr(statement, "selected_columns", ()))  # a write selects none
    processors = []
    for index, column in enumerate(columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            processors.append((index, process))
    defaults = {name: bind.effective_value for bind, name in done.bind_names.items()
                if not bind.required}
    found = Compiled(statement, done.string,
                     tuple(done.positiontup) if done.positiontup is not None else None,
                     defaults, tuple(c.name for c in columns), tuple(processors))
    with _lock:
        _compiled[key] = found
    return found


def _connection(session=None):
    """(what to invalidate if the link breaks, the driver's connection, the dialect): the
    given session's; else the page's own reading connection (tx.read_only), else the
    request's session's."""
    if session is None:
        reading = reading_connection()
        if reading is not None:
            return reading, reading.driver_connection, db.engine.dialect
        session = db.session
    connection = session.connection()
    return connection, connection.connection.driver_connection, connection.dialect


def driver_connection():
    """The driver's connection that fetch uses in this request."""
    return _connection()[1]


def _arguments(done: Compiled, params: dict):
    if done.defaults:
        params = {**done.defaults, **params}
    return params if done.positions is None else [params[n] for n in done.positions]


def _raised(error, done: Compiled, arguments, connection, driver, cursor, dialect):
    """The driver's error as SQLAlchemy raises it; a broken link invalidated first."""
    if dialect.is_disconnect(error, driver, cursor):
        connection.invalidate(error)
    return exc.DBAPIError.instance(done.sql, arguments, error, dialect.loaded_dbapi.Error,
                                   dialect=dialect)


def fetch(statement, params: dict, session=None) -> tuple[Compiled, list]:
    """All rows of a statement that only reads (or locks what it reads), as lists of
    processed values, with what names their columns; in `session`'s transaction if given."""
    connection, driver, dialect = _connection(session)
    done = compiled(statement, dialect)
    arguments = _arguments(done, params)
    cursor = driver.cursor()
    try:
        cursor.execute(done.sql, arguments)
        rows = cursor.fetchall()
    except dialect.loaded_dbapi.Error as error:
        raise _raised(error, done, arguments, connection, driver, cursor, dialect) from error
    finally:
        cursor.close()
    if not done.processors:
        return done, [list(row) for row in rows]
    processed = []
    for row in rows:
        row = list(row)
        for index, process in done.processors:
            row[index] = process(row[index])
        processed.append(row)
    return done, processed


def fetch_values(statement, params: dict, kind: type[Values] = Values,
                 session=None) -> list[Values]:
    """All rows of the statement, each as read-only values named by its columns."""
    done, found = fetch(statement, params, session)
    return [kind.of(done.names, row) for row in found]


def write_and_commit(statement, params: dict, session) -> None:
    """Run a statement that writes, as the last of `session`'s transaction, and COMMIT it:
    on PostgreSQL both in one round trip (a psycopg pipeline), after which the session's
    own commit finds nothing to do; elsewhere the statement, then the session's commit.
    What the session holds unflushed is flushed first, so it is in the same COMMIT (not left
    to the session's own commit, a second transaction)."""
    session.flush()  # nothing to send, nothing sent: the usual case costs no round trip
    connection, driver, dialect = _connection(session)
    if dialect.name != "postgresql" or not pipelines():
        session.execute(statement, params)
        session.commit()
        return
    done = compiled(statement, dialect)
    arguments = _arguments(done, params)
    cursor = driver.cursor()
    try:
        with driver.pipeline():
            cursor.execute(done.sql, arguments)
            driver.commit()
    except dialect.loaded_dbapi.Error as error:
        raise _raised(error, done, arguments, connection, driver, cursor, dialect) from error
    finally:
        cursor.close()


def pipelines() -> bool:
    """Whether psycopg can send statements and a COMMIT in one round trip (libpq 14 or
    later)."""
    import psycopg

    return psycopg.Pipeline.is_supported()
