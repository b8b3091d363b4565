"""State changes other than an owner's cast, racing each other on PostgreSQL: one of two
held at a chosen point (tests/races.py) while the other acts. After both, one outcome, the
loser refused in words (never a crash, never a false success), nothing half-applied, and
the chain still verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.races import held_race

# Row locks between two connections (skipped, with the reason, without a server).
pytestmark = pytest.mark.postgresql_only


def _voter(app, pid, building, entrance, room) -> str:
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid), FrozenUnit.building == building,
            FrozenUnit.entrance == entrance, FrozenUnit.room == room))
        db.session.remove()
        return key


def _kinds(app, pid) -> list[str]:
    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        kinds = list(db.session.scalars(select(ChainEntry.kind).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)))
        db.session.remove()
        return kinds


def _audits(app, action: str) -> int:
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action))
        db.session.remove()
        return n


def _verifies(app, runner, tmp_path, pid) -> None:
    from tests.procedure_world import export_and_verify

    _data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()


def _paper(pid, voter, clerk="clerk", form=b"%PDF-1.4 form"):
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballots

    return cast_ballots(int(pid), [BallotRequest(voter, Choice.AGREE, "paper", entered_by=clerk,
                                                 evidence=("form.pdf", form))],
                        actor=clerk)[0].seq


def test_a_withdrawal_held_before_the_lock_while_the_timer_closes_is_refused(
        app, runner, tmp_path, monkeypatch):
    from tests.procedure_world import END, at, open_vote
    from votes.services import lifecycle, withdrawals

    pid = open_vote(app, runner, tmp_path)
    with app.app_context():
        seq = _paper(pid, _voter(app, pid, "1", "1", "102"))

    def act(who):
        if who == "A":
            return withdrawals.withdraw_ballot(pid, seq, reason="录错房号", actor="clerk",
                                               evidence=("why.pdf", b"%PDF-1.4 why"))
        at(app, END)
        return [after for _p, _before, after in lifecycle.tick()][0]

    outcome = held_race(app, monkeypatch, withdrawals, "lock_for_voting", act)
    assert outcome == {"A": "表决已结束", "B": "closed"}, outcome
    assert _kinds(app, pid) == ["genesis", "ballot", "close"]
    assert _audits(app, "ballots.withdraw") == 0
    _verifies(app, runner, tmp_path, pid)


def test_a_correction_held_before_the_lock_while_a_member_closes_is_refused(
        app, runner, tmp_path, monkeypatch):
    from tests.procedure_world import END, at, open_vote
    from votes.services import ballots, lifecycle
    from votes.services.corrections import correct_ballot

    pid = open_vote(app, runner, tmp_path)
    with app.app_context():
        seq = _paper(pid, _voter(app, pid, "1", "1", "102"))

    def act(who):
        if who == "A":
            return correct_ballot(pid, seq, choice="反对", reason="录入错误", actor="clerk").seq
        at(app, END)
        return lifecycle.close_voting(pid, actor="member").state

    outcome = held_race(app, monkeypatch, ballots, "lock_for_voting", act)
    assert outcome == {"A": "表决已结束", "B": "closed"}, outcome
    assert _kinds(app, pid) == ["genesis", "ballot", "close"]
    _verifies(app, runner, tmp_path, pid)


def test_two_clerks_entering_one_paper_ballot_at_once_enter_it_once(app, runner, tmp_path,
                                                                   monkeypatch):
    """Two clerks share the day's stack and both enter the same owner's form: one ballot;
    the other clerk is told to look at the owner's record, not that theirs went in."""
    from tests.procedure_world import close_at_end, open_vote
    from votes.extensions import db
    from votes.models import Ballot
    from votes.services import ballots

    pid = open_vote(app, runner, tmp_path)
    voter = _voter(app, pid, "1", "1", "102")

    def act(who):
        return _paper(pid, voter, clerk=f"clerk{who}", form=b"%PDF-1.4 the owner's form")

    outcome = held_race(app, monkeypatch, ballots, "lock_for_voting", act)
    # B stores the same scan, so waits for A's transaction: either may be the one entered.
    entered = [o for o in outcome.values() if isinstance(o, int)]
    refused = [o for o in outcome.values() if not isinstance(o, int)]
    assert len(entered) == 1 and "本次录入没有保存" in refused[0], outcome
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(
            Ballot.proposal_id == int(pid))) == 1
        db.session.remove()
    assert _audits(app, "ballots.enter") <= 1
    close_at_end(app, runner, pid)
    _verifies(app, runner, tmp_path, pid)


def test_two_members_publishing_one_result_at_once_publish_it_once(app, runner, tmp_path,
                                                                   monkeypatch):
    from tests.procedure_world import close_at_end, open_vote, vote
    from votes.services import lifecycle

    pid = open_vote(app, runner, tmp_path)
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABC"})
    close_at_end(app, runner, pid)

    def act(who):
        return lifecycle.publish_result(pid, actor=f"member{who}").state

    outcome = held_race(app, monkeypatch, lifecycle, "lock_proposal", act)
    assert outcome["B"] == "published", outcome
    assert outcome["A"] != "published" and "crash" not in outcome["A"], outcome
    assert _audits(app, "proposal.publish") == 1
    _verifies(app, runner, tmp_path, pid)


def test_two_members_withdrawing_one_proposal_at_once_withdraw_it_once(app, runner, tmp_path,
                                                                       monkeypatch):
    from datetime import datetime, timezone

    from tests.factories import make_draft
    from votes.services import lifecycle

    pid = make_draft(app, runner, tmp_path)
    app.config["VOTES_NOW"] = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # publicity

    def act(who):
        return lifecycle.withdraw(str(pid), f"{who} 预算有误", actor=f"member{who}").state

    outcome = held_race(app, monkeypatch, lifecycle, "lock_proposal", act)
    assert outcome["B"] == "withdrawn", outcome
    assert outcome["A"] != "withdrawn" and "crash" not in outcome["A"], outcome
    assert _audits(app, "proposal.withdraw") == 1
    with app.app_context():
        assert lifecycle.get_proposal(str(pid)).withdraw_reason == "B 预算有误"


def test_a_withdrawal_of_the_proposal_while_the_clock_opens_voting_is_refused(
        app, runner, tmp_path, monkeypatch):
    """A member withdraws in the last moment of publicity while the timer opens the vote."""
    from datetime import datetime, timezone

    from tests.factories import make_draft
    from votes.services import lifecycle

    pid = make_draft(app, runner, tmp_path)
    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting start

    def act(who):
        if who == "A":
            return lifecycle.withdraw(str(pid), "预算有误", actor="member").state
        return [after for _p, _before, after in lifecycle.tick()][-1]

    outcome = held_race(app, monkeypatch, lifecycle, "lock_proposal", act)
    assert outcome["B"] == "voting" and "表决已开始" in outcome["A"], outcome
    assert _kinds(app, pid) == ["genesis"]
    assert _audits(app, "proposal.withdraw") == 0


def test_two_members_recording_one_contract_at_once_record_it_once(app, runner, tmp_path,
                                                                   monkeypatch):
    from tests.money_world import passed_vote
    from votes.services.money import works

    vote = passed_vote(app, runner, tmp_path)

    def act(who):
        return works.record_contract(
            vote["pid"], contractor="福州电梯工程有限公司", amount=600000,
            evidence=[works.EvidenceFile("contract.pdf", b"%PDF-1.4 signed contract")],
            actor=f"member{who}").state

    outcome = held_race(app, monkeypatch, works, "lock_proposal", act)
    assert "crash" not in str(outcome) and list(outcome.values()).count("closed") <= 1, outcome
    assert _kinds(app, vote["pid"]).count("works") == 1, (_kinds(app, vote["pid"]), outcome)
    _verifies(app, runner, tmp_path, vote["pid"])


def test_a_key_rotated_while_a_cast_waits_leaves_a_chain_that_verifies(app, runner, tmp_path,
                                                                       monkeypatch):
    from tests.procedure_world import close_at_end, open_vote
    from votes.core.tally import Choice
    from votes.services import keys, pg_append
    from votes.services.ballots import BallotRequest, cast_ballots

    pid = open_vote(app, runner, tmp_path)
    voter = _voter(app, pid, "1", "1", "102")

    def act(who):
        if who == "A":
            return cast_ballots(int(pid), [BallotRequest(voter, Choice.AGREE, "online")])[0].seq
        return keys.generate_key(actor="admin")

    outcome = held_race(app, monkeypatch, pg_append, "lock_head", act)
    assert outcome["A"] == 1 and "crash" not in str(outcome["B"]), outcome
    close_at_end(app, runner, pid)
    _verifies(app, runner, tmp_path, pid)


def test_an_objection_held_at_the_periods_end_while_the_final_result_is_written_is_refused(
        app, runner, tmp_path, monkeypatch):
    from tests.procedure_world import END, at, close_at_end, open_vote, vote
    from votes.services import lifecycle
    from votes.services.procedure import objections

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABC"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(days=3, seconds=-1))  # the period's last second
    voter = _voter(app, pid, "1", "1", "101")

    def act(who):
        if who == "A":
            return objections.file_signed_in(lifecycle.get_proposal(pid), voter,
                                              "面积有误").seq
        at(app, END + timedelta(days=4))
        return [after for _p, _before, after in lifecycle.tick()][0]

    outcome = held_race(app, monkeypatch, objections, "lock_proposal", act)
    assert outcome["B"] == "published" and not isinstance(outcome["A"], int), outcome
    assert "crash" not in outcome["A"], outcome
    assert _kinds(app, pid)[-1] == "result" and "objection" not in _kinds(app, pid)
    _verifies(app, runner, tmp_path, pid)


def test_two_clerks_entering_one_owners_delivery_at_once_enter_it_once(app, runner, tmp_path,
                                                                       monkeypatch):
    """Two clerks, each with a receipt of the same owner's notice (a hand delivery and a
    registered letter): one delivery entry; the other is told it is entered already."""
    from tests.procedure_world import close_at_end, open_vote
    from votes.services.procedure import deliveries

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")

    def act(who):
        method = "hand" if who == "A" else "registered_mail"
        return deliveries.record_delivery(pid, "1", "1", "101", method, "2026-12-01T09:30",
                                          (f"receipt{who}.pdf", f"%PDF-1.4 {who}".encode()),
                                          f"clerk{who}").seq

    outcome = held_race(app, monkeypatch, deliveries, "lock_proposal", act)
    assert outcome == {"A": "该业主的送达记录已录入。", "B": 1}, outcome
    assert _kinds(app, pid) == ["genesis", "delivery"]
    assert _audits(app, "proposal.delivery") == 1
    close_at_end(app, runner, pid)
    _verifies(app, runner, tmp_path, pid)


def test_an_account_disabled_during_its_request_does_not_act(app, runner, monkeypatch):
    """An administrator's request passed the sign-in check; before it wrote anything another
    administrator disabled the account and committed. The request went on and created the
    community as the disabled account: a one-request window after disabling. The audit
    write reads the account again under the log's lock and refuses; nothing is kept."""
    from tests.staff_world import staff_client
    from votes.services import audit, staff

    client = staff_client(app, runner, "admin1", "--role", "admin")
    staff_client(app, runner, "admin2", "--role", "admin")

    def act(who):
        if who == "A":
            page = client.post("/admin/", data={"action": "community", "code": "LATE",
                                                "name": "停用后的小区"})
            return f"{page.status_code} {page.get_data(as_text=True)}"
        staff.change_user("admin1", actor="admin2", active=False)
        return "disabled"

    outcome = held_race(app, monkeypatch, audit, "lock", act)
    assert outcome["B"] == "disabled", outcome
    assert outcome["A"].startswith("200 ") and "账号不存在或已停用" in outcome["A"], outcome["A"]
    with app.app_context():
        from votes.services.communities import list_communities

        assert "LATE" not in [c.code for c in list_communities()]
    assert _audits(app, "community.create") == 0
