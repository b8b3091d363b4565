"""The regulator's verification jobs started at once on PostgreSQL, each on its own
connection, as two workers (or hosts) take two clicks (votes/services/verify_jobs.py)."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from tests.test_regulator_verify_jobs import _running_job

pytestmark = pytest.mark.postgresql_only


def _start(app, pid: int) -> str:
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.verify_jobs import start

    job, started = start(db.session.get(Proposal, pid), "district")
    return "started" if started else f"shown {job.id}"


def _states(app) -> list:
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        return [(v.proposal_id, v.state, v.stage) for v in db.session.scalars(
            select(Verification).order_by(Verification.id))]


def test_two_starts_at_once_on_two_workers_do_not_pass_the_limit_together(
        app, runner, tmp_path, monkeypatch):
    """With one verification allowed, two clicks on two votes at once each counted the jobs
    running before the other's went in, and both started. Starts are one at a time
    (an advisory lock): the second counts the first's job and is refused in words."""
    from tests.money_world import passed_vote
    from tests.races import held_race
    from votes.services import verify_jobs

    pid = int(passed_vote(app, runner, tmp_path)["pid"])
    (tmp_path / "other").mkdir()
    other = int(passed_vote(app, runner, tmp_path / "other", code="MOON")["pid"])
    app.config["VERIFY_JOBS_MAX"] = 1
    # The jobs stay running, as on a worker's thread: this test is about starting them.
    monkeypatch.setattr(verify_jobs, "run", lambda job_id: None)

    def act(who):
        return _start(app, pid if who == "A" else other)

    # A has counted no job running and is about to add its own when B starts.
    outcome = held_race(app, monkeypatch, verify_jobs, "_new_job", act)
    assert outcome["A"] == "started", outcome
    assert outcome["B"].startswith("已有 1 项验证在进行，请稍后再试。"), outcome
    assert [(p, s) for p, s, _ in _states(app)] == [(pid, "running")]


def test_a_stale_job_beating_while_a_start_gives_it_up_is_left_running(
        app, runner, tmp_path, monkeypatch):
    """A start read the job as stale; its worker then wrote a step and a heartbeat (on its
    own connection, which the start's lock does not hold up). Giving it up unconditionally
    wrote failed_to_run over a job that went on, and started a second beside it."""
    from tests.money_world import passed_vote
    from tests.races import held_race
    from votes.services import verify_jobs

    pid = int(passed_vote(app, runner, tmp_path)["pid"])
    job = _running_job(app, pid, beat_minutes_ago=4)
    monkeypatch.setattr(verify_jobs, "run", lambda job_id: None)

    def act(who):
        if who == "A":
            return _start(app, pid)
        return "beat" if verify_jobs._stage(job, "check:3") else "not running"

    outcome = held_race(app, monkeypatch, verify_jobs, "_give_up_stale", act)
    assert outcome == {"A": f"shown {job}", "B": "beat"}, outcome
    assert _states(app) == [(pid, "running", "check:3")]


def test_a_stale_job_given_up_before_it_beats_stays_given_up(app, runner, tmp_path,
                                                             monkeypatch):
    """The other order: the start gives the dead worker's job up and starts another; a late
    write from that worker finds its job no longer running and changes nothing."""
    from tests.money_world import passed_vote
    from tests.races import outcome_of
    from votes.services import verify_jobs

    pid = int(passed_vote(app, runner, tmp_path)["pid"])
    job = _running_job(app, pid, beat_minutes_ago=4)
    monkeypatch.setattr(verify_jobs, "run", lambda job_id: None)
    assert outcome_of(app, lambda: _start(app, pid)) == "started"
    assert outcome_of(app, lambda: verify_jobs._stage(job, "check:3")) is False
    assert [(s, stage) for _, s, stage in _states(app)] == [("failed_to_run", "export"),
                                                            ("running", "queued")]


def test_a_start_that_fails_leaves_no_lock_and_no_slot_held(app, runner, tmp_path,
                                                           monkeypatch):
    """A start that breaks inside its transaction (here the audit entry, after the advisory
    lock was taken and the job row added): the lock is the transaction's, so it ends with it,
    and nothing is left counted: another worker's start at once takes the lock, and a later
    click starts the job, the limit one. (A lock of the session would have held every start
    of every worker up for as long as that connection lived in the pool.)"""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tests.money_world import passed_vote
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services import verify_jobs

    pid = int(passed_vote(app, runner, tmp_path)["pid"])
    app.config["VERIFY_JOBS_MAX"] = 1
    monkeypatch.setattr(verify_jobs, "run", lambda job_id: None)
    real = verify_jobs.audit.record

    def breaks(*args, **kwargs):
        raise RuntimeError("the worker broke here")

    other_worker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        with app.app_context():
            monkeypatch.setattr(verify_jobs.audit, "record", breaks)
            with pytest.raises(RuntimeError):
                verify_jobs.start(db.session.get(Proposal, pid), "district")
            # This worker's session still open: its connection holds no lock.
            with other_worker.begin() as connection:
                assert connection.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                         {"k": verify_jobs._STARTS_LOCK}) is True
            monkeypatch.setattr(verify_jobs.audit, "record", real)
            job, started = verify_jobs.start(db.session.get(Proposal, pid), "district")
            assert started
    finally:
        other_worker.dispose()
    assert [(p, s) for p, s, _ in _states(app)] == [(pid, "running")]
