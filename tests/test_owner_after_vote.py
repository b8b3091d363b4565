"""An owner signs in READ-ONLY after the vote (closed or published, past any objection
period) with the same link or lobby poster and the same second factor, to see their ballot as
counted, their objections with the answers and what the settlement took from their flat.
Every answer there goes through the link's lockout and the lobby's throttle; nothing that
changes state is reachable; and the sign-in ends one year after the proposal's last chain
entry (docs/deploy.md, "Owners after the vote")."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import resident_id, voter_token
from tests.money_world import low_balance_rows, works_done
from tests.test_owner_fund_debit import _figures, _settled

OWN = resident_id(4)[-6:]  # 1-202's owner


def _settled_months_ago(app, runner, tmp_path):
    proposal, pid, _owners = _settled(app, runner, tmp_path, low_balance_rows())
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    settled_at = app.config["VOTES_NOW"]
    app.config["VOTES_NOW"] = settled_at + timedelta(days=150)  # months later, a new browser
    return proposal, pid, settled_at


def _state(app, proposal) -> dict:
    from votes.extensions import db
    from votes.models import Ballot, DeviceKey, Objection, Proposal, VoterAccess

    with app.app_context():
        p = db.session.get(Proposal, proposal["id"])
        counts = {"chain": p.chain_length, "state": p.state}
        for model in (Ballot, DeviceKey, Objection):
            counts[model.__name__] = db.session.scalar(select(func.count()).select_from(
                model).where(model.proposal_id == p.id))
        counts["failures"] = db.session.scalar(select(func.sum(VoterAccess.failures)).where(
            VoterAccess.proposal_id == p.id))
        db.session.remove()
    return counts


def test_an_owner_signs_in_months_after_the_close_and_sees_their_fund_page(
        app, runner, tmp_path):
    proposal, _pid, _at = _settled_months_ago(app, runner, tmp_path)
    uid, mine = proposal["uid"], _figures(app, proposal, "202")
    theirs = _figures(app, proposal, "102")
    client = app.test_client()
    token = voter_token(app, proposal, room="202")
    start = client.get(f"/v/{token}")
    assert start.status_code == 302 and start.location.endswith(f"/p/{uid}/verify"), \
        start.get_data(as_text=True)
    form = client.get(start.location).get_data(as_text=True)
    assert "只读" in form  # the form says what the sign-in is for
    done = client.post(start.location, data={"method": "id", "answer": OWN})
    assert done.status_code == 302 and done.location.endswith(f"/p/{uid}/mine"), done.location
    page = client.get(done.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers.get("Cache-Control") == "no-store"
    assert "未计入" in html or "没有投票" in html  # 1-202 did not vote
    assert f'href="/p/{uid}/fund"' in html
    fund = client.get(f"/p/{uid}/fund").get_data(as_text=True)
    assert f"{mine['debited']}&nbsp;元" in fund and theirs["debited"] not in fund
    # The lobby poster leads there too, with the same second factor.
    lobby = app.test_client()
    picked = lobby.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1",
                                                 "room": "102"})
    assert picked.status_code == 302, picked.get_data(as_text=True)
    done = lobby.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(2)[-6:]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{uid}/mine")
    html = lobby.get(f"/p/{uid}/mine").get_data(as_text=True)
    assert f"/p/{uid}/receipt/" in html and "已计入" in html  # 1-102's paper ballot counted
    assert f"{theirs['debited']}&nbsp;元" in lobby.get(f"/p/{uid}/fund").get_data(as_text=True)
    from tests.test_english_pages import _leaks, _text

    english = lobby.get(f"/p/{uid}/mine?lang=en")
    assert "Read-only" in english.get_data(as_text=True)
    assert _leaks(_text(english)) == [] and _leaks(_text(
        lobby.get(f"/p/{uid}/fund?lang=en"))) == []


def test_a_stranger_with_the_link_and_a_wrong_answer_gets_nothing_and_is_counted(
        app, runner, tmp_path):
    proposal, _pid, _at = _settled_months_ago(app, runner, tmp_path)
    uid, mine = proposal["uid"], _figures(app, proposal, "202")
    stranger = app.test_client()
    token = voter_token(app, proposal, room="202")
    verify = stranger.get(f"/v/{token}").location
    before = _state(app, proposal)
    wrong = stranger.post(verify, data={"method": "id", "answer": "000000"})
    assert wrong.status_code == 200 and "还可以再试 4 次" in wrong.get_data(as_text=True)
    assert _state(app, proposal)["failures"] == before["failures"] + 1
    for url in (f"/p/{uid}/mine", f"/p/{uid}/fund"):
        page = stranger.get(url)
        assert page.status_code == 403 and mine["debited"] not in page.get_data(as_text=True)
    for _ in range(4):
        wrong = stranger.post(verify, data={"method": "id", "answer": "000000"})
    assert wrong.status_code == 423  # the link's own lockout, as while voting
    # Locked: even the right answer through the link gets nothing now.
    owner = app.test_client()
    assert owner.get(f"/v/{token}").status_code == 423
    # The lobby keeps its own throttle and never unlocks the link.
    assert _state(app, proposal)["failures"] == 0  # reset by the lockout, as ever


def test_nothing_that_changes_state_is_reachable_read_only(app, runner, tmp_path):
    proposal, _pid, _at = _settled_months_ago(app, runner, tmp_path)
    uid = proposal["uid"]
    client = app.test_client()
    token = voter_token(app, proposal, room="202")
    done = client.post(client.get(f"/v/{token}").location,
                       data={"method": "id", "answer": OWN})
    assert done.location.endswith(f"/p/{uid}/mine")
    before = _state(app, proposal)
    for url, data in ((f"/p/{uid}/confirm", {"choice": "agree"}),
                      (f"/p/{uid}/cast", {"choice": "agree", "nonce": "x"}),
                      (f"/p/{uid}/objection", {"text": "表决票不是我签的"}),
                      (f"/v/{token}/objection", {"text": "表决票不是我签的"})):
        refused = client.post(url, data=data)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 403, (url, refused.status_code, html)
        assert "只读" in html and "不能" in html, (url, html)
    device = client.post(f"/p/{uid}/device", json={"voter": "x", "public_key": "AAAA"})
    assert device.status_code == 403 and "只读" in device.get_json()["error"]
    assert _state(app, proposal) == before
    # The pages that read still answer.
    assert client.get(f"/p/{uid}/mine").status_code == 200


def test_the_read_only_sign_in_ends_a_year_after_the_last_chain_entry(app, runner, tmp_path):
    proposal, _pid, settled_at = _settled_months_ago(app, runner, tmp_path)
    uid = proposal["uid"]
    app.config["VOTES_NOW"] = settled_at + timedelta(days=366)
    client = app.test_client()
    token = voter_token(app, proposal, room="202")
    page = client.get(f"/v/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "查询期限" in html, html
    picked = client.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1",
                                                  "room": "202"})
    assert picked.status_code == 410 and "查询期限" in picked.get_data(as_text=True)
    assert client.get(f"/p/{uid}").status_code == 200  # the public board stays
