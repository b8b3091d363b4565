"""Each use case commits once: on success, or rolls back and re-raises."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from votes.extensions import db

_READING = "votes.reading"  # session.info key: statements run without a transaction


def read_only() -> None:
    """The statements that follow only read: on PostgreSQL they run without BEGIN and
    ROLLBACK (two round trips fewer per page). Under READ COMMITTED each statement sees its
    own snapshot anyway, so nothing a page shows changes. A unit_of_work later in the same
    request still gets a real transaction (see there). SQLite: nothing changes."""
    session = db.session()  # the request's Session (db.session is its scoped proxy)
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[_READING] = True


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
    if session.info.pop(_READING, False):
        # End the reading: the connection goes back to the pool, which restores its
        # isolation level, and the next statement begins a transaction. (Loaded objects
        # expire and reload on use: this happens only when a read-only page must move a
        # proposal first.)
        session.commit()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
