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
    columns = list(statement.selected_columns)
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


def driver_connection():
    """The driver's connection that fetch uses in this request."""
    from votes.services.tx import reading_connection

    reading = reading_connection()
    if reading is not None:
        return reading.driver_connection
    return db.session.connection().connection.driver_connection


def fetch(statement, params: dict) -> tuple[Compiled, list]:
    """All rows of a statement that only reads (or locks what it reads), as lists of
    processed values, with what names their columns."""
    from votes.services.tx import reading_connection

    reading = reading_connection()
    # The page's own reading connection (tx.read_only), else the session's.
    connection = reading if reading is not None else db.session.connection()
    dialect = db.engine.dialect if reading is not None else connection.dialect
    done = compiled(statement, dialect)
    driver = reading.driver_connection if reading is not None \
        else connection.connection.driver_connection
    if done.defaults:
        params = {**done.defaults, **params}
    arguments = params if done.positions is None else [params[n] for n in done.positions]
    cursor = driver.cursor()
    try:
        cursor.execute(done.sql, arguments)
        rows = cursor.fetchall()
    except dialect.loaded_dbapi.Error as error:
        if dialect.is_disconnect(error, driver, cursor):
            connection.invalidate(error)
        raise exc.DBAPIError.instance(done.sql, arguments, error, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from error
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
