"""A verification job that hangs (the verifier stuck on a lock, a read that never returns):
its heartbeat beat on as long as the job's thread lived, whether or not it moved, so it
held one of the VERIFY_JOBS_MAX slots of the whole deployment for ever, and its page said
正在验证… for ever. A job now has a maximum age (VERIFY_JOB_MAX_MINUTES, from the click):
past it the heartbeat gives it up (failed_to_run, said in the reader's words) and beats no
more, so the slot is free; the thread, if it ever ends, does not write its result over.

Nothing here waits on time: the wall clock is the test's (VOTES_WALL_NOW), the job's work
is held on an Event, and the heartbeat beats when the test says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.test_regulator_verify_jobs import (WAIT, _hold_the_verifier, _jobs, _regulator,
                                             _running_job)


def _row(app, job_id):
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        job = db.session.get(Verification, job_id)
        found = (job.state, job.report, job.heartbeat_at)
        db.session.remove()
        return found


def _live(app) -> int:
    from votes.extensions import db
    from votes.services import verify_jobs

    with app.app_context():
        count = verify_jobs._live_jobs(db.session)
        db.session.remove()
        return count


def test_a_hung_job_is_given_up_at_its_maximum_age_and_frees_its_slot(
        app, runner, tmp_path, client, monkeypatch):
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    start = datetime.now(timezone.utc)  # the wall clock, held still from here
    app.config.update(VOTES_WALL_NOW=start, VERIFY_JOBS_MAX=1, VERIFY_JOB_MAX_MINUTES=30,
                      VERIFY_IN_REQUEST=False,  # the real thread
                      STAFF_IDLE_TIMEOUT=0)  # the regulator's half hour away is not idleness
    monkeypatch.setattr(verify_jobs, "HEARTBEAT", 3600)  # it beats when the test says
    hearts = []

    class Recorded(verify_jobs._Heartbeat):
        def __init__(self, *args):
            super().__init__(*args)
            hearts.append(self)

    monkeypatch.setattr(verify_jobs, "_Heartbeat", Recorded)
    real = verify_jobs.verify_exported
    entered, release = _hold_the_verifier(monkeypatch)
    try:
        r = client.post(f"/regulator/p/{pid}/verify")
        assert r.status_code == 303
        location = r.headers["Location"].split("#")[0]
        assert entered.wait(WAIT)
        [job] = [j for j, _, _ in _jobs(app, pid)]
        [heart] = hearts

        # Half an hour less a second: a long job, alive, its slot held.
        app.config["VOTES_WALL_NOW"] = start + timedelta(minutes=30)
        assert heart.beat() is True
        state, report, beat = _row(app, job)
        assert state == "running" and beat == start + timedelta(minutes=30)
        assert _live(app) == 1
        assert "正在验证…" in client.get(location).get_data(as_text=True)

        # A second past its maximum age: given up, not beaten, the slot free.
        app.config["VOTES_WALL_NOW"] = start + timedelta(minutes=30, seconds=1)
        assert heart.beat() is False
        state, report, beat = _row(app, job)
        assert state == "failed_to_run" and beat == start + timedelta(minutes=30), report
        assert "分钟" not in report and "minutes" not in report, report  # a code
        assert _live(app) == 0
        page = client.get(location).get_data(as_text=True)
        assert 'id="verify-not-run"' in page and "正在验证…" not in page, page
        assert "验证进行了 30 分钟仍未结束" in page, page
        english = client.get(location + "&lang=en").get_data(as_text=True)
        assert "still not finished after 30 minutes" in english, english
        client.get(f"/regulator/p/{pid}?lang=zh_CN")
        assert heart.beat() is False  # and it stays given up

        # The next click starts another (in the request: this worker's thread is the hung
        # job's), which finishes.
        app.config["VERIFY_IN_REQUEST"] = True
        monkeypatch.setattr(verify_jobs, "verify_exported", real)
        again = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
        assert again.status_code == 200
        assert "验证通过：各项检查均已通过" in again.get_data(as_text=True)
    finally:
        release.set()
        assert verify_jobs.wait_idle(WAIT)
    # The hung job ended at last: its result is not written over the given-up state.
    assert [(j, s) for j, s, _ in _jobs(app, pid)] == [(job, "failed_to_run"),
                                                       (job + 1, "done")]
    assert _row(app, job)[1] == report
    assert not heart.thread.is_alive()


def test_the_heartbeat_stops_beating_a_job_past_its_maximum_age(app, runner, tmp_path, client,
                                                                monkeypatch):
    """The heartbeat's own thread: its first beat past the maximum age gives the job up and
    ends the thread (no beat after it)."""
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_JOB_MAX_MINUTES"] = 10
    job = _running_job(app, pid, beat_minutes_ago=11)
    started, before = _row(app, job)[2], _row(app, job)
    monkeypatch.setattr(verify_jobs, "HEARTBEAT", 0)
    heart = verify_jobs._Heartbeat(app, job, started)
    heart.thread.join(WAIT)
    assert not heart.thread.is_alive()
    state, report, beat = _row(app, job)
    assert state == "failed_to_run" and beat == before[2], (state, report)
    heart.stop()


def test_the_maximum_age_is_a_whole_number_of_minutes_of_at_least_one(sqlite_template,
                                                                      tmp_path, monkeypatch):
    from tests.security.test_transport import _app

    monkeypatch.setenv("VOTES_VERIFY_JOB_MAX_MINUTES", "45")
    assert _app(sqlite_template, tmp_path, "longer").config["VERIFY_JOB_MAX_MINUTES"] == 45
    monkeypatch.setenv("VOTES_VERIFY_JOB_MAX_MINUTES", "")
    assert _app(sqlite_template, tmp_path, "default").config["VERIFY_JOB_MAX_MINUTES"] == 30
    monkeypatch.setenv("VOTES_VERIFY_JOB_MAX_MINUTES", "0")  # would give every job up
    with pytest.raises(ValueError, match="VOTES_VERIFY_JOB_MAX_MINUTES must be at least 1"):
        _app(sqlite_template, tmp_path, "zero")
