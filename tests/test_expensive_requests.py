"""Requests that cost the server far more than a page, bounded so that a stranger or one
signed-in account cannot keep the workers busy: what a request may carry, how many one
account may make a minute, how many a worker makes at once."""

from __future__ import annotations

import html
import re

from tests.money_world import passed_vote

RECEIPT_BOX = re.compile(r'<input id="receipt" name="receipt" value="([^"]*)"')


def test_the_receipt_box_echoes_no_more_than_a_receipt_may_be_typed(app, runner, tmp_path,
                                                                    client):
    """The board put whatever was typed in the receipt box back into it, whole: a request
    of a few kilobytes (as much as the proxy lets through) made a page of as many. The
    longest honest typing is a full receipt as the receipt page prints it, 64 digits in
    groups of four, pasted with its spaces (79 characters)."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Ballot

    vote = passed_vote(app, runner, tmp_path)
    with app.app_context():
        digest = db.session.scalars(select(Ballot.receipt).where(
            Ballot.proposal_id == vote["id"]).order_by(Ballot.id)).first()
    grouped = " ".join(digest[i:i + 4] for i in range(0, 64, 4))
    page = client.get(f"/p/{vote['uid']}", query_string={"receipt": grouped})
    text = page.get_data(as_text=True)
    assert 'id="lookup-result">已计入' in text.replace("flash ok", ""), text
    assert RECEIPT_BOX.search(text).group(1) == grouped

    typed = digest + " " * 200 + "x" * 3000
    page = client.get(f"/p/{vote['uid']}", query_string={"receipt": typed})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "x" * 200 not in text
    assert len(RECEIPT_BOX.search(text).group(1)) <= 128
    assert "这不是有效的回执码" in text, text
