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
