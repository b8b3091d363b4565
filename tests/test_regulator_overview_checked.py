"""The regulator's overview lists each open vote's participation, counted from the ballots
table. It was never checked against the vote's chain (the proposal page's is): a chain
altered in the database showed its figures on the overview, and its CSV, as if sound. Now
the overview checks the open votes' chains within a budget of entries a view (a chain the
process found sound at the same head costs nothing); a damaged one says so in place of its
figures, and a figure left unchecked is marked 未核对 (on the screen and in the CSV), with
where to check it."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from tests.test_damaged_chain_writes import _damaged_vote, _regulator
from tests.test_tampered_chain_store import TAMPERINGS

COLUMN = "参与数据与记录链核对"


def _row(client, pid) -> str:
    page = html.unescape(client.get("/regulator/").get_data(as_text=True))
    return re.search(rf'<tr><td>[^<]*</td><td><a href="/regulator/p/{pid}">.*?</tr>', page,
                     re.S).group(0)


def _csv(client) -> dict:
    table = client.get("/regulator/?format=csv").get_data(as_text=True).lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(table)))[:2]
    return dict(zip(header, row))


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_overview_shows_no_participation_of_a_damaged_open_chain(app, runner, tmp_path,
                                                                      how):
    pid, _committee, _before = _damaged_vote(app, runner, tmp_path, how)
    regulator = _regulator(app)
    row = _row(regulator, pid)
    assert "表决记录已损坏" in row and "4/5" not in row and "m²" not in row, row
    cells = _csv(regulator)
    assert cells["表决结果"] == "表决记录已损坏" and cells["参与表决人数"] == "", cells


def test_an_unchecked_figure_is_marked_and_opening_the_vote_checks_it(app, runner, tmp_path,
                                                                      monkeypatch):
    from tests.factories import make_open_proposal
    from tests.money_world import staff_accounts
    from tests.test_damaged_chain_owner import _paper_ballots
    from votes.services import oversight
    from votes.services.records import forget_checked

    pid = make_open_proposal(app, runner, tmp_path)["id"]
    _paper_ballots(runner, tmp_path, pid)
    staff_accounts(app, runner)
    forget_checked()
    monkeypatch.setattr(oversight, "CHECK_ENTRIES", 0)  # as a city's chains past the budget
    regulator = _regulator(app)
    row = _row(regulator, pid)
    assert 'class="unchecked"' in row and "未核对" in row, row
    page = html.unescape(regulator.get("/regulator/").get_data(as_text=True))
    assert 'id="unchecked-note"' in page and "验证导出包" in page, page
    assert _csv(regulator)[COLUMN] == "否（服务器计数）"
    assert "not checked" in regulator.get("/regulator/?lang=en").get_data(as_text=True)
    # The proposal's page checks its chain: the overview then shows it checked, for nothing.
    regulator.get(f"/regulator/p/{pid}?lang=zh_CN")
    row = _row(regulator, pid)
    assert 'class="unchecked"' not in row and "4/" in row, row
    assert _csv(regulator)[COLUMN] == "是"
    page = html.unescape(regulator.get("/regulator/").get_data(as_text=True))
    assert 'id="unchecked-note"' not in page


def test_the_overview_checks_open_votes_within_its_budget(app, runner, tmp_path):
    from tests.factories import make_open_proposal
    from tests.money_world import staff_accounts
    from tests.test_damaged_chain_owner import _paper_ballots
    from votes.services.records import forget_checked

    pid = make_open_proposal(app, runner, tmp_path)["id"]
    _paper_ballots(runner, tmp_path, pid)
    staff_accounts(app, runner)
    forget_checked()
    regulator = _regulator(app)
    row = _row(regulator, pid)
    assert 'class="unchecked"' not in row and "4/" in row, row
    assert _csv(regulator)[COLUMN] == "是"
