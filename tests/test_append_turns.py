"""Online ballots a process casts on one proposal at the same moment share one turn of its
lock (votes/services/append_queue.py): while one turn holds the lock the next one gathers,
and is appended with one statement. Each ballot keeps its own outcome: the chain holds
every accepted ballot once, in order, and a refusal is the refused ballot's alone. The
interleavings are forced: the first turn's lock waits until the others have queued."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.test_device_entries import _key
from tests.test_pg_append import _rows, _verifies_clean, _voters, pg_vote  # noqa: F401

pytestmark = pytest.mark.postgresql_only


class _Turns:
    """A fresh registry of turns whose first lock waits until `behind` threads wait for
    the next turn; and what each turn appended (the rows of each statement tried)."""

    def __init__(self, monkeypatch, behind: int):
        from votes.services import append_queue, pg_append

        self.queued, self.first_in = threading.Event(), threading.Event()
        self.statements: list[int] = []
        waiting = [0]
        queued = self.queued

        class Counted(threading.Condition):
            def wait(self, timeout=None):
                waiting[0] += 1  # under the condition's own lock
                if waiting[0] >= behind:
                    queued.set()
                return super().wait(timeout)

        class Turn(append_queue._Turn):
            def __init__(self):
                super().__init__()
                self.cond = Counted()

        real_head, real_append = pg_append.lock_head, pg_append.append_ballots
        locks = [0]

        def lock_head(*args, **kwargs):
            locks[0] += 1
            if locks[0] == 1:
                self.first_in.set()
                assert queued.wait(30), "the others never queued behind the first turn"
                self.before_first_lock()
            return real_head(*args, **kwargs)

        def append_ballots(session, proposal_id, at, ballots):
            self.statements.append(len(ballots))
            return real_append(session, proposal_id, at, ballots)

        monkeypatch.setattr(append_queue, "_turns", {})
        monkeypatch.setattr(append_queue, "_Turn", Turn)
        monkeypatch.setattr(pg_append, "lock_head", lock_head)
        monkeypatch.setattr(pg_append, "append_ballots", append_ballots)

    def before_first_lock(self) -> None:
        """What a test does while every caster waits (nothing by default)."""


def _cast_together(app, vote, turns: _Turns, requests: list) -> list:
    """Cast requests[0] first; once it is inside its lock, the rest at once. Each thread's
    ballot, or what refused it."""
    from votes.extensions import db
    from votes.services.ballots import cast_ballot

    outcomes: list = [None] * len(requests)

    def cast(i):
        with app.app_context():
            try:
                outcomes[i] = cast_ballot(vote["id"], requests[i])
            except Exception as exc:  # noqa: BLE001 - reported as this ballot's outcome
                outcomes[i] = exc
            finally:
                db.session.remove()

    first = threading.Thread(target=cast, args=(0,))
    first.start()
    assert turns.first_in.wait(30)
    rest = [threading.Thread(target=cast, args=(i,)) for i in range(1, len(requests))]
    for thread in rest:
        thread.start()
    for thread in [first, *rest]:
        thread.join(60)
        assert not thread.is_alive()
    return outcomes


def test_ballots_queued_behind_a_turn_are_appended_with_one_statement(
        app, runner, tmp_path, pg_vote, monkeypatch):  # noqa: F811
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest

    voters = _voters(app, pg_vote)[:4]
    turns = _Turns(monkeypatch, behind=3)
    outcomes = _cast_together(app, pg_vote, turns, [
        BallotRequest(v, Choice.AGREE, "online") for v in voters])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert turns.statements == [1, 3]  # the first turn's ballot, then the three behind it
    ballots, entries, proposal = _rows(app, pg_vote)
    assert {b.receipt for b in outcomes} == {ballots[v].receipt for v in voters}
    seqs = sorted(ballots[v].seq for v in voters)
    assert seqs == list(range(1, 5)) and proposal.chain_length == 5
    assert proposal.chain_head == next(b.receipt for b in ballots.values() if b.seq == 4)
    for ballot in outcomes:  # what each request was told is what the database holds
        stored = ballots[ballot.voter_key]
        assert (stored.id, stored.seq, stored.cast_at) == (ballot.id, ballot.seq, ballot.cast_at)
        assert entries[ballot.receipt].seq == ballot.seq
    times = [ballots[v].cast_at for v in sorted(voters, key=lambda v: ballots[v].seq)]
    assert times == sorted(times)
    assert _verifies_clean(runner, pg_vote, tmp_path)


def test_in_a_turn_only_the_ballot_at_fault_is_refused(app, runner, tmp_path, pg_vote,  # noqa: F811
                                                         monkeypatch):
    """Behind the first turn: the same voter twice (both read "no ballot yet"), an unsigned
    ballot of a voter who registered a device key, and a plain one. The statement refused
    for the duplicate is retried ballot by ballot."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.ballots import BallotRequest
    from votes.services.errors import DomainError
    from votes.services.online_ballot import register_device

    first, twice, registered, plain = _voters(app, pg_vote)[:4]
    with app.app_context():
        register_device(db.session.get(Proposal, pg_vote["id"]), registered, _key()[1], "id")
    turns = _Turns(monkeypatch, behind=4)
    requests = [BallotRequest(first, Choice.AGREE, "online"),
                BallotRequest(twice, Choice.AGREE, "online"),
                BallotRequest(twice, Choice.DISAGREE, "online"),
                BallotRequest(registered, Choice.AGREE, "online"),
                BallotRequest(plain, Choice.ABSTAIN, "online")]
    outcomes = _cast_together(app, pg_vote, turns, requests)
    refused = {i: o for i, o in enumerate(outcomes) if isinstance(o, Exception)}
    assert set(refused) in ({2, 3}, {1, 3}), outcomes
    assert all(isinstance(o, DomainError) for o in refused.values())
    assert "登记过的设备" in refused[3].message
    duplicate = refused[({1, 2} & set(refused)).pop()]
    assert "已被受理" in duplicate.message
    assert turns.statements[:2] == [1, 3]  # the registered voter's ballot never went in
    ballots, entries, proposal = _rows(app, pg_vote)
    assert set(ballots) == {first, twice, plain}
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    assert {b.receipt for b in accepted} == {b.receipt for b in ballots.values()}
    assert proposal.chain_length == 2 + len(accepted)  # genesis, device entry, ballots
    assert _verifies_clean(runner, pg_vote, tmp_path)


def test_a_window_that_ends_while_ballots_queue_refuses_them_all(
        app, runner, tmp_path, pg_vote, monkeypatch):  # noqa: F811
    """The locked row says the fast path does not apply: every ballot of the turn goes the
    general way, which refuses each after the end (the close is the clock's to write)."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services import clock
    from votes.services.ballots import BallotRequest
    from votes.services.errors import DomainError

    with app.app_context():
        end = db.session.get(Proposal, pg_vote["id"]).voting_end
    now = [end - timedelta(minutes=1)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    turns = _Turns(monkeypatch, behind=2)
    turns.before_first_lock = lambda: now.__setitem__(0, end + timedelta(seconds=1))
    voters = _voters(app, pg_vote)[:3]
    outcomes = _cast_together(app, pg_vote, turns, [
        BallotRequest(v, Choice.AGREE, "online") for v in voters])
    assert all(isinstance(o, DomainError) and o.message == "表决已结束" for o in outcomes), \
        outcomes
    assert turns.statements == []
    ballots, entries, _proposal = _rows(app, pg_vote)
    assert ballots == {} and [e.kind for e in entries.values()] == ["genesis"]
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _verifies_clean(runner, pg_vote, tmp_path)
