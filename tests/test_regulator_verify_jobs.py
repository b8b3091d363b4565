"""验证导出包 off the request: the click records a verification job and answers at once (303)
to a page that follows it; a thread of the worker exports and verifies. A second click
while it runs shows the same job (the database refuses a second), a job whose worker died is
shown as interrupted with a button to start again, a job that broke says so, and the audit
log has proposal.verify once a job (votes/services/verify_jobs.py).

The tests run the job in the request (VERIFY_IN_REQUEST, tests/conftest.py) except the first,
which runs the real thread and holds it on an Event: nothing here waits on time."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import timedelta

from sqlalchemy import func, select

from tests.money_world import passed_vote, staff_accounts, works_done
from tests.staff_world import sign_in

WAIT = 60  # seconds: a safety net for a broken test, never a timing


def _jobs(app, pid) -> list:
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        return [(v.id, v.state, v.outcome) for v in db.session.scalars(
            select(Verification).where(Verification.proposal_id == int(pid))
            .order_by(Verification.id))]


def _audited(client, pid) -> int:
    rows = csv.DictReader(io.StringIO(client.get("/admin/audit?format=csv").data
                                      .decode("utf-8-sig")))
    return sum(1 for r in rows if r["action"] == "proposal.verify" and r["target"] == pid)


def _regulator(app, runner, tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    return pid


def _running_job(app, pid, beat_minutes_ago: int = 0, by: str = "district") -> int:
    """A running job as another worker left it, beating `beat_minutes_ago` minutes ago."""
    from votes.extensions import db
    from votes.models import Verification
    from votes.services import clock

    with app.app_context():
        then = clock.wall_now() - timedelta(minutes=beat_minutes_ago)
        job = Verification(proposal_id=int(pid), ok=False, outcome="failed", state="running",
                           stage="export", chain_head="", report="", verified_by=by,
                           started_at=then, heartbeat_at=then)
        db.session.add(job)
        db.session.commit()
        return job.id


def _hold_the_verifier(monkeypatch, step: str | None = None):
    """The job's verifier, once entered (`entered` set, after reporting `step` if given),
    waits until the test sets `release`; then it runs as it would have."""
    from votes.services import verify_jobs

    real = verify_jobs.verify_exported
    entered, release = threading.Event(), threading.Event()

    def held(data: bytes, progress=None):
        if step is not None:
            progress(step)
        entered.set()
        assert release.wait(WAIT), "the test never let the verifier go on"
        return real(data, progress)

    monkeypatch.setattr(verify_jobs, "verify_exported", held)
    return entered, release


def test_the_click_answers_at_once_and_the_page_follows_the_job(app, runner, tmp_path, client,
                                                                 monkeypatch):
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_IN_REQUEST"] = False  # the real thread
    entered, release = _hold_the_verifier(monkeypatch, step="6")
    try:
        r = client.post(f"/regulator/p/{pid}/verify")
        assert r.status_code == 303 and f"/regulator/p/{pid}?job=" in r.headers["Location"]
        assert entered.wait(WAIT)
        running = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "正在验证…" in running and "正在核对记录：第 1 项检查（共 10 项）" in running
        assert (f'<meta http-equiv="refresh" content="3; url=/regulator/p/{pid}?job='
                in running and '#verification">' in running)
        assert 'id="verify-bundle"' not in running and 'id="verify-summary"' not in running
        english = client.get(r.headers["Location"].split("#")[0] + "&lang=en").get_data(as_text=True)
        assert "Verifying…" in english and "checking the records: check 1 of 10" in english
        client.get(f"/regulator/p/{pid}?lang=zh_CN")
        # A second click (a double click, another worker) shows the job running.
        again = client.post(f"/regulator/p/{pid}/verify")
        assert again.status_code == 303 and again.headers["Location"] == r.headers["Location"]
        assert [state for _, state, _ in _jobs(app, pid)] == ["running"]
    finally:
        release.set()
        assert verify_jobs.wait_idle(WAIT)
    done = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "验证通过：各项检查均已通过" in done and "验证通过 / VERIFIED" in done
    assert "refresh" not in done and "正在验证" not in done
    assert [(state, outcome) for _, state, outcome in _jobs(app, pid)] == [("done", "verified")]
    assert _audited(client, pid) == 1
    # The same verdict, figures and report as the verifier's in the request.
    app.config["VERIFY_IN_REQUEST"] = True
    inline = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)

    def summary(page):
        return page.split('id="verify-summary"', 1)[1].split("</details>", 1)[0]

    assert summary(inline).replace("验证时间", "") == summary(done).replace("验证时间", "")


def test_a_second_click_starts_no_second_job_even_when_it_does_not_see_the_first(
        app, runner, tmp_path, client, monkeypatch):
    """The one-running-job rule is the database's (a partial unique index): a worker that
    did not see the other's job (two at once) finds its insert refused and shows that one."""
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    first = _running_job(app, pid)
    r = client.post(f"/regulator/p/{pid}/verify")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?job={first}#verification")
    real, calls = verify_jobs._running, []

    def blind_first(pid):
        calls.append(pid)
        return None if len(calls) == 1 else real(pid)

    monkeypatch.setattr(verify_jobs, "_running", blind_first)
    r = client.post(f"/regulator/p/{pid}/verify")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?job={first}#verification")
    assert _jobs(app, pid) == [(first, "running", "failed")]
    assert _audited(client, pid) == 0  # nothing started


def test_a_job_whose_worker_died_is_shown_interrupted_and_can_be_started_again(
        app, runner, tmp_path, client):
    pid = _regulator(app, runner, tmp_path, client)
    dead = _running_job(app, pid, beat_minutes_ago=4)
    page = client.get(f"/regulator/p/{pid}?job={dead}").get_data(as_text=True)
    assert "验证中断" in page and "正在验证" not in page and "refresh" not in page
    assert ">重新验证</button>" in page
    english = client.get(f"/regulator/p/{pid}?job={dead}&lang=en").get_data(as_text=True)
    assert "Verification interrupted" in english and ">Verify again</button>" in english
    done = client.post(f"/regulator/p/{pid}/verify?lang=zh_CN", follow_redirects=True).get_data(as_text=True)
    assert "验证通过：各项检查均已通过" in done
    jobs = _jobs(app, pid)
    assert [(state, outcome) for _, state, outcome in jobs] == [("failed_to_run", "failed"),
                                                                ("done", "verified")]
    assert _audited(client, pid) == 1
    # The interrupted job's page now says it did not finish, with the last result below.
    old = client.get(f"/regulator/p/{pid}?job={dead}").get_data(as_text=True)
    assert "验证未能完成" in old and 'id="last-verification"' in old


def test_a_job_that_breaks_says_so_and_keeps_the_last_result(app, runner, tmp_path, client,
                                                              monkeypatch, caplog):
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    client.post(f"/regulator/p/{pid}/verify")

    def broken(data, progress=None):
        raise MemoryError("out of memory")

    monkeypatch.setattr(verify_jobs, "verify_exported", broken)
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证未能完成，没有得出结果" in page and ">重新验证</button>" in page
    assert 'id="verify-summary"' not in page
    assert "已验证" in page  # the last verification that finished, still shown
    assert [s for _, s, _ in _jobs(app, pid)] == ["done", "failed_to_run"]
    assert _audited(client, pid) == 2


def test_a_damaged_chain_is_a_failed_verification_stored_by_the_job(app, runner, tmp_path,
                                                                     client):
    from tests.test_tampered_chain_store import _tamper

    pid = _regulator(app, runner, tmp_path, client)
    _tamper(app, pid, "ballot")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证失败" in page and "验证未能完成" not in page
    assert [(s, o) for _, s, o in _jobs(app, pid)] == [("done", "failed")]


def test_the_stored_report_shows_again_as_the_verifier_wrote_it(app, runner, tmp_path):
    """The page of a finished job shows the report made again from what was stored: it
    renders word for word as the verifier's own, works figures and all."""
    from votes.core.verifier import verify_bundle
    from votes.core.verifier_report import report_from_json, stored_json

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    for data in (bundle.read_bytes(), bundle.read_bytes()[:-200]):
        report = verify_bundle(data, trust_bundle_keys=True)
        again = report_from_json(json.loads(json.dumps(stored_json(report))))
        assert again.render() == report.render()
        assert again == report or report.outcome == "failed"


def test_one_running_job_a_proposal_is_the_databases_rule(app, runner, tmp_path):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from votes.extensions import db
    from votes.models import Verification

    pid = passed_vote(app, runner, tmp_path)["pid"]
    _running_job(app, pid)
    with pytest.raises(IntegrityError):
        _running_job(app, pid)
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Verification)) == 1


def _verification_cells(client) -> tuple[str, str]:
    """The overview's 验证 cell (the first row: the one proposal) and its CSV's."""
    page = client.get("/regulator/").get_data(as_text=True)
    row = page.split("<tr><td>", 1)[1].split("</tr>", 1)[0]
    cell = row.rsplit("<td>", 1)[1]
    rows = list(csv.DictReader(io.StringIO(client.get("/regulator/?format=csv").data
                                           .decode("utf-8-sig"))))
    return cell, rows[0]["验证"]


def test_the_overview_and_its_csv_show_a_verification_running(app, runner, tmp_path, client):
    pid = _regulator(app, runner, tmp_path, client)
    cell, csv_cell = _verification_cells(client)
    assert "未验证" in cell and "正在验证" not in cell and csv_cell == ""
    job = _running_job(app, pid)
    cell, csv_cell = _verification_cells(client)
    assert 'id="overview-verifying-' in cell and "正在验证…" in cell and "未验证" not in cell
    assert csv_cell == "正在验证…"
    # Finished, it is the result; a later one running is said beside the last result.
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        db.session.get(Verification, job).state = "failed_to_run"
        db.session.commit()
    client.post(f"/regulator/p/{pid}/verify")
    cell, csv_cell = _verification_cells(client)
    assert "已验证" in cell and "正在验证" not in cell and csv_cell == "已验证"
    _running_job(app, pid)
    cell, csv_cell = _verification_cells(client)
    assert "正在验证…" in cell and "已验证" in cell
    assert csv_cell == "正在验证…（上次结果：已验证）"
    english = client.get("/regulator/?lang=en").get_data(as_text=True)
    assert "Verifying…" in english
    client.get("/regulator/?lang=zh_CN")
    # A running job whose worker died is no verification running.
    with app.app_context():
        for v in db.session.scalars(select(Verification).where(Verification.state == "running")):
            v.state = "failed_to_run"
        db.session.commit()
    _running_job(app, pid, beat_minutes_ago=4)
    cell, csv_cell = _verification_cells(client)
    assert "正在验证" not in cell and csv_cell == "已验证"


def test_the_running_pages_progress_only_moves_forward(app, runner, tmp_path, client,
                                                       monkeypatch):
    """The verifier reports the steps it begins as §5 numbers them (1–7, 10, 15, then 4.4
    for the signatures gathered on the way): the page counts the checks begun, of all
    of them, and never goes back."""
    import queue
    import re

    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_IN_REQUEST"] = False  # the real thread, held after each step
    real = verify_jobs.verify_exported
    reported, go, let_go = queue.Queue(), threading.Event(), threading.Event()

    def stepping(data: bytes, progress=None):
        def each(step):
            progress(step)
            if let_go.is_set():  # the test failed: run to the end
                return
            go.clear()
            reported.put(step)
            assert go.wait(WAIT), "the test never let the verifier go on"

        report = real(data, each)
        reported.put(None)
        return report

    monkeypatch.setattr(verify_jobs, "verify_exported", stepping)
    shown = []
    try:
        r = client.post(f"/regulator/p/{pid}/verify")
        location = r.headers["Location"].split("#")[0]
        while (step := reported.get(timeout=WAIT)) is not None:
            stage = client.get(location).get_data(as_text=True).split(
                'id="verify-stage">', 1)[1].split("</span>", 1)[0]
            found = re.search(r"正在核对记录：第 (\d+) 项检查（共 (\d+) 项）", stage)
            assert found, stage
            shown.append((step, int(found[1]), int(found[2])))
            go.set()
    finally:
        let_go.set()
        go.set()
        assert verify_jobs.wait_idle(WAIT)
    assert [s for s, _, _ in shown] == ["1", "2", "3", "4", "5", "6", "7", "10", "15", "4.4"]
    counts = [n for _, n, _ in shown]
    assert counts == sorted(counts) and counts[-1] == shown[-1][2] == len(shown)


def test_a_job_given_up_while_it_waited_in_the_queue_never_runs(app, runner, tmp_path, client,
                                                                 monkeypatch):
    """The worker is busy (another proposal's verification): a click queues this one. Its
    heartbeat is then older than STALE_AFTER (it waited long behind the other, or the clock
    says so here), so a second click gives it up and queues another. The first must not run
    when its turn comes: two exports and verifications of one proposal, and the given-up
    job's row written "done" over failed_to_run."""
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_IN_REQUEST"] = False
    real, verified = verify_jobs.verify_exported, []

    def counted(data: bytes, progress=None):
        verified.append(1)
        return real(data, progress)

    monkeypatch.setattr(verify_jobs, "verify_exported", counted)
    busy, release = threading.Event(), threading.Event()

    def other_proposal():
        busy.set()
        assert release.wait(WAIT), "the test never let the worker go on"

    try:
        assert verify_jobs._pool.submit(app, other_proposal, verify_jobs.QUEUE_SIZE)
        assert busy.wait(WAIT)
        first = client.post(f"/regulator/p/{pid}/verify")
        first_id = int(first.headers["Location"].split("job=")[1].split("#")[0])
        from votes.extensions import db
        from votes.models import Verification
        from votes.services import clock

        with app.app_context():
            job = db.session.get(Verification, first_id)
            job.heartbeat_at = job.started_at = clock.wall_now() - timedelta(minutes=4)
            db.session.commit()
        second = client.post(f"/regulator/p/{pid}/verify")
        assert second.headers["Location"] != first.headers["Location"]
    finally:
        release.set()
        assert verify_jobs.wait_idle(WAIT)
    assert len(verified) == 1
    assert [state for _, state, _ in _jobs(app, pid)] == ["failed_to_run", "done"]


def test_a_job_waiting_behind_another_beats_with_it(app, runner, tmp_path, client, monkeypatch):
    """One verifier a process: a city's verification takes minutes, and eight may wait
    behind it. A waiting job's heartbeat is beaten by the running one's, so that a job
    merely queued is neither shown interrupted (验证中断) nor given up by the next click."""
    import queue

    from votes.extensions import db
    from votes.models import Verification
    from votes.services import clock, verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    (tmp_path / "other").mkdir()
    other = passed_vote(app, runner, tmp_path / "other", code="MOON")["pid"]
    # Another district's vote is none of this regulator's to verify.
    assert client.post(f"/regulator/p/{other}/verify").status_code == 404
    assert _jobs(app, other) == []
    with app.app_context():
        from votes.services.communities import get_community

        get_community("MOON").jurisdiction = "350502"
        db.session.commit()
    app.config["VERIFY_IN_REQUEST"] = False
    entered, release = _hold_the_verifier(monkeypatch)
    beats = queue.Queue()
    # The running job's beats, each signalled; the test waits for one, not for a time.
    monkeypatch.setattr(verify_jobs, "HEARTBEAT", 0.01)
    beat = verify_jobs._Heartbeat.beat

    def signalled(self):
        going = beat(self)  # False once the job is given up (VERIFY_JOB_MAX_MINUTES)
        beats.put(1)
        return going

    monkeypatch.setattr(verify_jobs._Heartbeat, "beat", signalled)
    # The job ahead is another regulator's: one login runs one verification at a time.
    from tests.staff_world import PASSWORD

    result = runner.invoke(args=["users", "create", "--no-must-change", "district2", "--role",
                                 "regulator", "--jurisdiction", "350502", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    colleague = app.test_client()
    sign_in(colleague, "district2")
    try:
        assert colleague.post(f"/regulator/p/{other}/verify").status_code == 303
        assert entered.wait(WAIT)
        r = client.post(f"/regulator/p/{pid}/verify")
        waiting = int(r.headers["Location"].split("job=")[1].split("#")[0])
        long_ago = clock.wall_now() - timedelta(minutes=4)
        with app.app_context():
            db.session.get(Verification, waiting).heartbeat_at = long_ago
            db.session.commit()
        while not beats.empty():
            beats.get_nowait()
        beats.get(timeout=WAIT)
        beats.get(timeout=WAIT)  # a whole beat after the heartbeat was set back
        page = client.get(f"/regulator/p/{pid}?job={waiting}").get_data(as_text=True)
        assert "正在验证…" in page and "验证中断" not in page
        again = client.post(f"/regulator/p/{pid}/verify")
        assert again.headers["Location"] == r.headers["Location"]
    finally:
        release.set()
        assert verify_jobs.wait_idle(WAIT)
    assert [state for _, state, _ in _jobs(app, pid)] == ["done"]


def _another_proposal(runner) -> int:
    """A second proposal of the community (a draft: its job, set up by hand, is what counts)."""
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "外墙维修", "--matter", "use_fund",
        "--scope", "all", "--budget", "100.00", "--item", "外墙维修:100.00",
        "--publicity-start", "2027-01-10T09:00", "--voting-start", "2027-01-21T09:00",
        "--voting-end", "2027-01-28T09:00"])
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def _beat(app, job_id, when) -> None:
    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        job = db.session.get(Verification, job_id)
        job.heartbeat_at = job.started_at = when
        db.session.commit()


def test_no_more_verifications_run_at_once_than_the_deployment_allows(app, runner, tmp_path,
                                                                        client):
    """Each worker runs one verification at a time, but a city has many workers on several
    hosts: one regulator clicking several city-sized votes ran that many at once (~1.2 GB
    each at 100,000 units). VERIFY_JOBS_MAX counts the running jobs of every worker in the
    database: over it the click is refused in words, nothing recorded, and a later click
    (once the other job has ended or its worker has died) starts it."""
    from datetime import datetime, timezone

    pid = _regulator(app, runner, tmp_path, client)
    other = _another_proposal(runner)
    now = datetime.now(timezone.utc)  # the wall clock, held still from here
    app.config["VOTES_WALL_NOW"] = now
    app.config["VERIFY_JOBS_MAX"] = 1
    elsewhere = _running_job(app, other, by="another")  # another worker's, beating now
    refused = client.post(f"/regulator/p/{pid}/verify")
    page = refused.get_data(as_text=True)
    # The view's 60 s; Flask-Limiter, whose limit the route has, rewrites the header as
    # seconds from now to the later of it and its own window's end: 59 a moment later.
    assert refused.status_code == 503 and refused.headers["Retry-After"] in ("59", "60")
    assert 'id="verify-busy" role="alert">已有 1 项验证在进行，请稍后再试。' in page
    assert "全系统同时最多进行 1 项验证" in page and 'id="verify-bundle"' in page
    assert _jobs(app, pid) == [] and _audited(client, pid) == 0
    english = client.post(f"/regulator/p/{pid}/verify?lang=en").get_data(as_text=True)
    assert "1 verification is already running; please try again later." in english
    client.get(f"/regulator/p/{pid}?lang=zh_CN")
    # Its last beat exactly STALE_AFTER ago: still alive, still counted.
    _beat(app, elsewhere, now - timedelta(minutes=3))
    assert client.post(f"/regulator/p/{pid}/verify").status_code == 503
    # A second later its worker is taken for dead: it no longer counts.
    _beat(app, elsewhere, now - timedelta(minutes=3, seconds=1))
    done = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert done.status_code == 200 and "验证通过：各项检查均已通过" in done.get_data(as_text=True)
    assert [(s, o) for _, s, o in _jobs(app, pid)] == [("done", "verified")]
    assert _audited(client, pid) == 1
    # Two allowed: one running elsewhere leaves room for this one.
    app.config["VERIFY_JOBS_MAX"] = 2
    _beat(app, elsewhere, now)
    assert client.post(f"/regulator/p/{pid}/verify").status_code == 303
    assert [s for _, s, _ in _jobs(app, pid)] == ["done", "done"]


def test_a_job_of_this_proposal_running_is_shown_whatever_the_limit(app, runner, tmp_path,
                                                                     client):
    """The limit refuses a new job, never the page of the one running (a second click)."""
    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_JOBS_MAX"] = 1
    first = _running_job(app, pid)
    r = client.post(f"/regulator/p/{pid}/verify")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?job={first}#verification")


def test_a_stale_job_that_beats_before_it_is_given_up_is_not_given_up(app, runner, tmp_path,
                                                                       client, monkeypatch):
    """start read the job as stale (its worker inside a long step), then its heartbeat beat
    before start gave it up: giving it up anyway wrote failed_to_run over a job that ran on
    (and a second one started beside it). The give-up is conditional on the heartbeat read."""
    from sqlalchemy import update

    from votes.extensions import db
    from votes.models import Verification
    from votes.services import clock, verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    job = _running_job(app, pid, beat_minutes_ago=4)
    real = verify_jobs._running
    reads = []

    def beats_after_the_read(proposal_id):
        found = real(proposal_id)
        if not reads:  # the worker's heartbeat lands just after start read the job
            db.session.execute(update(Verification).where(Verification.id == job)
                               .values(heartbeat_at=clock.wall_now())
                               .execution_options(synchronize_session=False))
        reads.append(found)
        return found

    monkeypatch.setattr(verify_jobs, "_running", beats_after_the_read)
    r = client.post(f"/regulator/p/{pid}/verify")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"?job={job}#verification")
    assert _jobs(app, pid) == [(job, "running", "failed")]
    assert _audited(client, pid) == 0


def test_the_limit_is_a_whole_number_of_at_least_one(sqlite_template, tmp_path, monkeypatch):
    import pytest

    from tests.security.test_transport import _app

    monkeypatch.setenv("VOTES_VERIFY_JOBS_MAX", "3")
    assert _app(sqlite_template, tmp_path, "three").config["VERIFY_JOBS_MAX"] == 3
    monkeypatch.setenv("VOTES_VERIFY_JOBS_MAX", "")
    assert _app(sqlite_template, tmp_path, "default").config["VERIFY_JOBS_MAX"] == 2
    monkeypatch.setenv("VOTES_VERIFY_JOBS_MAX", "0")  # would refuse every verification
    with pytest.raises(ValueError, match="VOTES_VERIFY_JOBS_MAX must be at least 1"):
        _app(sqlite_template, tmp_path, "zero")


def test_one_regulator_cannot_hold_every_verification_slot(app, runner, tmp_path, client):
    """VERIFY_JOBS_MAX is shared by every district: one regulator (or a stolen regulator
    account) clicking several city-sized votes took every slot for as long as they ran, and
    every other district's verification was refused meanwhile. A login runs one verification
    at a time: its second waits for its first, in words, nothing recorded; another
    regulator's click still starts."""
    from datetime import datetime, timezone

    pid = _regulator(app, runner, tmp_path, client)
    other = _another_proposal(runner)
    app.config["VOTES_WALL_NOW"] = datetime.now(timezone.utc)
    app.config["VERIFY_JOBS_MAX"] = 3
    mine = _running_job(app, other)  # this regulator's own, on another worker, beating now
    refused = client.post(f"/regulator/p/{pid}/verify")
    page = refused.get_data(as_text=True)
    # The view's 60 s; Flask-Limiter, whose limit the route has, rewrites the header as
    # seconds from now to the later of it and its own window's end: 59 a moment later.
    assert refused.status_code == 503 and refused.headers["Retry-After"] in ("59", "60")
    assert 'id="verify-busy" role="alert">您已有一项验证在进行（外墙维修），' in page, page
    assert _jobs(app, pid) == [] and _audited(client, pid) == 0
    english = client.post(f"/regulator/p/{pid}/verify?lang=en").get_data(as_text=True)
    assert "You already have a verification running" in english
    client.get(f"/regulator/p/{pid}?lang=zh_CN")
    # Another regulator's job does not count as this one's.
    _beat(app, mine, datetime.now(timezone.utc) - timedelta(minutes=5))  # its worker died
    _running_job(app, _another_proposal(runner), by="another")
    done = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert "验证通过：各项检查均已通过" in done.get_data(as_text=True)


def test_a_loop_of_clicks_cannot_run_verification_after_verification(app, runner, tmp_path,
                                                                       client):
    """Each click once the last job has ended starts another: an export and a verification
    of the whole vote (a worker's core, ~1.2 GB at 100,000 units), a verifications row and an
    audit entry written under the log's lock, which every audited action of every community
    takes. A script looping over one small vote from a regulator's account (or a stolen one)
    kept a slot of VERIFY_JOBS_MAX busy and filled the log without end. Starts are limited
    per account (10 a minute, far more than anyone clicks): then 429, nothing started or
    audited; another account still starts."""
    pid = _regulator(app, runner, tmp_path, client)
    codes = [client.post(f"/regulator/p/{pid}/verify").status_code for _ in range(11)]
    assert codes[:10] == [303] * 10 and codes[10] == 429, codes
    assert [s for _, s, _ in _jobs(app, pid)] == ["done"] * 10
    assert _audited(client, pid) == 10
    # The page itself (and the running job's, a GET) is not limited.
    assert client.get(f"/regulator/p/{pid}").status_code == 200
    from tests.staff_world import PASSWORD

    result = runner.invoke(args=["users", "create", "--no-must-change", "district2", "--role",
                                 "regulator", "--jurisdiction", "350502", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    colleague = app.test_client()
    sign_in(colleague, "district2")
    assert colleague.post(f"/regulator/p/{pid}/verify").status_code == 303
    assert len(_jobs(app, pid)) == 11


def test_a_job_that_breaks_frees_its_slot_at_once(app, runner, tmp_path, client, monkeypatch):
    """A verification that broke (the verifier out of memory) with the one slot allowed:
    the slot is free at once, not after STALE_AFTER (the job is no longer running, its
    heartbeat no longer counted): the next click starts and finishes."""
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_JOBS_MAX"] = 1
    real = verify_jobs.verify_exported

    def broken(data, progress=None):
        raise MemoryError("out of memory")

    monkeypatch.setattr(verify_jobs, "verify_exported", broken)
    assert client.post(f"/regulator/p/{pid}/verify").status_code == 303
    assert [s for _, s, _ in _jobs(app, pid)] == ["failed_to_run"]
    monkeypatch.setattr(verify_jobs, "verify_exported", real)
    assert client.post(f"/regulator/p/{pid}/verify").status_code == 303
    assert [s for _, s, _ in _jobs(app, pid)] == ["failed_to_run", "done"]
