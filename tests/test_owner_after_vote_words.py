"""What an owner reads after the vote, found on a walk at 360 px: the lobby poster's flat
form reached from the settlement notice's QR code or an emergency use's board, and the
receipt looked up on the board after the close."""

from __future__ import annotations

from sqlalchemy import select

from tests.money_world import passed_vote
from tests.test_emergency_owner import _emergency


def test_a_flat_outside_an_emergency_use_is_not_called_outside_a_vote(app, runner, tmp_path,
                                                                      client):
    """The emergency use of building 1: 2-201 (a flat of building 2) or a mistyped room
    was answered "not in this vote's scope; the flat need not take part in this vote" —
    to an owner who was just told that no vote was held."""
    _pid, uid = _emergency(app, runner, tmp_path)
    for room, building in (("201", "2"), ("909", "1")):
        page = client.post(f"/p/{uid}/pick", data={"building": building, "entrance": "1",
                                                   "room": room})
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert "本次应急使用的分摊范围内没有您填写的房屋" in html, html
        assert not [w for w in ("表决范围", "参加本次表决") if w in html], html
    english = client.post(f"/p/{uid}/pick?lang=en", data={"building": "2", "entrance": "1",
                                                          "room": "201"})
    assert "emergency use" in english.get_data(as_text=True)


def test_the_poster_form_after_the_vote_says_what_signing_in_shows(app, runner, tmp_path,
                                                                   client):
    """The settlement notice's QR code leads to /p/<uid>/pick: the bare flat form, nothing
    saying that the vote is over and that the owner will see their own records, read-only
    (an elderly owner takes a form after a vote for a second ballot)."""
    vote = passed_vote(app, runner, tmp_path)
    page = client.get(f"/p/{vote['uid']}/pick").get_data(as_text=True)
    assert "表决已结束" in page and "只读" in page, page
    wrong = client.post(f"/p/{vote['uid']}/pick", data={"building": "1", "entrance": "1",
                                                        "room": "909"})
    html = wrong.get_data(as_text=True)
    assert "本次表决范围内没有您填写的房屋" in html and "无需参加本次表决" not in html, html


def test_a_receipt_looked_up_after_the_close_says_it_counted_in_the_result(app, runner,
                                                                          tmp_path, client):
    """After the close the board answered a receipt with "已计入：第 2 条记录。" alone: not
    that the vote is over and this ballot is in the result shown above, nor how it was
    cast and when (the owner's way to tell it is theirs). Never the choice."""
    from votes.extensions import db
    from votes.models import Ballot

    vote = passed_vote(app, runner, tmp_path)
    with app.app_context():
        ballot = db.session.scalars(select(Ballot).where(
            Ballot.proposal_id == vote["id"]).order_by(Ballot.seq)).first()
        digest = ballot.receipt
    html = client.get(f"/p/{vote['uid']}?receipt={digest}").get_data(as_text=True)
    assert "已计入：第" in html
    assert "表决已结束，这张选票已计入上面的表决结果" in html, html
    assert "纸质" in html and "2026-12-01 10:00" in html, html
    english = client.get(f"/p/{vote['uid']}?receipt={digest}&lang=en").get_data(as_text=True)
    assert "counted in the result above" in english, english




def test_the_objection_form_says_where_a_photo_goes(app, runner, tmp_path, client):
    """An owner with a photo to show (the notice never delivered, a damaged part) found a
    text box and nothing else: a photo sent with the form was dropped without a word. The
    chain holds no evidence for an online objection (docs/verification.md 17.1): the form
    says so, and that photos and papers go with a written objection to the committee."""
    from datetime import timedelta

    from tests.factories import resident_id, voter_token
    from tests.procedure_world import END, at, close_at_end, open_vote, show, vote

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    uid = show(runner, pid)["uid"]
    vote(runner, tmp_path, pid, {v: "agree" for v in "CDE"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=2))
    token = voter_token(app, {"id": int(pid)}, room="101")
    client.get(f"/v/{token}/objection", follow_redirects=True)
    client.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(1)[-6:]})
    page = client.get(f"/v/{token}/objection", follow_redirects=True).get_data(as_text=True)
    assert 'id="objection-text"' in page
    assert "不能上传照片" in page and "书面异议" in page, page
    english = client.get(f"/v/{token}/objection?lang=en",
                         follow_redirects=True).get_data(as_text=True)
    assert "cannot upload photos" in english, english
