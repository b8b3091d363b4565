"""Two settlements at once on PostgreSQL: each unit's sub-ledger is debited exactly once per
settlement, never twice for one and never lost for two.

Each settlement runs in its own thread, app context and connection. Thread A is held right
after it has read the balances it is about to debit; thread B is let go and runs until it
finishes or waits on a row lock (seen in pg_locks, no sleeps); then A goes on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.money_world import fire_pump_emergency, passed_vote, works_done
from tests.races import held_race


# Row locks between two connections (skipped, with the reason, without a server).
pytestmark = pytest.mark.postgresql_only


def _balances(app) -> dict:
    with app.app_context():
        from votes.extensions import db
        from votes.models import Unit

        out = {(u.building, u.room): u.fund_balance for u in db.session.scalars(select(Unit))}
        db.session.remove()
        return out


def _race(app, monkeypatch, first: str, second: str) -> dict:
    """Settle `first` (A, held after reading balances) and `second` (B) concurrently."""
    from votes.services.money import settlement

    def settle(who):
        settlement.settle(first if who == "A" else second, final_cost=640000, actor=who)
        return "settled"

    return held_race(app, monkeypatch, settlement, "is_low", settle)


def test_one_settlement_twice_at_once_debits_once(app, runner, tmp_path, monkeypatch):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    before = _balances(app)
    outcome = _race(app, monkeypatch, pid, pid)
    assert outcome["A"] == "settled", outcome
    assert "已结算" in outcome["B"], outcome
    after = _balances(app)
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        debits = list(db.session.scalars(select(FundDebit)))
        units = {(d.building, d.entrance, d.room) for d in debits}
        assert debits and len(debits) == len(units)  # one settlement's rows, not two
        for d in debits:
            if d.balance_before is not None:
                assert after[(d.building, d.room)] == before[(d.building, d.room)] - d.debited


def test_two_settlements_of_one_community_at_once_both_debit(app, runner, tmp_path,
                                                              monkeypatch):
    """A voted repair and an emergency use of the same flats settle at the same moment: the
    second must debit the balance the first left, not the one both read (a lost update)."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid)
    other = fire_pump_emergency(runner, tmp_path)
    before = _balances(app)
    outcome = _race(app, monkeypatch, pid, other)
    assert outcome == {"A": "settled", "B": "settled"}, outcome
    after = _balances(app)
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        taken: dict = {}
        for d in db.session.scalars(select(FundDebit)):
            taken[(d.building, d.room)] = taken.get((d.building, d.room), 0) + d.debited
    for key, balance in before.items():
        if balance is not None:
            assert after[key] == balance - taken.get(key, 0), key
