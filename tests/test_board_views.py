"""The public board at a notice's peak: hundreds of owners and neighbours open it at once
while owners cast. A view of a chain that has not moved reads no ballot again (the
turnout and the ballot count are kept per process by the chain's length); a new entry is
shown on the next view."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.factories import make_open_proposal
from tests.test_witness_servers import _cast


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _ballot_reads(app, client, path):
    from votes.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"\bFROM ballots\b", statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200
    return page.get_data(as_text=True), len(seen)


def test_a_board_view_of_an_unmoved_chain_reads_no_ballot(app, client, vote):
    board, audit = f"/p/{vote['uid']}", f"/p/{vote['uid']}/audit"
    _cast(app, vote, ["101"])
    first, reads = _ballot_reads(app, client, board)
    assert "参与表决人数：1 /" in first
    again, reads = _ballot_reads(app, client, board)
    assert reads == 0 and again == first
    page, reads = _ballot_reads(app, client, audit)
    assert reads == 0 and "选票 1 张" in page

    _cast(app, vote, ["102"])  # a new entry: the next view shows it, on every page
    page, reads = _ballot_reads(app, client, audit)
    assert "选票 2 张" in page
    page, reads = _ballot_reads(app, client, board)
    assert "参与表决人数：2 /" in page
