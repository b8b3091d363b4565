"""Staff logins hold only the characters the service allows, in the database too
(loginchars_0001): 2 to 64 of ASCII letters, digits and _ . @ - (staff._LOGIN)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError, IntegrityError

from tests.test_migrations_with_data import _migrate
from tests.test_staff_login_index import _insert

BEFORE = "logins_0001"


@pytest.mark.parametrize("login", ["ａdmin", "clerk wang", "王", "a", "x" * 65, "ad\nmin",
                                   "admin\n", "adm%in", "ad'min", "admín"])
def test_the_database_refuses_a_login_the_service_would(app, login):
    """Another program's insert (psql, a restore) bypassed create_user's check: a full-width
    ａdmin was stored, which the sign-in reads as admin (lookup_name), and the audit log
    named a member by a login no one can type alike. The database refuses it, SQLite and
    PostgreSQL alike; what the service allows it takes."""
    from votes.extensions import db
    from votes.services.staff import _LOGIN

    assert not _LOGIN.fullmatch(login)
    with app.app_context(), db.engine.connect() as conn:
        # 65 characters: PostgreSQL's varchar(64) refuses them first (DataError).
        with pytest.raises((IntegrityError, DataError)):
            _insert(conn, login)
    with app.app_context(), db.engine.begin() as conn:
        for good in ("ab", "Clerk.Wang-2_x@sun", "9" * 64):
            _insert(conn, good)


def test_an_upgrade_over_a_login_the_service_refuses_stops_naming_it(app, capfd):
    """A database of before the check may hold ａdmin (another program's insert): the
    upgrade stops, naming the account and how to go on, rather than failing on the
    constraint or renaming a member's login behind their back; once renamed it goes on."""
    from sqlalchemy import text

    from votes.extensions import db

    try:
        _migrate(app, "down", BEFORE)
        with app.app_context(), db.engine.begin() as conn:
            _insert(conn, "ａdmin")
            _insert(conn, "zhao")
        capfd.readouterr()
        with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
            _migrate(app, "up")
        err = capfd.readouterr().err
        assert "ａdmin" in err and "UPDATE staff_users SET login" in err, err
        assert "zhao" not in err and "IntegrityError" not in err, err
        with app.app_context(), db.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == BEFORE
            conn.execute(text("UPDATE staff_users SET login = 'admin2' WHERE login = 'ａdmin'"))
        _migrate(app, "up")
        with app.app_context(), db.engine.connect() as conn:
            with pytest.raises(IntegrityError):
                _insert(conn, "ｚhao")
    finally:
        _migrate(app, "up")
