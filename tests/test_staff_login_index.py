"""Staff logins unique whatever their letter case, in the database (logins_0001).

The sign-in reads a login as typed, full-width forms as ASCII (lookup_name), and finds the
account letter case aside (find_account); creation allows ASCII logins only. lower(login)
is therefore the name as the sign-in reads it, and its unique index refuses what the
service refused only in Python under the audit log's lock."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.staff_world import PASSWORD
from tests.test_migrations_with_data import _migrate

BEFORE = "owner_0001"
INSERT = ("INSERT INTO staff_users (login, name, role, password_hash, active, "
          "session_generation, must_change_password, created_at) VALUES "
          "(:login, :login, 'committee', 'x', :active, 0, :f, CURRENT_TIMESTAMP)")


def _insert(conn, login, active=True):
    conn.execute(text(INSERT), {"login": login, "active": active, "f": False})


def test_logins_differing_only_in_case_stop_the_upgrade_naming_them(app, runner, capfd):
    """A database of before the index may hold Clerk.Wang beside clerk.wang (made before
    creation refused them, or by another program): the upgrade stops, naming both accounts
    and how to go on, rather than failing on the index with an IntegrityError or renaming
    a member's login behind their back. Once one is renamed the upgrade goes through."""
    from votes.extensions import db

    made = runner.invoke(args=["users", "create", "--no-must-change", "clerk.wang", "--role",
                               "admin", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    try:
        _migrate(app, "down", BEFORE)
        with app.app_context(), db.engine.begin() as conn:
            _insert(conn, "Clerk.Wang", active=False)
            _insert(conn, "zhao")
        capfd.readouterr()
        with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
            _migrate(app, "up")
        err = capfd.readouterr().err
        assert "登录名仅大小写不同" in err and "clerk.wang" in err and "Clerk.Wang" in err, err
        assert "UPDATE staff_users SET login" in err and "zhao" not in err, err
        assert "IntegrityError" not in err, err
        with app.app_context(), db.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == BEFORE
            assert conn.execute(text("SELECT count(*) FROM staff_users WHERE "
                                     "login = 'Clerk.Wang'")).scalar() == 1  # not renamed
            conn.execute(text("UPDATE staff_users SET login = 'clerk.wang2' "
                              "WHERE login = 'Clerk.Wang'"))
        _migrate(app, "up")
        with app.app_context(), db.engine.connect() as conn:
            with pytest.raises(IntegrityError):
                _insert(conn, "ZHAO")
    finally:
        _migrate(app, "up")


def test_the_database_refuses_a_login_differing_only_in_case(app, runner):
    """Another program's insert (psql, a restore) bypasses the service's check: the database
    refuses it, in SQLite and PostgreSQL alike."""
    from votes.extensions import db

    made = runner.invoke(args=["users", "create", "--no-must-change", "Clerk.Wang", "--role",
                               "admin", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    with app.app_context(), db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            _insert(conn, "clerk.wang")


def test_a_login_taken_by_another_writer_meanwhile_is_refused_in_words(app, monkeypatch):
    """Another program inserts clerk.wang after the service's check found Clerk.Wang free
    and before its insert: the index refuses the insert, and the administrator is told as
    the check tells, not shown an IntegrityError; nothing of it is kept."""
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import AuditEntry, StaffUser
    from votes.services import staff

    real = staff._refuse_taken
    calls = []

    def meanwhile(session, login):
        real(session, login)
        calls.append(login)
        if len(calls) == 1:
            with db.engine.begin() as other:
                _insert(other, "clerk.wang")

    monkeypatch.setattr(staff, "_refuse_taken", meanwhile)
    with app.app_context():
        with pytest.raises(staff.DomainError) as refused:
            staff.create_user("Clerk.Wang", PASSWORD, "admin")
        assert "已存在" in refused.value.message, refused.value.message
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "account.create")) == 0
        assert db.session.scalars(select(StaffUser.login)).all() == ["clerk.wang"]
