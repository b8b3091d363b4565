"""The money follows the decision the rules of procedure make: works wait for the final
result of an objection period, and a vote decided by 从多 may proceed; either way the
bundle with its works entries verifies (§17, §18, §19)."""

from __future__ import annotations

from datetime import timedelta

from tests.money_world import works_done
from tests.procedure_world import (ALL_AGREE, END, at, chain_entries, close_at_end,
                                   export_and_verify, open_vote, scan, show, vote)
from tests.test_follow_majority import deliver



def test_works_wait_for_the_final_result_of_the_objection_period(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(days=1))  # the period is running: the decision is not final
    early = runner.invoke(args=["works", "contract", pid, "--contractor", "福州电梯工程有限公司",
                                "--amount", "6000.00", "--evidence", scan(tmp_path)])
    assert early.exit_code != 0 and "最终结果" in early.output
    assert "works" not in [e["kind"] for e in chain_entries(export_and_verify(
        app, runner, tmp_path, pid)[0])]
    at(app, END + timedelta(days=2))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "published"
    works_done(runner, tmp_path, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    kinds = [e["kind"] for e in chain_entries(data)]
    assert kinds.index("result") < kinds.index("works")


def test_a_vote_passed_by_follow_the_majority_may_proceed_to_works(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in ("D", "E"):
        assert deliver(runner, tmp_path, pid, voter).exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    fig = show(runner, pid)
    assert fig["passed"] is False and fig["outcome"]["passed"] is True  # ballots alone fail
    works_done(runner, tmp_path, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    assert [e["kind"] for e in chain_entries(data)].count("works") == 3


def test_the_regulator_is_offered_the_package_where_the_decision_lets_money_out(
        app, runner, tmp_path, client):
    """The regulator's proposal page offered the application package on the ballots' tally
    alone: not for a vote passed by 从多 (the package is made for it), and for a passed
    vote on raising the fund (the package is refused for it, a page of refusal)."""
    from tests.money_world import passed_vote, staff_accounts
    from tests.staff_world import sign_in

    raised = passed_vote(app, runner, tmp_path, code="MOON", matter="raise_fund")["pid"]
    staff_accounts(app, runner, code="MOON")
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in ("D", "E"):
        assert deliver(runner, tmp_path, pid, voter).exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"  # the district's, as MOON
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert 'id="download-application"' in page
    assert client.get(f"/committee/p/{pid}/application.zip").status_code == 200
    page = client.get(f"/regulator/p/{raised}").get_data(as_text=True)
    assert 'id="download-application"' not in page


def _contract(runner, tmp_path, pid):
    return runner.invoke(args=["works", "contract", pid, "--contractor", "福州电梯工程有限公司",
                               "--amount", "6000.00", "--evidence", scan(tmp_path)])


def test_works_commands_see_the_proposal_as_the_clock_has_made_it(app, runner, tmp_path):
    """Voting ended by the clock, the timer (`votes tick`) not run since: the works pages
    take the proposal as closed, `votes works` refused it as still voting."""
    pid = open_vote(app, runner, tmp_path)
    vote(runner, tmp_path, pid, ALL_AGREE)
    at(app, END + timedelta(hours=1))
    result = _contract(runner, tmp_path, pid)
    assert result.exit_code == 0, result.output
    assert show(runner, pid)["state"] == "closed"


def test_works_commands_see_the_final_result_the_clock_has_published(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(days=2, hours=1))  # the period over, the timer not run since
    result = _contract(runner, tmp_path, pid)
    assert result.exit_code == 0, result.output
    assert show(runner, pid)["state"] == "published"
