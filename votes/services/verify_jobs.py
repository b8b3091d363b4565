"""The regulator's 验证导出包, run off the request.

Exporting and verifying a city's vote takes longer than the proxy waits for a page (60 s,
docs/deploy.md; 14-22 s at 50,000 units, more at 100,000), so the click only records a
running verification (`start`) and a thread of this worker carries it out (`run`): it
exports the bundle, runs the offline verifier on it and stores the result as the request
used to. On the way it writes its stage (export, then the verifier's step) and a heartbeat,
which the page shows; a job waiting in the queue beats with the one running ahead of it.
The database holds at most one running job a proposal (a partial unique index), whichever
worker or host took the click: a second click shows the first. Each worker runs one job at a
time, but there may be many workers on several hosts, so how many run at once in the whole
deployment is counted in the database as a job starts (VERIFY_JOBS_MAX, docs/deploy.md): over
it the click is refused in words (Busy), nothing recorded.
A job whose heartbeat is older than STALE_AFTER lost its worker (a restart, a crash): it is
shown as interrupted, and starting again marks it failed_to_run (if it has not beaten since) (a job so marked while it
waited in a live queue never runs: it is claimed as it leaves the queue).
A job still running VERIFY_JOB_MAX_MINUTES after its click hangs (its thread alive, its
heartbeat beating, its slot held for ever): the heartbeat gives it up (failed_to_run,
TIMED_OUT) and beats no more, so its slot is free; the thread, if it ever ends, writes
nothing over that (a job's end is written only while it is running).

The audit action proposal.verify is written once per job, as it starts, with the chain head
it set out to check; the outcome is the verification's.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from votes.core.verifier_report import FAILED, Report, report_from_json, stored_json
from votes.extensions import db
from votes.i18n import _, in_words, ngettext, stored_form
from votes.models import Proposal, Verification
from votes.services import audit, clock
from votes.services.background import Pool
from votes.services.errors import DomainError
from votes.services.export import export_bundle, verify_exported, verifying
from votes.services.records import ChainDamaged
from votes.services.tx import unit_of_work
from votes.settings import verify_job_max_age, verify_jobs_max

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED_TO_RUN = "running", "done", "failed_to_run"
HEARTBEAT = 20  # seconds between a running job's heartbeats
STALE_AFTER = timedelta(minutes=3)  # a heartbeat older than this: the worker is gone
# One verifier at a time a process: it is CPU work, and a worker's other threads serve pages.
WORKERS, QUEUE_SIZE = 1, 8
EXIT_WAIT = 5  # seconds a worker's exit waits; a job cut off then is shown as interrupted
# Why a job did not run to the end, as job.report holds it: a code, put in the reader's
# words when shown (failure_words). Rows written before hold a sentence in both languages.
QUEUE_FULL, INTERRUPTED, NOT_COMPLETED = "failed:queue_full", "failed:interrupted", "failed:error:"
TIMED_OUT = "failed:timed_out:"  # then the minutes it was given (VERIFY_JOB_MAX_MINUTES)
# A refusal (DomainError) that stopped the job, as i18n.stored_form (JSON): worded where it
# was raised, in the worker's or the starting request's language, it was shown so to every
# reader. NOT_COMPLETED then holds only what keeps no msgid (an exception's type name).
REFUSED = "failed:refused:"

# The checks the verifier reports as it begins each (votes.core.verifier._verify): steps 1–7,
# 10, 15, then 4 again for the signatures gathered on the way; one fewer for an emergency use
# (no 7) or a votes-bundle/1 bundle (no 15). The page counts the checks begun, of these, so
# that what it shows only moves forward ("check:<n>" in the stage column).
CHECKS = 10
CHECK = "check:"

_pool = Pool("verify", WORKERS, EXIT_WAIT)
# The jobs queued in this process, not yet begun: the running job's heartbeat beats theirs
# (a job waiting behind a city's verification is alive as long as this worker is).
_waiting: set[int] = set()
_waiting_lock = threading.Lock()


class Busy(DomainError):
    """As many verifications as VERIFY_JOBS_MAX allows are running, on whatever host: this
    one was not started (nothing recorded), and a later click may start it."""

    def __init__(self, running: int, limit: int) -> None:
        super().__init__(ngettext("已有 %(num)s 项验证在进行，请稍后再试。本次验证未开始（全系统同时最多"
                                  "进行 %(max)s 项验证，每项都占用大量内存）；几分钟后再点“验证导出包”即可。",
                                  "已有 %(num)s 项验证在进行，请稍后再试。本次验证未开始（全系统同时最多"
                                  "进行 %(max)s 项验证，每项都占用大量内存）；几分钟后再点“验证导出包”即可。",
                                  running, max=limit))
        self.running, self.limit = running, limit


class YoursRunning(Busy):
    """The same login has a verification running already (of another proposal): the slots
    VERIFY_JOBS_MAX allows are every district's, so one login runs one at a time."""

    def __init__(self, title: str, running: int, limit: int) -> None:
        DomainError.__init__(self, _(
            "您已有一项验证在进行（%(title)s），请等它完成后再验证本事项。同一账号同一时间只进行一项"
            "验证，以免占满全系统的验证名额（最多 %(max)s 项）、耽误其他辖区的验证。", title=title,
            max=limit))
        self.running, self.limit = running, limit


def start(proposal: Proposal, actor: str) -> tuple[Verification, bool]:
    """The proposal's running job, or a new one queued: (job, whether it was started now).
    A job left by a dead worker is marked failed_to_run and a new one started. Busy when
    VERIFY_JOBS_MAX jobs are running already, counted across every worker and host."""
    if proposal.state in ("draft", "publicity", "withdrawn"):
        raise DomainError(_("表决尚未开始，还没有可导出的记录"))
    pid = proposal.id
    try:
        with unit_of_work() as session:
            _one_start_at_a_time(session, pid)
            job = _running(pid)
            if job is not None and not is_stale(job):
                return job, False
            if job is not None:
                if not _give_up_stale(session, job):
                    # Its heartbeat beat since it was read: its worker is alive after all.
                    return _running(pid) or job, False
                session.flush()  # the index frees the proposal before the new row
            limit = verify_jobs_max(current_app.config)
            running = _live_jobs(session)
            if running >= limit:
                raise Busy(running, limit)
            # One regulator's city-sized votes, clicked one after the other (or a stolen
            # account's), would otherwise hold every slot for hours and refuse every other
            # district: a login's second verification waits for its first.
            own = _live_job_of(session, actor, pid)
            if own is not None:
                raise YoursRunning(own, running, limit)
            job = _new_job(session, proposal, actor)
            # A check, not a download: its own action, so the log tells the two apart.
            audit.record(session, actor, "proposal.verify", community_id=proposal.community_id,
                         target=str(pid),
                         details={"chain_head": proposal.chain_head or "", "job": job.id})
    except IntegrityError:
        # Another worker's click got its running job in first: that one is shown.
        job = _running(pid)
        if job is None:
            raise
        return job, False
    job_id = job.id
    app = current_app._get_current_object()
    if current_app.config.get("VERIFY_IN_REQUEST"):
        # Tests (and a single-user install that wants it): the job runs here, in an app
        # context of its own as on a thread.
        with app.app_context():
            run(job_id)
    elif not _queue(app, job_id):
        with unit_of_work():
            _give_up(db.session.get(Verification, job_id), QUEUE_FULL)
    return db.session.get(Verification, job_id), True


# Any fixed number: the advisory lock that makes starting a verification one at a time.
_STARTS_LOCK = 0x766F746573_766A6F62 & 0x7FFFFFFFFFFFFFFF


def _one_start_at_a_time(session, pid: int) -> None:
    """Until the transaction ends no other start counts or adds a job, on any worker or host:
    two clicks at once would each count the jobs running before the other's went in, and
    both start (each a city's verification held in memory, ~1.2 GB at 100,000 units).
    PostgreSQL: an advisory lock (heartbeats do not take it and are not held up). SQLite
    writes one transaction at a time: its write lock, taken before the count is read."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _STARTS_LOCK})
    else:
        session.execute(update(Proposal).where(Proposal.id == pid)
                        .values(chain_length=Proposal.chain_length)
                        .execution_options(synchronize_session=False))


def _live_jobs(session) -> int:
    """The running jobs whose worker is alive (a fresh heartbeat), of every proposal: those
    still queued in a worker count too, as they will run there."""
    since = clock.wall_now() - STALE_AFTER
    return session.scalar(select(func.count()).select_from(Verification).where(
        Verification.state == RUNNING,
        func.coalesce(Verification.heartbeat_at, Verification.started_at) >= since))


def _live_job_of(session, actor: str, pid: int) -> str | None:
    """The title of another proposal than `pid` whose verification `actor` started and is
    running (its worker alive), if any. (This proposal's own is shown, or refused by the
    database's one-running-job index.)"""
    since = clock.wall_now() - STALE_AFTER
    return session.scalar(select(Proposal.title).join(
        Verification, Verification.proposal_id == Proposal.id).where(
        Verification.state == RUNNING, Verification.verified_by == actor,
        Verification.proposal_id != pid, func.coalesce(Verification.heartbeat_at, Verification.started_at) >= since).limit(1))


def _new_job(session, proposal: Proposal, actor: str) -> Verification:
    now = clock.wall_now()
    job = Verification(proposal_id=proposal.id, ok=False, outcome=FAILED, state=RUNNING,
                       stage="queued", chain_head=proposal.chain_head or "", report="",
                       verified_by=actor, time=clock.now(), started_at=now, heartbeat_at=now)
    session.add(job)
    session.flush()
    return job


def _queue(app, job_id: int) -> bool:
    with _waiting_lock:
        _waiting.add(job_id)
    if _pool.submit(app, lambda: run(job_id), QUEUE_SIZE):
        return True
    with _waiting_lock:
        _waiting.discard(job_id)
    return False


def _running(pid: int) -> Verification | None:
    # As the database has it now, not as this session read it earlier.
    return db.session.scalar(select(Verification).where(Verification.proposal_id == pid,
                                                        Verification.state == RUNNING)
                             .execution_options(populate_existing=True))


def _give_up(job: Verification, why: str) -> None:
    job.state, job.report = FAILED_TO_RUN, why


def _give_up_stale(session, job: Verification) -> bool:
    """Mark a job read as stale failed_to_run, if its heartbeat is still the one read: its
    worker may have beaten it since (a long step ended, the running job beat the queued
    ones), and a job alive is not given up (it would run on and be written over). False if
    it beat."""
    beat = Verification.heartbeat_at
    query = update(Verification).where(
        Verification.id == job.id, Verification.state == RUNNING,
        beat.is_(None) if job.heartbeat_at is None else beat == job.heartbeat_at)
    given_up = session.execute(query.values(state=FAILED_TO_RUN, report=INTERRUPTED)
                               .execution_options(synchronize_session=False)).rowcount == 1
    session.refresh(job)
    return given_up


def failure_words(report: str) -> str:
    """Why a failed_to_run job did not finish, in the page's language; a sentence stored
    before the codes, as it was."""
    if report == QUEUE_FULL:
        return _("服务器忙，验证未开始，请稍后再试。")
    if report == INTERRUPTED:
        return _("验证中断（处理验证的进程已停止），未得出结果。")
    if report.startswith(REFUSED):
        return _("验证未能完成：%(why)s", why=in_words(json.loads(report[len(REFUSED):])))
    if report.startswith(NOT_COMPLETED):
        return _("验证未能完成：%(why)s", why=report[len(NOT_COMPLETED):])
    if report.startswith(TIMED_OUT):
        return _("验证进行了 %(n)s 分钟仍未结束，已停止（处理验证的进程可能已卡住），未得出结果。",
                 n=report[len(TIMED_OUT):])
    return report


def is_stale(job: Verification) -> bool:
    beat = job.heartbeat_at or job.started_at
    return job.state == RUNNING and (beat is None or clock.wall_now() - beat > STALE_AFTER)


def run(job_id: int) -> None:
    """Carry out a job queued by `start`: export, verify, store (in this app context)."""
    # Claimed as it leaves the queue, in one statement: a job given up while it waited (its
    # heartbeat went stale behind a long one, and a click started another) does not run too.
    with _waiting_lock:
        _waiting.discard(job_id)
    if not _stage(job_id, "export"):
        return
    job = db.session.get(Verification, job_id)
    proposal = db.session.get(Proposal, job.proposal_id)
    actor = job.verified_by
    beating = _Heartbeat(current_app._get_current_object(), job_id, job.started_at)
    try:
        begun = itertools.count(1)
        buffer = io.BytesIO()
        try:
            with verifying():  # after an application package this worker is making
                export_bundle(str(proposal.id), buffer, actor=actor, audited=False)
                db.session.rollback()  # no transaction held open while the verifier works
                report = verify_exported(buffer.getvalue(),
                                         progress=lambda _step: _stage(
                                             job_id, f"{CHECK}{min(next(begun), CHECKS)}"))
        except ChainDamaged as damaged:
            report = Report(outcome=FAILED, failures=tuple(damaged.failures), tally=None,
                            chain_head=proposal.chain_head, entries=damaged.entries,
                            ballots=damaged.ballots, counted=0, proposal=proposal.uid,
                            unlisted=damaged.unlisted, bundle=False)
        db.session.rollback()
        _end(job_id, ok=report.ok, outcome=report.outcome, chain_head=report.chain_head or "",
             report=report.render(), summary=json.dumps(stored_json(report), ensure_ascii=False),
             state=DONE, stage=None, time=clock.now())
    except Exception as err:  # noqa: BLE001 - the page says so; the log has the trace
        log.exception("verification job %s failed", job_id)
        db.session.rollback()
        form = stored_form(err.message) if isinstance(err, DomainError) else None
        if form is not None:
            why = REFUSED + json.dumps(form, ensure_ascii=False)
        else:
            why = NOT_COMPLETED + (err.message if isinstance(err, DomainError)
                                   else type(err).__name__)
        _end(job_id, state=FAILED_TO_RUN, report=why)
    finally:
        beating.stop()


def _end(job_id: int, **values) -> None:
    """Write how the job ended, if it is still running: given up meanwhile (past its maximum
    age, or taken for dead), it stays as it was given up."""
    with unit_of_work() as session:
        ended = session.execute(update(Verification).where(
            Verification.id == job_id, Verification.state == RUNNING).values(**values)
            .execution_options(synchronize_session=False)).rowcount == 1
    if not ended:
        log.warning("verification job %s ended after it was given up: not written", job_id)


def _stage(job_id: int, stage: str) -> bool:
    """Write the running job's stage and heartbeat on a connection of its own (the job's
    session may be in the middle of reading the chain); False if it is no longer running."""
    with db.engine.begin() as connection:
        return connection.execute(update(Verification).where(
            Verification.id == job_id, Verification.state == RUNNING)
            .values(stage=stage, heartbeat_at=clock.wall_now())).rowcount == 1


class _Heartbeat:
    """Beats a running job's heartbeat every HEARTBEAT seconds while the verifier, which
    reports its steps, is inside one long step; until the job is older than its maximum age
    (VERIFY_JOB_MAX_MINUTES from `started_at`, the click): then it gives the job up and
    beats no more (a job that hangs would otherwise hold its slot for ever)."""

    def __init__(self, app, job_id: int, started_at) -> None:
        self.app, self.job_id, self.done = app, job_id, threading.Event()
        self.started_at = started_at
        self.thread = threading.Thread(target=self._beat, name=f"verify-heartbeat-{job_id}",
                                       daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        while not self.done.wait(HEARTBEAT):
            if not self.beat():
                return

    def beat(self) -> bool:
        """This job's heartbeat, and those of the jobs waiting behind it in this process;
        False (and no beat) once the job is past its maximum age, given up."""
        with _waiting_lock:
            ids = [self.job_id, *_waiting]
        try:
            with self.app.app_context():
                limit = verify_job_max_age(self.app.config)
                if self.started_at is not None and clock.wall_now() - self.started_at > limit:
                    self._give_up(limit)
                    return False
                with db.engine.begin() as connection:
                    connection.execute(update(Verification)
                                       .where(Verification.id.in_(ids),
                                              Verification.state == RUNNING)
                                       .values(heartbeat_at=clock.wall_now()))
        except Exception:  # noqa: BLE001 - a missed beat; the next one tries again
            log.exception("verification job %s: heartbeat not written", self.job_id)
        return True

    def _give_up(self, limit: timedelta) -> None:
        """failed_to_run (TIMED_OUT, with the minutes it was given), if still running. The
        jobs queued behind it are no longer beaten: their worker is this hung one, and they
        go stale (STALE_AFTER) like those of a worker that died."""
        minutes = int(limit.total_seconds() // 60)
        with db.engine.begin() as connection:
            connection.execute(update(Verification).where(
                Verification.id == self.job_id, Verification.state == RUNNING)
                .values(state=FAILED_TO_RUN, report=f"{TIMED_OUT}{minutes}"))
        log.error("verification job %s still running after %s minutes: given up",
                  self.job_id, minutes)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def checks_begun(job: Verification | None) -> int | None:
    """How many of the verifier's CHECKS a running job has begun; None while queued or
    exporting (or a stage written by an older worker: the verifier's step number)."""
    stage = (job.stage or "") if job is not None else ""
    if not stage.startswith(CHECK) or not stage[len(CHECK):].isdigit():
        return None
    return min(int(stage[len(CHECK):]), CHECKS)


def running_jobs(proposal_ids: list[int]) -> dict[int, Verification]:
    """The proposals' running jobs whose worker is alive, by proposal id (one query)."""
    if not proposal_ids:
        return {}
    jobs = db.session.scalars(select(Verification).where(
        Verification.proposal_id.in_(proposal_ids), Verification.state == RUNNING))
    return {job.proposal_id: job for job in jobs if not is_stale(job)}


def job_of(proposal: Proposal, job_id: int | None) -> Verification | None:
    """The proposal's job of that id, or None (another proposal's is none of this page's,
    nor a number no id can be: the database refused it, SQLite with an OverflowError)."""
    from votes.models.base import MAX_ID

    if job_id is None or not 0 < job_id <= MAX_ID:
        return None
    job = db.session.get(Verification, job_id)
    return job if job is not None and job.proposal_id == proposal.id else None


def stored_report(job: Verification) -> Report | None:
    """The finished job's report, made again from what was stored (None before the jobs)."""
    if job.state != DONE or not job.summary:
        return None
    return report_from_json(json.loads(job.summary))


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until this process's verification jobs have run (tests)."""
    return _pool.wait_idle(timeout)
