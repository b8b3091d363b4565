"""One word for one idea: what a settled vote's screens, notices and CLI print.

A reviewer found the owner's first deposit written 首期交存额 and 首次交存额 two lines apart
on the settlement notice; each test here renders every place an idea is printed and fails
if the word given up comes back."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import HEADER_ZH, make_roll_csv, sample_rows
from tests.money_world import low_balance_rows, passed_vote, staff_accounts, works_done
from tests.staff_world import sign_in

# Which word a screen, notice or command prints, and how a roll's column header is read, is
# the same whatever database holds the rows: SQLite only (sqlite_only, tests/conftest.py).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def settled(app, runner, tmp_path, client):
    """A settled vote where every money line shows: units to top up, one whose first
    deposit is 0 (cannot be judged), the developer's with no balance on record."""
    from tests.browser import pdf_text

    rows = low_balance_rows()
    rows[4] = dict(rows[4], first_deposit="0")  # 1-202
    vote = passed_vote(app, runner, tmp_path, rows=rows)
    pid, uid = vote["pid"], vote["uid"]
    works_done(runner, tmp_path, pid)
    cli = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert cli.exit_code == 0, cli.output
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    texts = {
        "cli settle": cli.output,
        "cli show": runner.invoke(args=["works", "show", pid]).output,
        "committee works": client.get(f"/committee/p/{pid}/works").get_data(as_text=True),
        "committee proposal": client.get(f"/committee/p/{pid}").get_data(as_text=True),
        "committee community": client.get("/committee/c/SUN").get_data(as_text=True),
        "board": client.get(f"/p/{uid}").get_data(as_text=True),
        "board units": client.get(f"/p/{uid}/units").get_data(as_text=True),
        "public settlement": pdf_text(client.get(f"/p/{uid}/settlement.pdf").data),
        "committee settlement": pdf_text(client.get(f"/committee/p/{pid}/settlement.pdf").data,
                                         layout=False),
    }
    return {"pid": pid, "uid": uid, "texts": texts}


def _said(texts: dict, pattern: str) -> dict:
    return {where: re.findall(pattern, re.sub(r"\s+", "", text))
            for where, text in texts.items() if re.search(pattern, re.sub(r"\s+", "", text))}


def test_the_first_deposit_is_called_shouqi_everywhere(settled):
    texts = settled["texts"]
    assert "首期交存额" in re.sub(r"\s+", "", texts["public settlement"])
    assert "首期交存额" in texts["board"] and "首期交存额" in texts["cli settle"]
    assert _said(texts, "首次交存") == {}


@pytest.mark.parametrize("header", ["首期交存额", "首次交存金额", "首次交存额", "first_deposit"])
def test_the_roll_reads_the_first_deposit_under_its_new_and_old_headers(app, runner, tmp_path,
                                                                         header):
    """The roll's column is now 首期交存额; committees' sheets made to the old format say
    首次交存金额 and must keep importing."""
    from votes.extensions import db
    from votes.models import Unit

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    rows = [dict(r, first_deposit="1234.50") for r in sample_rows()]
    path = make_roll_csv(tmp_path / "r.csv", rows, header=HEADER_ZH)
    text = path.read_text(encoding="utf-8").replace("first_deposit", header, 1)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(db.session.scalars(select(Unit.first_deposit))) == {123450}


def test_the_demo_roll_names_the_first_deposit_column_shouqi():
    from votes.services.demo import demo_roll_csv

    header = demo_roll_csv().decode("utf-8").splitlines()[0].split(",")
    assert "首期交存额" in header and not [h for h in header if "首次" in h]


def test_the_flats_fund_balance_is_its_fenhuzhang_balance_everywhere(app, runner, tmp_path,
                                                                     client, settled):
    """The voting notice said 维修资金账户余额, the ballot and the committee's tables
    维修资金余额, the settlement notice and the package 分户账余额: one balance, one word."""
    from tests.browser import pdf_text
    from tests.factories import make_open_proposal
    from tests.test_owner_http import verified

    texts = dict(settled["texts"])
    vote = make_open_proposal(app, runner, tmp_path, code="MOON")
    notices = tmp_path / "notices.pdf"
    made = runner.invoke(args=["notices", str(vote["id"]), "-o", str(notices)])
    assert made.exit_code == 0, made.output
    texts["voting notice"] = pdf_text(notices)
    owner = app.test_client()
    verified(owner, app, vote)
    texts["ballot"] = owner.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)
    for where in ("voting notice", "ballot", "committee community"):
        assert "分户账余额" in re.sub(r"\s+", "", texts[where]), where
    assert _said(texts, "维修资金(账户)?余额") == {}


@pytest.mark.parametrize("header", ["分户账余额", "维修资金余额"])
def test_the_roll_reads_the_balance_under_its_new_and_old_headers(app, runner, tmp_path,
                                                                  header):
    from votes.extensions import db
    from votes.models import Unit

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    zh = [header if h == "维修资金余额" else h for h in HEADER_ZH]
    rows = [dict(r, fund_balance="321.00") for r in sample_rows()]
    result = runner.invoke(args=["roll", "import", "--community", "SUN",
                                 str(make_roll_csv(tmp_path / "r.csv", rows, header=zh))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(db.session.scalars(select(Unit.fund_balance))) == {32100}


def test_flats_are_counted_in_hu_everywhere(app, runner, tmp_path, client, settled):
    """The board's split and the voting notice counted flats in 套 (7 套), the roll, the
    proposal form and the CLI partly in 套 and the top-up lines in 户: flats are counted in
    户, as the law's 户数 is. (同一套房屋, naming one flat, counts nothing.)"""
    from tests.browser import pdf_text
    from tests.factories import make_open_proposal

    texts = dict(settled["texts"])
    texts["roll show"] = runner.invoke(args=["roll", "show", "--community", "SUN"]).output
    texts["new proposal"] = client.get("/committee/c/SUN/proposals/new").get_data(as_text=True)
    vote = make_open_proposal(app, runner, tmp_path, code="MOON")
    notices = tmp_path / "notices.pdf"
    assert runner.invoke(args=["notices", str(vote["id"]), "-o", str(notices)]).exit_code == 0
    texts["voting notice"] = pdf_text(notices)
    assert "7户）的比例分摊" in re.sub(r"\s+", "", texts["board"]), texts["board"]
    assert "户）的比例分摊" in re.sub(r"\s+", "", texts["voting notice"])
    assert "房屋：7 户" in texts["roll show"] and "户）" in texts["new proposal"]
    assert _said(texts, r"\d+套|每套") == {}
