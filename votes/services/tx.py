"""Each use case commits once: on success, or rolls back and re-raises."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Iterator

from flask import g, has_app_context
from sqlalchemy.orm import Session

from votes.extensions import db


def read_only() -> None:
    """The statements that follow only read: on PostgreSQL the owner pages' reads
    (votes/services/rows.py) run on a pooled connection of their own in autocommit, without
    BEGIN and ROLLBACK (two round trips fewer per page) and without the ORM session's
    transaction bookkeeping. Under READ COMMITTED each statement sees its own snapshot
    anyway, so nothing a page shows changes. The session is untouched: a unit_of_work later
    in the same request gets a real transaction on its own connection. SQLite: nothing
    changes."""
    if "votes_reading" in g or db.engine.dialect.name != "postgresql":
        return
    if db.session.registry.has() and db.session().in_transaction():
        return  # the request has begun a transaction: its reads stay in it
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.autocommit = True
    except BaseException:
        connection.close()
        raise
    g.votes_reading = connection


def reading_connection():
    """The pooled connection read_only took for this request (PostgreSQL), or None."""
    return g.get("votes_reading") if has_app_context() else None


def end_reading(_error=None) -> None:
    """Give read_only's connection back to the pool as it was taken (at app-context
    teardown, whatever happened)."""
    connection = g.pop("votes_reading", None)
    if connection is None:
        return
    try:
        connection.driver_connection.autocommit = False
    finally:
        connection.close()


def reads_only(view):
    """A view that writes nothing to the database (a unit_of_work inside is still atomic)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        read_only()
        return view(*args, **kwargs)

    return wrapper


@contextmanager
def unit_of_work() -> Iterator[Session]:
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
