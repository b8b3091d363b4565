"""Each use case commits once: on success, or rolls back and re-raises."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from votes.extensions import db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
