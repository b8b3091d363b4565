"""Two settlements at once on PostgreSQL: each unit's sub-ledger is debited exactly once per
settlement, never twice for one and never lost for two.

Each settlement runs in its own thread, app context and connection. Thread A is held right
after it has read the balances it is about to debit; thread B is let go and runs until it
finishes or waits on a row lock (seen in pg_locks, no sleeps); then A goes on."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select, text

from tests.money_world import evidence, passed_vote, works_done


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
    """Settle `first` (held after reading balances) and `second` concurrently."""
    from votes.services.money import settlement

    held, go = threading.Event(), threading.Event()
    owner = {}
    real = settlement.is_low

    def hold(balance, first_deposit):
        if threading.current_thread().name == "A" and not held.is_set():
            held.set()
            assert go.wait(30), "never released"
        return real(balance, first_deposit)

    monkeypatch.setattr(settlement, "is_low", hold)
    outcome: dict[str, str] = {}

    def run(name, pid):
        with app.app_context():
            from votes.extensions import db
            from votes.services.errors import DomainError

            try:
                settlement.settle(pid, final_cost=640000, actor=name)
                outcome[name] = "settled"
            except DomainError as err:
                outcome[name] = err.message
            except Exception as exc:  # noqa: BLE001 - the test reports it
                outcome[name] = f"crash {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()

    a = threading.Thread(target=run, args=("A", first), name="A")
    a.start()
    assert held.wait(30)
    b = threading.Thread(target=run, args=("B", second), name="B")
    b.start()
    watcher = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with watcher.connect() as conn:
            while b.is_alive():  # until B is done or waits on a lock A holds
                waiting = conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
                if waiting:
                    break
                b.join(0.01)
    finally:
        watcher.dispose()
    go.set()
    a.join(30)
    b.join(30)
    owner.update(outcome)
    return owner


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
    applied = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "消防水泵抢修", "--scope", "all",
        "--budget", "6547.50", "--category", "fire", "--applicant", "committee", "--reason",
        "消防水泵失效，需立即抢修", "--evidence", evidence(tmp_path, "fire.pdf", b"%PDF fire")])
    assert applied.exit_code == 0, applied.output
    other = applied.output.strip()
    works_done(runner, tmp_path, other)
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
