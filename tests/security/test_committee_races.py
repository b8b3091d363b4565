"""Committee and system writes that race each other on PostgreSQL (tests/races.py holds one
of two at a chosen point): rules of procedure changed by two people at once."""

from __future__ import annotations

import pytest

from tests.races import held_race

# Row locks between two connections (skipped, with the reason, without a server).
pytestmark = pytest.mark.postgresql_only


def _rules(app, code="SUN") -> dict:
    with app.app_context():
        from votes.extensions import db
        from votes.services.communities import get_community

        rules = dict(get_community(code).rules or {})
        db.session.remove()
        return rules


def test_two_rule_changes_at_once_both_stay(app, runner, monkeypatch):
    """An administrator sets the objection period while the committee sets its proxy limit:
    each wrote back the rules as both had read them, and the first change was lost although
    the audit log said it was made."""
    from votes.services import communities

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0

    def change(who):
        setting = {"objection_days": "7"} if who == "A" else {"proxy_limit": "3"}
        communities.set_rules("SUN", "use_fund", setting, actor=who)
        return "set"

    # A has read the rules and is checking its settings when B changes them.
    outcome = held_race(app, monkeypatch, communities, "_procedure_settings", change)
    assert outcome == {"A": "set", "B": "set"}, outcome
    rules = _rules(app)
    assert rules.get("objection_days") == 7 and rules.get("proxy_limit") == 3, rules


def test_a_tolerance_set_while_the_rules_change_stays(app, runner, monkeypatch):
    from votes.services import communities
    from votes.services.money import works

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0

    def change(who):
        if who == "A":
            works.set_tolerance("SUN", "5", actor=who)
        else:
            communities.set_rules("SUN", "use_fund", {"objection_days": "7"}, actor=who)
        return "set"

    # A has read the community and is about to write its tolerance into the rules.
    outcome = held_race(app, monkeypatch, works, "unit_of_work", change)
    assert outcome == {"A": "set", "B": "set"}, outcome
    rules = _rules(app)
    assert rules.get("budget_tolerance_bp") == 500 and rules.get("objection_days") == 7, rules


def _import(app, code, path, replace):
    from votes.services.roll_import import import_roll

    result = import_roll(code, path, replace=replace, actor="clerk")
    return f"imported {result.units}"


def test_two_first_imports_of_a_roll_at_once_import_one(app, runner, tmp_path, monkeypatch):
    """Two clerks load the first roll of a community at the same moment: both found no roll,
    both inserted it, and the second failed on the units' unique key (a crash, HTTP 500)."""
    from tests.factories import make_roll_csv
    from votes.services import roll_import

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    # A has found no roll and is about to insert its own when B imports.
    outcome = held_race(app, monkeypatch, roll_import, "_insert_plan",
                        lambda who: _import(app, "SUN", roll, replace=False))
    assert sorted(outcome.values())[0] == "imported 7", outcome
    assert "已有业主名册" in sorted(outcome.values())[1], outcome
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import AuditEntry, Unit

        assert db.session.scalar(select(func.count()).select_from(Unit)) == 7
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "roll.import")) == 1


def test_a_roll_replaced_while_a_proposal_freezes_it_is_frozen_whole(app, runner, tmp_path,
                                                                     monkeypatch):
    """Publicity starts (the electorate is frozen) while a clerk replaces the roll: the freeze
    read the old roll's owners, then the new roll's units, found no owner for any unit and
    failed with a crash. Now the replacement waits for the freeze: the proposal freezes the
    whole old roll, and the community then has the new one."""
    from datetime import datetime, timezone

    from tests.factories import make_roll_csv, sample_rows
    from votes.services import lifecycle, roll

    app.config["VOTES_NOW"] = datetime(2026, 11, 18, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    old = make_roll_csv(tmp_path / "old.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(old)]).exit_code == 0
    new = make_roll_csv(tmp_path / "new.csv", sample_rows()[:-1])  # 2-201 gone: 6 flats
    created = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter",
        "use_fund", "--scope", "all", "--budget", "6547.50",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00"])
    assert created.exit_code == 0, created.output
    pid = created.output.strip()

    def act(who):
        if who == "A":
            return lifecycle.start_publicity(pid, actor="clerk-a").state
        return _import(app, "SUN", new, replace=True)

    # A has read the owners of the roll (its first statement) when B replaces the roll.
    outcome = held_race(app, monkeypatch, roll, "OwnerRow", act)
    assert outcome == {"A": "publicity", "B": "imported 6"}, outcome
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import FrozenUnit, FrozenVoter, Unit
        from votes.services.lifecycle import get_proposal

        p = get_proposal(pid)
        assert db.session.scalar(select(func.count()).select_from(FrozenUnit).where(
            FrozenUnit.proposal_id == p.id)) == 7  # the old roll's flats
        assert db.session.scalar(select(func.count()).select_from(FrozenVoter).where(
            FrozenVoter.proposal_id == p.id)) == 5
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 6


def _entries(app, pid: int) -> list[str]:
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import ChainEntry

        kinds = list(db.session.scalars(select(ChainEntry.kind).where(
            ChainEntry.proposal_id == pid).order_by(ChainEntry.seq)))
        db.session.remove()
        return kinds


def test_two_timers_closing_at_once_write_one_close(app, runner, tmp_path, monkeypatch):
    """`votes tick` on both app hosts at the end of the vote (docs/deploy.md calls that
    harmless): one close entry, and only the timer that closed it says so (the other one
    reported the move too, from the state it read before the lock)."""
    from datetime import timedelta

    from tests.factories import make_open_proposal
    from votes.services import lifecycle

    vote = make_open_proposal(app, runner, tmp_path)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, minutes=1)

    def tick(who):
        return ",".join(after for _, _, after in lifecycle.tick()) or "nothing"

    # A (a timer) has the lock and is writing the close when B (the other timer) comes.
    outcome = held_race(app, monkeypatch, lifecycle, "_close", tick)
    assert outcome == {"A": "closed", "B": "nothing"}, outcome
    assert _entries(app, vote["id"]) == ["genesis", "close"]


def test_a_clerk_closing_while_the_timer_closes_writes_one_close(app, runner, tmp_path,
                                                                 monkeypatch):
    from datetime import timedelta

    from tests.factories import make_open_proposal
    from votes.services import lifecycle

    vote = make_open_proposal(app, runner, tmp_path)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, minutes=1)

    def act(who):
        if who == "A":
            return ",".join(after for _, _, after in lifecycle.tick())
        return lifecycle.close_voting(str(vote["id"]), actor="clerk").state

    outcome = held_race(app, monkeypatch, lifecycle, "_close", act)
    assert outcome == {"A": "closed", "B": "closed"}, outcome
    assert _entries(app, vote["id"]) == ["genesis", "close"]


def test_two_clerks_opening_a_vote_at_once_write_one_genesis(app, runner, tmp_path,
                                                             monkeypatch):
    """A double click on "open voting": one genesis, one frozen roll; the second is told the
    vote has started. Guards the lock as above (passed before the fixes too)."""
    from datetime import datetime, timezone

    from tests.factories import make_draft
    from votes.services import lifecycle

    pid = make_draft(app, runner, tmp_path)
    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)

    def open_(who):
        return lifecycle.open_voting(str(pid), actor=who).state

    # A is freezing the roll (publicity was due first) when B clicks too.
    outcome = held_race(app, monkeypatch, lifecycle, "freeze", open_)
    assert outcome["A"] == "voting" and "表决已开始" in outcome["B"], outcome
    assert _entries(app, pid) == ["genesis"]
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import FrozenUnit

        assert db.session.scalar(select(func.count()).select_from(FrozenUnit).where(
            FrozenUnit.proposal_id == pid)) == 7


def test_a_settlement_while_the_roll_is_replaced_waits_for_it(app, runner, tmp_path,
                                                              monkeypatch):
    """A settlement debits the units of the community's roll (locking them in id order)
    while a clerk replaces that roll (deleting them in the table's order): the settlement
    found every unit gone, or the two locked the units in two orders and PostgreSQL failed
    one of them. It now waits for the replacement, as a freeze does (the community's shared
    lock), and debits the new roll's units."""
    from sqlalchemy import func, select

    from tests.factories import make_roll_csv
    from tests.money_world import passed_vote, works_done
    from votes.services import roll_import
    from votes.services.money.settlement import settle

    vote = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, vote["pid"])
    new = make_roll_csv(tmp_path / "new.csv")  # the same flats, read again

    def act(who):
        if who == "A":
            return _import(app, "SUN", new, replace=True)
        return settle(vote["pid"], final_cost=640000, actor="clerk-b").state

    # A has locked the community and deleted the old roll's units when B settles.
    outcome = held_race(app, monkeypatch, roll_import, "_insert_plan", act)
    assert outcome["A"] == "imported 7" and "crash" not in outcome["B"], outcome
    assert "已不在当前业主名册中" not in outcome["B"], outcome
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        assert db.session.scalar(select(func.count()).select_from(FundDebit)) == 7
        db.session.remove()
