"""The owner's records after the vote (/p/<uid>/mine) say at the top what the public board
says of the outcome at that moment: the preliminary result and the objection period's end
while objections may be filed, the final result once there is one. An owner signed in on a
phone learned whether the vote passed only by thinking of the board. Nobody else's choice
is shown there: the figures stay on the board, linked."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import resident_id, voter_token
from tests.procedure_world import (ALL_AGREE, END, at, close_at_end, file_objection, open_vote,
                                   show, uphold_objection, vote)

FIGURES = ("同意 5 人", "同意 3 人", "反对", "弃权")  # the board's figures: not on /mine


def _outcome(html: str) -> str:
    """The outcome card's words (a time kept on one line is a span), up to the owner's
    own ballot."""
    assert 'id="outcome"' in html, html
    card = html.split('id="outcome"')[1].split('id="my-ballot"')[0]
    return card.replace('<span class="nowrap">', "").replace("</span>", "")


def _read_only(app, client, pid, room="101", serial=1) -> str:
    """The notice's link and its second factor after the vote: lands on /mine."""
    uid = show_uid(app, pid)
    start = client.get(f"/v/{voter_token(app, {'id': int(pid)}, room=room)}")
    assert start.status_code == 302 and start.location.endswith(f"/p/{uid}/verify"), \
        start.get_data(as_text=True)
    done = client.post(start.location, data={"method": "id", "answer": resident_id(serial)[-6:]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{uid}/mine"), done.location
    return uid


def show_uid(app, pid) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(str(pid)).uid


def test_in_the_objection_period_mine_gives_the_preliminary_result_and_the_period_end(
        app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=2))
    uid = show_uid(app, pid)
    # Signed in through the notice's link to object (the period is open), then to /mine.
    token = voter_token(app, {"id": int(pid)}, room="202")
    client.get(f"/v/{token}/objection")
    client.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(4)[-6:]})
    page = client.get(f"/p/{uid}/mine")
    assert page.status_code == 200
    top = _outcome(page.get_data(as_text=True))
    assert "初步结果：表决通过" in top, top
    assert "异议期至 2026-12-11 09:00（北京时间），期满并答复全部异议后公布最终结果。" in top, top
    # Said once, by the result line: the period's line beside it said 初步结果 again.
    assert top.count("初步结果") == 1, top
    assert f'href="/p/{uid}#result"' in top
    html = page.get_data(as_text=True)
    assert not [w for w in FIGURES if w in html], html
    # Seen at 360 px: the result comes first, then when it becomes final; the period's
    # end was split 2026-12-|11 across lines (on the board too).
    assert html.index('id="result"') < html.index('id="preliminary"')
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    for page_html in (html, board):
        line = page_html.split('id="preliminary"')[1].split("</p>")[0]
        assert '<span class="nowrap">2026-12-11 09:00</span>' in line, line
    english = client.get(f"/p/{uid}/mine?lang=en").get_data(as_text=True)
    top = _outcome(english)
    assert "Preliminary result: passed" in top and "2026-12-11 09:00" in top, top


def test_after_the_period_mine_waits_for_the_answers_then_gives_the_final_result(
        app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=3))
    seq = file_objection(runner, tmp_path, pid)
    at(app, END + timedelta(days=1, hours=1))  # the period is over, the objection unanswered
    assert runner.invoke(args=["tick"]).exit_code == 0 and show(runner, pid)["state"] == "closed"
    client = app.test_client()
    uid = _read_only(app, client, pid)
    top = _outcome(client.get(f"/p/{uid}/mine").get_data(as_text=True))
    assert "初步结果：表决通过" in top, top
    assert "异议期已结束：业主委员会答复全部异议后公布最终结果。" in top, top
    assert "异议期至" not in top  # the period's line is the board's only while it runs

    uphold_objection(runner, pid, seq)
    html = client.get(f"/p/{uid}/mine").get_data(as_text=True)
    top = _outcome(html)
    assert "表决未通过" in top and "初步结果" not in top and "异议期" not in top, top
    assert not [w for w in FIGURES if w in html], html
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert 'id="result">表决未通过<' in board  # the board says the same, in the same words
    english = _outcome(client.get(f"/p/{uid}/mine?lang=en").get_data(as_text=True))
    assert "Not passed" in english and "Preliminary" not in english, english


def test_without_an_objection_period_mine_gives_the_result_at_the_close(app, runner, tmp_path):
    from tests.money_world import passed_vote

    proposal = passed_vote(app, runner, tmp_path)
    client = app.test_client()
    uid = _read_only(app, client, proposal["pid"], room="202", serial=4)
    html = client.get(f"/p/{uid}/mine").get_data(as_text=True)
    top = _outcome(html)
    assert "表决通过" in top and "初步结果" not in top and "未通过" not in top, top
    assert f'href="/p/{uid}#result"' in top
    assert not [w for w in FIGURES if w in html], html
    # The owner's own ballot stays as it was: 1-202 did not vote.
    assert 'id="ballot-none"' in html
    english = _outcome(client.get(f"/p/{uid}/mine?lang=en").get_data(as_text=True))
    assert "Passed" in english, english


def test_while_voting_mine_leads_to_the_ballot_and_says_no_result(app, runner, tmp_path,
                                                                  client):
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    uid = show_uid(app, pid)
    client.get(f"/v/{voter_token(app, {'id': int(pid)}, room='101')}")
    assert client.post(f"/p/{uid}/verify", data={
        "method": "id", "answer": resident_id(1)[-6:]}).status_code == 302
    page = client.get(f"/p/{uid}/mine")
    assert page.status_code == 302 and page.location.endswith(f"/p/{uid}/ballot")
    html = client.get(page.location).get_data(as_text=True)
    assert "表决通过" not in html and "表决未通过" not in html and "初步结果" not in html



def test_a_withdrawn_proposal_says_withdrawn_at_mine(app, runner, tmp_path, client):
    """/mine of a proposal withdrawn in its publicity (a link kept, a page reopened) said
    请先验证身份 … 验证业主身份后再表决: to verify for a vote that will never be held."""
    from tests.factories import make_draft

    pid = str(make_draft(app, runner, tmp_path))
    assert runner.invoke(args=["proposal", "start-publicity", pid]).exit_code == 0
    ok = runner.invoke(args=["proposal", "withdraw", pid, "--reason", "报价单有误"])
    assert ok.exit_code == 0, ok.output
    uid = show_uid(app, pid)
    page = client.get(f"/p/{uid}/mine")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "已撤回" in html, html
    assert "再表决" not in html and "表决通过" not in html, html
    assert f'href="/p/{uid}"' in html
