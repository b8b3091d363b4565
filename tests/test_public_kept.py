"""The public pages a stranger may ask for again and again that cost seconds of a core to
make: after the close what they show no longer changes, so a process makes each once per
chain head (and language) and serves it again, still only of a chain as written."""

from __future__ import annotations

import html

from tests.money_world import passed_vote, works_done
from tests.test_tampered_chain_store import _tamper


def _counting(monkeypatch, module, name: str) -> list:
    calls = []
    made = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return made(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_the_units_list_is_made_once_per_chain_head_and_language(app, runner, tmp_path,
                                                                 client, monkeypatch):
    """/p/<uid>/units read the frozen roll and the chain and drew a row per flat on every
    request (about a second of a core for 20,000 flats), open to anyone at 30 a minute per
    address: a handful of addresses kept both cores busy with a list that no longer
    changes after the close."""
    from votes.services import participation

    vote = passed_vote(app, runner, tmp_path)
    made = _counting(monkeypatch, participation, "participation_page")
    units = f"/p/{vote['uid']}/units"
    first = client.get(units)
    assert first.status_code == 200
    for _ in range(3):
        again = client.get(units)
        assert again.get_data() == first.get_data()
    assert len(made) == 1
    page = html.unescape(first.get_data(as_text=True))
    assert "共 7 户，6 户已计入。" in page and "1号楼1单元101室" in page, page

    # Another language is another page; each is made once.
    english = client.get(units + "?lang=en").get_data(as_text=True)
    assert "Building 1" in english or "building 1" in english, english
    client.get(units + "?lang=en")
    assert len(made) == 2

    # A new entry (the works' contract) is a new head: made again, from the new chain.
    works_done(runner, tmp_path, vote["pid"], accepted=False)
    assert client.get(units).status_code == 200
    assert len(made) == 3


def test_a_kept_units_list_is_not_served_of_a_chain_damaged_since(app, runner, tmp_path,
                                                                  client):
    from votes.services.records import forget_checked

    vote = passed_vote(app, runner, tmp_path)
    units = f"/p/{vote['uid']}/units"
    assert client.get(units).status_code == 200
    _tamper(app, vote["pid"], "altered")
    forget_checked()  # the minute after which the board reads the whole chain again
    refused = client.get(units)
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "请告知业主委员会和维修资金管理部门" in text, text
    assert "已计入" not in text


def _settled(app, runner, tmp_path) -> dict:
    from tests.money_world import low_balance_rows

    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"],
                               "--final-cost", "6400.00"]).exit_code == 0
    return vote


def test_the_public_settlement_notice_is_drawn_once_per_chain_head_and_contacts(
        app, runner, tmp_path, client, monkeypatch):
    """/p/<uid>/settlement.pdf, open to anyone at 10 a minute per address, was drawn anew
    for every request: seconds of a core for thousands of flats. It changes only with a
    new entry or the committee's name and telephone printed at its foot."""
    from tests.browser import pdf_text
    from votes.services.money import settlement_pdf

    vote = _settled(app, runner, tmp_path)
    drawn = _counting(monkeypatch, settlement_pdf, "settlement_notice_pdf")
    notice = f"/p/{vote['uid']}/settlement.pdf"
    first = client.get(notice)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    for _ in range(3):
        assert client.get(notice).data == first.data
    assert len(drawn) == 1

    assert runner.invoke(args=["community", "contact", "SUN", "--committee", "阳光花园业委会",
                               "--phone", "0591-83999999"]).exit_code == 0
    changed = client.get(notice)
    assert len(drawn) == 2 and "0591-83999999" in pdf_text(changed.data)
    client.get(notice)
    assert len(drawn) == 2


def test_a_kept_settlement_notice_is_not_served_of_a_chain_damaged_since(app, runner,
                                                                        tmp_path, client):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import ChainEntry
    from votes.services.records import forget_checked
    from tests.test_tampered_chain_store import alter

    vote = _settled(app, runner, tmp_path)
    notice = f"/p/{vote['uid']}/settlement.pdf"
    assert client.get(notice).status_code == 200
    with app.app_context():
        alter(db.session.scalar(select(ChainEntry).where(
            ChainEntry.proposal_id == int(vote["pid"]), ChainEntry.seq == 2)))
        db.session.commit()
    forget_checked()
    refused = client.get(notice)
    assert refused.status_code == 400 and refused.mimetype == "text/html", refused.status


def test_the_start_page_reads_the_boards_communities_together(app, runner, tmp_path,
                                                             client):
    """The start page lists up to 20 boards, each with its community's name: each community
    was loaded on its own as the page named it, up to 20 statements more per view of a page
    open to anyone (600 a minute per address)."""
    import re

    from sqlalchemy import event

    from tests.factories import make_open_proposal
    from votes.extensions import db

    codes = ("SUN", "MOON", "STAR")
    for code in codes:
        make_open_proposal(app, runner, tmp_path, code=code)
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    client.get("/")  # the session's first statements (the staff user, …) out of the way
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.count("阳光花园 · 电梯更换") == len(codes), page
    communities = [s for s in seen if re.search(r"\bFROM communities\b", s)]
    assert len(communities) <= 1 and len(seen) <= 2, seen
