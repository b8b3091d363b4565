"""A stranger pausing a login name learns nothing of whether an account has it: the
sign-in wrote an audit entry for the pause of an existing account only, and the log's head
is public (GET /api/audit/head, for witnesses): its seq went up for a name that exists.
Pauses are now written by `votes tick`, one entry for all the names paused since its last,
known or not: the same response and the same work at the sign-in, and at most one entry a
tick however many names a stranger types."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

PASSWORD = "correct horse battery"
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
PAUSES = "account.signin_pauses"


@pytest.fixture
def accounts(app, runner):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["VOTES_NOW"] = T0
    result = runner.invoke(args=["users", "create", "--no-must-change", "admin1", "--role",
                                 "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return app


_addresses = iter(range(1, 10 ** 6))


def _pause(app, login: str) -> list[str]:
    """Five wrong passwords from five addresses (the fifth pauses the name), and a sixth
    refused: the pages, but for their CSRF tokens."""
    pages = []
    for _ in range(6):
        n = next(_addresses)
        r = app.test_client().post("/staff/login", data={"login": login, "password": "wrong"},
                                   environ_base={"REMOTE_ADDR": f"2001:db8:7:{n:x}::1"})
        pages.append((r.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "",
                                            r.get_data(as_text=True))))
    return pages


def _head(app):
    return app.test_client().get("/api/audit/head").get_json()["head"]


def _pauses(app):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return [(e.actor, e.target, e.details) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == PAUSES).order_by(AuditEntry.seq))]


def test_pausing_a_name_tells_nothing_of_whether_it_exists(accounts, runner):
    app = accounts
    before = _head(app)
    known = _pause(app, "admin1")
    after_known = _head(app)
    unknown = _pause(app, "nobody.here")
    assert known == unknown
    assert [status for status, _page in known] == [200] * 5 + [429]
    assert before == after_known == _head(app)  # nothing appended at the sign-in
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _pauses(app) == [("system", "", {
        "accounts": [{"login": "admin1", "pause": 1, "until": "2026-12-01T02:01:00Z"}],
        "other_names": 1, "through": "2026-12-01T02:00:50Z"})]
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert len(_pauses(app)) == 1  # each pause once
    # After the pause one more failure pauses the name again: the next tick says so.
    _pause(app, "nobody.here")
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=2)
    assert runner.invoke(args=["tick"]).exit_code == 0
    last = _pauses(app)[-1][2]
    assert last["accounts"] == [] and last["other_names"] == 1, last
    admin = app.test_client()
    admin.post("/staff/login", data={"login": "admin1", "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "203.0.113.9"})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "登录失败过多，暂停登录（admin1、另有 1 个无账号的登录名）" in page, page
    from votes.services.audit import verify_log

    with app.app_context():
        assert verify_log() == []


def test_a_tick_without_new_pauses_appends_nothing(accounts, runner):
    app = accounts
    before = _head(app)
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _head(app) == before and _pauses(app) == []
