"""The money follows the decision the rules of procedure make: works wait for the final
result of an objection period, and a vote decided by 从多 may proceed; either way the
bundle with its works entries verifies (§17, §18, §19)."""

from __future__ import annotations

from datetime import timedelta

from tests.money_world import works_done
from tests.procedure_world import (END, at, chain_entries, close_at_end, export_and_verify,
                                   open_vote, scan, show, vote)
from tests.test_follow_majority import deliver

ALL_AGREE = {v: "agree" for v in "ABCDE"}


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
