"""A process killed with -9 in the middle of freezing the roll (start of publicity) leaves the
proposal a draft with nothing frozen, and it can be started again: the frozen rows go in by
COPY on the session's own connection, inside the one transaction that also moves the state.

The `votes proposal start-publicity` subprocess is stopped at a known point without any
hook: the test holds a lock that its ANALYZE of voter_access (after every COPY) waits for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import TEST_CONFIG
from tests.factories import make_draft
from tests.races import WAITING

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc)


def _counts(app, pid: int) -> tuple:
    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit, FrozenVoter, Proposal, VoterAccess

        p = db.session.get(Proposal, pid)
        out = (p.state, *(db.session.scalar(select(func.count()).select_from(m).where(
            m.proposal_id == pid)) for m in (FrozenUnit, FrozenVoter, VoterAccess)))
        db.session.remove()
        return out


def test_kill_9_mid_freeze_leaves_a_draft_that_starts_again(app, runner, tmp_path):
    pid = make_draft(app, runner, tmp_path, extra=())
    assert app.config["VOTES_NOW"] == NOW

    config = tmp_path / "kill-config.py"
    config.write_text("from datetime import datetime, timezone\n"
                      f"VOTES_NOW = datetime({NOW.year}, {NOW.month}, {NOW.day}, {NOW.hour}, "
                      "0, tzinfo=timezone.utc)\n")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "VOTES_DATABASE_URL": url, "VOTES_INSTANCE_PATH": app.instance_path,
           "VOTES_CONFIG": str(config), "VOTES_ENV": "testing",
           **{f"VOTES_{k}": TEST_CONFIG[k] for k in ("SECRET_KEY", "DATA_KEY",
                                                      "KEY_PASSPHRASE")}}
    holder = create_engine(url)
    try:
        with holder.connect() as hold, holder.connect() as watch:
            hold.execute(text("LOCK TABLE voter_access IN SHARE UPDATE EXCLUSIVE MODE"))
            process = subprocess.Popen(
                [sys.executable, "-c", "from votes.cli import main; main()",
                 "proposal", "start-publicity", str(pid)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                # Until the freeze has copied its rows and waits for our lock (no sleeps:
                # the wait is PostgreSQL's own, seen in pg_locks).
                while process.poll() is None and not watch.execute(text(
                        WAITING + " AND l.relation = 'voter_access'::regclass")).scalar():
                    watch.rollback()
                assert process.poll() is None, process.stdout.read().decode()
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(30)
            hold.rollback()  # the orphaned backend goes on, finds its client gone, rolls back
    finally:
        holder.dispose()

    assert _counts(app, pid) == ("draft", 0, 0, 0)
    started = runner.invoke(args=["proposal", "start-publicity", str(pid)])
    assert started.exit_code == 0, started.output
    assert _counts(app, pid) == ("publicity", 7, 5, 5)
