"""A flat sold during the vote (§16): the buyer votes in the seller's place, as the seller's
voter, and the seller's records become the buyer's (/p/<uid>/mine shows the seller only
that the flat was transferred). In the objection period the seller still passed the second
factor with the frozen roll's answers, and filed an online objection in that voter's name
(holding the final result back, an upheld one undoing the decision), and read the buyer's
written objections under 您已提出的异议."""

from __future__ import annotations

from sqlalchemy import select

from tests.procedure_world import close_at_end, file_objection, open_vote, show, vote
from tests.security.test_objection_access import _verify
from tests.test_procedure import _transfer

TEXT = "表决票不是我签的"


def _texts(app, pid) -> list[str]:
    from votes.extensions import db
    from votes.models import Objection

    with app.app_context():
        texts = list(db.session.scalars(select(Objection.text).where(
            Objection.proposal_id == int(pid)).order_by(Objection.seq)))
        db.session.remove()
    return texts


def test_the_seller_files_no_objection_and_reads_none_of_the_buyers(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABDE"})
    sold = _transfer(runner, {"id": int(pid)}, tmp_path, room="202")  # 赵六's 1-1-202
    assert sold.exit_code == 0, sold.output
    close_at_end(app, runner, pid)
    closed = {"id": int(pid), "pid": pid, "uid": show(runner, pid)["uid"]}
    file_objection(runner, tmp_path, pid, voter="C", text="新业主的书面异议")  # the buyer's
    seller = app.test_client()
    _verify(app, seller, closed, "202")
    page = seller.get(f"/p/{closed['uid']}/objection").get_data(as_text=True)
    assert 'name="text"' not in page and "新业主的书面异议" not in page, page
    assert "过户" in page
    posted = seller.post(f"/p/{closed['uid']}/objection", data={"text": TEXT})
    html = posted.get_data(as_text=True)
    assert "已收到" not in html and "过户" in html, html
    assert 'id="kept-objection"' in html and TEXT in html  # to copy, not filed
    token_post = seller.post(f"/v/{_token(app, closed)}/objection", data={"text": TEXT + "2"})
    assert "已收到" not in token_post.get_data(as_text=True)
    assert _texts(app, pid) == ["新业主的书面异议"]
    # In English too, and once the period is over, still none of the buyer's.
    assert "transferred" in seller.get(f"/p/{closed['uid']}/objection?lang=en").get_data(
        as_text=True)
    from datetime import timedelta

    from tests.procedure_world import END, at

    at(app, END + timedelta(days=3, hours=1))
    after = seller.get(f"/p/{closed['uid']}/objection?lang=zh_CN").get_data(as_text=True)
    assert "新业主的书面异议" not in after, after


def _token(app, closed) -> str:
    from tests.factories import voter_token

    return voter_token(app, closed, room="202")
