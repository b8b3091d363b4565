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
