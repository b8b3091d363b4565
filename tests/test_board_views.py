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


def test_a_view_after_the_close_parses_the_close_entry_once_and_shows_what_came_after(
        app, runner, tmp_path, monkeypatch):
    """The close entry holds an opening per counted ballot (megabytes for 100,000 ballots);
    each board view after the close read and parsed it twice (the tally, then the outcome),
    anew at every view although it never changes. It is now parsed once per process (kept
    by its digest); objections, answers and the final result written after it still show on
    the next view."""
    from datetime import timedelta

    from tests.procedure_world import END, at, close_at_end, open_vote, unit_args
    from tests.procedure_world import scan, vote as cast
    from votes.core.chain import SealedEntry
    from votes.services.procedure import common

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    cast(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    parsed = []
    for name in ("from_line", "from_stored"):
        real = getattr(SealedEntry, name).__func__

        def counting(cls, line, real=real):
            sealed = real(cls, line)
            if sealed.entry.get("kind") == "close":
                parsed.append(name)
            return sealed

        monkeypatch.setattr(SealedEntry, name, classmethod(counting))
    common.forget_closes()
    client = app.test_client()
    page = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "初步结果：表决通过" in page and "没有收到异议" in page
    # The tally and the outcome: one read, one parse; and once more by records' check that
    # the chain is still as written (records.check_chain), kept by the chain's length and head.
    assert len(parsed) == 2, parsed
    assert client.get(f"/p/{uid}").status_code == 200
    assert len(parsed) == 2, parsed  # kept: not read again

    result = runner.invoke(args=["proposal", "objection", pid, *unit_args("E"), "--text",
                                 "计票有误", "--evidence", scan(tmp_path, "objection.pdf")])
    assert result.exit_code == 0, result.output
    page = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "计票有误" in page and "业主委员会尚未答复" in page
    from tests.procedure_world import entry_seq

    seq = str(entry_seq(result.output))
    result = runner.invoke(args=["proposal", "answer", pid, seq, "--decision", "rejected",
                                 "--text", "已复核"])
    assert result.exit_code == 0, result.output
    page = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "已复核" in page and "异议不成立" in page
    at(app, END + timedelta(days=3))
    page = client.get(f"/p/{uid}").get_data(as_text=True)  # the final result, by the clock
    assert "最终结果：表决通过" in page and 'id="result">表决通过' in page
    # The close entry as kept is not parsed again; the chain, moved on by the objection, the
    # answer and the final result, was checked after each from where it had been found sound
    # (records.check_chain): the close is not read again for it either.
    assert len(parsed) == 2, parsed


def test_the_units_list_while_voting_is_open_counts_nothing_before_its_404(
        app, client, vote, monkeypatch):
    """/p/<uid>/units, open to anyone, worked out the board's whole figures (the turnout,
    the ballot count) before answering 404 because voting was still open: a loop on it
    cost the workers a board view per request. It now looks at the state first."""
    from votes.services import board

    counted = []
    monkeypatch.setattr(board, "proposal_figures",
                        lambda ref: counted.append(ref) or pytest.fail("figures computed"))
    assert client.get(f"/p/{vote['uid']}/units").status_code == 404
    assert client.get("/p/nosuchproposal/units").status_code == 404
    assert counted == []
