"""An urgent vote (`proposal create --emergency`, 紧急情况：可缩短公示期) is an owners' vote
like any other, only its publicity may be shorter; an emergency use (`works emergency`,
应急使用, state "emergency") is the one decided without a vote (§18.6). The flag
Proposal.emergency is set on both, so it cannot tell "no vote": the delivery of its notice
(从多), the objection period's words and the acceptance's date were those of a use without
a vote for every urgent vote."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.money_world import evidence, passed_vote
from tests.procedure_world import (END, at, close_at_end, export_and_verify, open_vote, scan,
                                   show, unit_args, vote)
from tests.staff_world import committee_clerk, sign_in

URGENT = ("--emergency",)


def _deliver(runner, tmp_path, pid, voter):
    return runner.invoke(args=["proposal", "delivery", pid, *unit_args(voter), "--method",
                               "hand", "--at", "2026-11-25T10:00", "--evidence",
                               scan(tmp_path, f"receipt-{voter}.jpg", voter.encode()),
                               "--by", "clerk1"])


def test_an_urgent_vote_takes_deliveries_of_its_notice(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full", create=URGENT)
    assert show(runner, pid)["state"] == "voting"
    delivered = _deliver(runner, tmp_path, pid, "D")
    assert delivered.exit_code == 0, delivered.output
    assert "应急使用" not in delivered.output
    assert _deliver(runner, tmp_path, pid, "E").exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    fig = show(runner, pid)
    assert fig["outcome"]["follow"]["headcount"] == 2 and fig["outcome"]["passed"] is True
    _data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()


def test_the_committee_page_takes_an_urgent_votes_delivery(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full", create=URGENT)
    committee_clerk(runner)
    sign_in(client, "clerk")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="delivery-submit"' in page
    done = client.post(f"/committee/p/{pid}/delivery", follow_redirects=True,
                       content_type="multipart/form-data", data={
                           "building": "2", "entrance": "1", "room": "201",
                           "method": "registered_mail", "delivered_at": "2026-11-28T10:00",
                           "evidence": (io.BytesIO(b"\xff\xd8\xff receipt"), "ems.jpg")})
    text = done.get_data(as_text=True)
    assert "应急使用不经业主表决" not in text
    assert "已记录送达" in text and "已录入送达记录 1 户" in text


def test_an_urgent_votes_objection_period_speaks_of_its_vote(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=2", create=URGENT)
    early = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                "票数不对", "--evidence", scan(tmp_path)])
    assert early.exit_code == 1 and "表决结束后才能提出异议" in early.output, early.output
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "agree"})
    close_at_end(app, runner, pid)
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                "票数不对", "--evidence", scan(tmp_path)])
    assert filed.exit_code == 0, filed.output
    at(app, END + timedelta(days=3))
    late = runner.invoke(args=["proposal", "objection", pid, *unit_args("C"), "--text",
                               "票数不对", "--evidence", scan(tmp_path)])
    assert late.exit_code == 1 and "异议期已于" in late.output, late.output
    assert "应急使用" not in early.output + late.output


def test_an_urgent_vote_without_an_objection_period_says_so(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, create=URGENT)
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "agree"})
    close_at_end(app, runner, pid)
    refused = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                  "票数不对", "--evidence", scan(tmp_path)])
    assert refused.exit_code == 1 and "本事项不设异议期" in refused.output, refused.output


def test_an_urgent_votes_works_are_not_accepted_before_its_close(app, runner, tmp_path):
    """The works of a vote are paid once it passed: an acceptance dated while the vote was
    still open is refused, as for any vote (only an emergency use, decided when published,
    dates from its application)."""
    pid = passed_vote(app, runner, tmp_path, extra=URGENT)["pid"]
    contract = runner.invoke(args=["works", "contract", pid, "--contractor", "福州电梯工程有限公司",
                                   "--amount", "6000.00", "--evidence", evidence(tmp_path)])
    assert contract.exit_code == 0, contract.output
    early = runner.invoke(args=["works", "acceptance", pid, "--date", "2026-12-03",
                                "--participant", "业委会", "--evidence",
                                evidence(tmp_path, "photo.jpg", b"\xff\xd8 photo")])
    assert early.exit_code == 1 and "早于本表决结束的日期" in early.output, early.output
    assert "应急使用" not in early.output
