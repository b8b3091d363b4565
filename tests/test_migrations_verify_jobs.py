"""verify_0001 with verifications in the table: a database taken down before the jobs and
back up keeps every finished verification, each a done one the pages show as before; a job
still running is not kept down there (it is no verification); at head the database refuses a
second running job of a proposal. On SQLite and PostgreSQL (tests/test_migrations_with_data.py
makes the data and puts the schema back at head)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.money_world import staff_accounts
from tests.staff_world import sign_in
from tests.test_migrations_with_data import _migrate, world  # noqa: F401 - the fixture

BEFORE_JOBS = "pseud_0001"


def _rows(app):
    from votes.extensions import db

    with app.app_context():
        return [tuple(r) for r in db.session.execute(text(
            "SELECT proposal_id, outcome, chain_head, verified_by FROM verifications ORDER BY id"))]


def test_verifications_survive_the_jobs_migration(app, runner, tmp_path, world):  # noqa: F811
    from votes.extensions import db
    from votes.models import Verification

    staff_accounts(app, runner)
    client = app.test_client()
    sign_in(client, "district")
    pid = world["closed"]["id"]
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过 / VERIFIED" in page
    with app.app_context():  # and one running on the open vote, as a worker left it
        db.session.add(Verification(proposal_id=world["open"]["id"], ok=False, outcome="failed",
                                    state="running", chain_head="", report="", verified_by="x"))
        db.session.commit()
    done = _rows(app)[:1]

    _migrate(app, "down", BEFORE_JOBS)
    assert _rows(app) == done
    _migrate(app, "up")
    assert _rows(app) == done
    with app.app_context():
        (v,) = db.session.scalars(select(Verification))
        assert (v.state, v.stage, v.summary) == ("done", None, None)
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert 'id="last-verification"' in page and "已验证" in page
    # An old verification has no stored summary: its own page shows it as the last one.
    old = client.get(f"/regulator/p/{pid}?job={v.id}").get_data(as_text=True)
    assert old.count('id="last-verification"') == 1 and 'id="verify-summary"' not in old
    with app.app_context():
        for _ in range(2):
            db.session.add(Verification(proposal_id=pid, ok=False, outcome="failed",
                                        state="running", chain_head="", report="",
                                        verified_by="x"))
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.commit()
        db.session.rollback()
