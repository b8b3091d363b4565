"""The regulator's pages given what a browser, a bookmark or a script may send: numbers the
database cannot hold, and more at once than a worker's memory was sized for."""

from __future__ import annotations

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in


def _regulator(app, runner, tmp_path, client) -> str:
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    return pid


def test_a_job_number_the_database_cannot_hold_is_no_job_not_an_error(app, runner, tmp_path,
                                                                       client):
    """?job= is read as any integer: one past the ids' column reached the database as it was
    (SQLite: OverflowError, a 500; PostgreSQL: out of range, a refusal page). Like an id of
    another proposal's job, it is none of this page's: the proposal is shown."""
    pid = _regulator(app, runner, tmp_path, client)
    for job in ("2147483648", "9223372036854775808", "9" * 30, "-1", "0"):
        r = client.get(f"/regulator/p/{pid}?job={job}")
        page = r.get_data(as_text=True)
        assert r.status_code == 200, (job, page[:300])
        assert 'id="verify-bundle"' in page and 'id="verify-running"' not in page, job


WAIT = 60  # seconds: a safety net for a broken test, never a timing


def _hold_the_package_verifier(monkeypatch):
    """The application package's verifier, the first time it is entered (`entered` set),
    waits until the test sets `release`; then it runs as it would have. Later calls run."""
    import threading

    from votes.services import export

    real = export.verify_exported
    entered, release = threading.Event(), threading.Event()

    def held(data: bytes, progress=None):
        if not entered.is_set():
            entered.set()
            assert release.wait(WAIT), "the test never let the verifier go on"
        return real(data, progress)

    monkeypatch.setattr(export, "verify_exported", held)
    return entered, release


def test_application_packages_asked_for_at_once_are_made_one_at_a_time(app, runner, tmp_path,
                                                                       client, monkeypatch):
    """申请材料 exports and verifies the whole vote in the request (~1.2 GB at 100,000 units,
    as 验证导出包 does), but took none of VERIFY_JOBS_MAX's slots: a regulator opening it in
    ten tabs (or a script, or a committee member's account) held ten verifications in one
    worker's memory. A worker makes one at a time, as it runs one 验证导出包: a second
    request meanwhile is refused in words (503, try again in a minute), nothing made."""
    import threading

    pid = _regulator(app, runner, tmp_path, client)
    url = f"/committee/p/{pid}/application.zip"
    entered, release = _hold_the_package_verifier(monkeypatch)
    first: dict = {}

    def download():
        other = app.test_client()
        sign_in(other, "district")
        first["response"] = other.get(url)

    thread = threading.Thread(target=download)
    thread.start()
    try:
        assert entered.wait(WAIT)
        refused = client.get(url)
        assert refused.status_code == 503, refused.status_code
        assert refused.headers["Retry-After"] in ("59", "60")  # the limiter sets it again
        assert "正在验证" in refused.get_data(as_text=True)
        assert refused.mimetype == "text/html"
    finally:
        release.set()
        thread.join(WAIT)
    assert first["response"].status_code == 200
    assert first["response"].mimetype == "application/zip"
    # Once it is made, the next one is.
    again = client.get(url)
    assert again.status_code == 200 and again.mimetype == "application/zip"


def test_a_package_asked_for_while_the_worker_runs_a_verification_waits_its_turn(
        app, runner, tmp_path, client, monkeypatch):
    """The worker's 验证导出包 (on its background thread) and a package made in a request
    are the same work held in the same memory: one at a time in a worker."""
    from votes.services import verify_jobs

    pid = _regulator(app, runner, tmp_path, client)
    app.config["VERIFY_IN_REQUEST"] = False  # the real thread
    import threading

    real = verify_jobs.verify_exported
    entered, release = threading.Event(), threading.Event()

    def held(data: bytes, progress=None):
        entered.set()
        assert release.wait(WAIT), "the test never let the verifier go on"
        return real(data, progress)

    monkeypatch.setattr(verify_jobs, "verify_exported", held)
    try:
        assert client.post(f"/regulator/p/{pid}/verify").status_code == 303
        assert entered.wait(WAIT)
        refused = client.get(f"/committee/p/{pid}/application.zip")
        assert refused.status_code == 503 and refused.headers["Retry-After"] in ("59", "60")
    finally:
        release.set()
        assert verify_jobs.wait_idle(WAIT)
    made = client.get(f"/committee/p/{pid}/application.zip")
    assert made.status_code == 200 and made.mimetype == "application/zip"
