"""The 续筹 line of a settlement at its edge, through `votes works settle`: a balance left at
exactly 30 % of the first deposit needs no top-up, a fen below it does, 30 % of a first
deposit that is no whole fen is compared exactly, and a balance no one knows is 无法判断.

A final cost equal to the budget (6,547.50 over 654.75 m²) is 10 fen a centi-m²: every
share is exact, so each balance below is its flat's share plus what is left after it."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import sample_rows
from tests.money_world import passed_vote, works_done


def _rows() -> list[dict]:
    rows = sample_rows()
    # 1-101 (89.50 m², share 895.00): 300.00 left, under 30 % of 1,000.01 (300.003).
    rows[0] = dict(rows[0], fund_balance="1195.00", first_deposit="1000.01")
    # 1-201 (75.25 m², share 752.50): 299.99 left, a fen under 30 % of 1,000.00.
    rows[3] = dict(rows[3], fund_balance="1052.49", first_deposit="1000.00")
    # 1-202 (60.00 m², share 600.00): 300.00 left, exactly 30 % of 1,000.00.
    rows[4] = dict(rows[4], fund_balance="900.00", first_deposit="1000.00")
    # 2-101: its first deposit known, its balance not.
    rows[5] = dict(rows[5], first_deposit="1000.00")
    return rows


def test_a_balance_left_at_exactly_thirty_percent_needs_no_top_up(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path, rows=_rows())["pid"]
    works_done(runner, tmp_path, pid)
    result = runner.invoke(args=["works", "settle", pid, "--final-cost", "6547.50"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        debits = {(d.building, d.room): d for d in db.session.scalars(
            select(FundDebit).where(FundDebit.proposal_id == int(pid)))}
        db.session.remove()
    assert {key: (d.share, d.balance_after) for key, d in debits.items()
            if key[0] == "1" and key[1] != "102"} == {
        ("1", "101"): (89500, 30000), ("1", "201"): (75250, 29999),
        ("1", "202"): (60000, 30000)}
    assert debits[("1", "202")].low is False
    assert debits[("1", "201")].low is True and debits[("1", "101")].low is True
    # Neither balance of the developer's flats is known, one first deposit is.
    assert debits[("2", "101")].low is None and debits[("2", "102")].low is None
    # 1-102 had no first deposit: its 5,000.00 before stands for it, 3,800.00 is left.
    assert debits[("1", "102")].low is False
    assert "需续筹 2 户" in result.output and "2 户首期交存额或分户账余额未知" in result.output, \
        result.output
