"""Chain entry times never go backwards, whatever order casters reach the proposal lock in
and whatever the clocks of the processes say."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

from tests.factories import make_open_proposal


def _voter(app, vote, room, building="1"):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == building,
            FrozenUnit.room == room))


def _times(app, vote):
    from votes.core.canonical import parse_time
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.records import chain_entries

    with app.app_context():
        return [parse_time(s.entry["time"])
                for s in chain_entries(db.session.get(Proposal, vote["id"]))]


def _verifies(runner, vote, tmp_path):
    from votes.core.verifier import verify_bundle

    bundle = tmp_path / "live.zip"
    result = runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    report = verify_bundle(bundle.read_bytes())
    return [f for f in report.failures]


def test_a_caster_delayed_before_the_lock_writes_no_earlier_time(app, runner, tmp_path,
                                                                   monkeypatch):
    """Caster A reads the clock, then stalls before the lock while B casts; A's entry must
    not carry a time earlier than B's (verification step 6.8 failed for good before)."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.services import append_queue, ballots, clock, pg_append
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path)
    voter_a, voter_b = _voter(app, vote, "101"), _voter(app, vote, "102")
    base = vote["t0"] + timedelta(hours=1)
    ticks, tick_lock = itertools.count(1), threading.Lock()

    def advancing_clock():
        with tick_lock:
            return base + timedelta(seconds=next(ticks))

    monkeypatch.setattr(clock, "now", advancing_clock)
    a_stalled, b_done = threading.Event(), threading.Event()

    def stalling(real_lock):
        def stalling_lock(session, proposal_id, *args):
            if threading.current_thread().name == "caster-A":
                a_stalled.set()
                assert b_done.wait(30), "caster B never finished"
            return real_lock(session, proposal_id, *args)
        return stalling_lock

    # The general path locks with lock_proposal, PostgreSQL's online ballots with lock_head.
    monkeypatch.setattr(ballots, "lock_proposal", stalling(ballots.lock_proposal))
    monkeypatch.setattr(pg_append, "lock_head", stalling(pg_append.lock_head))
    # B stands for another worker process: a turn of its own at the proposal's lock
    # (votes/services/append_queue.py), so that only the database orders A and B.
    real_turn, b_turn = append_queue._turn_of, append_queue._Turn()
    monkeypatch.setattr(append_queue, "_turn_of", lambda *key: b_turn if
                        threading.current_thread().name == "caster-B" else real_turn(*key))
    errors: list[BaseException] = []

    def cast(voter):
        with app.app_context():
            try:
                cast_ballot(vote["id"], BallotRequest(voter, Choice.AGREE, "online"))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                db.session.remove()

    a = threading.Thread(target=cast, args=(voter_a,), name="caster-A")
    a.start()
    assert a_stalled.wait(30)
    b = threading.Thread(target=cast, args=(voter_b,), name="caster-B")
    b.start()
    b.join(30)
    b_done.set()
    a.join(30)
    assert not a.is_alive() and not b.is_alive() and errors == []
    times = _times(app, vote)
    assert len(times) == 3
    assert times == sorted(times), f"entry times go backwards: {times}"
    assert not [f for f in _verifies(runner, vote, tmp_path) if f.step == "6.8"]


def test_a_clock_behind_the_last_entry_never_writes_an_earlier_time(app, runner, tmp_path,
                                                                     monkeypatch):
    """Two app machines whose clocks disagree: the later entry takes the last entry's time,
    and so does the committee's early close."""
    from votes.core.tally import Choice
    from votes.services import clock
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path, scope="building:1")
    ahead = vote["t0"] + timedelta(hours=3)
    behind = vote["t0"] + timedelta(hours=2)
    voters = sorted({_voter(app, vote, room) for room in ("101", "102", "201", "202")})
    with app.app_context():
        monkeypatch.setattr(clock, "now", lambda: ahead)
        cast_ballot(vote["id"], BallotRequest(voters[0], Choice.AGREE, "online"))
        monkeypatch.setattr(clock, "now", lambda: behind)
        for voter in voters[1:]:
            cast_ballot(vote["id"], BallotRequest(voter, Choice.DISAGREE, "online"))
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    times = _times(app, vote)
    assert times[1:] == [ahead] * len(times[1:])
    assert _verifies(runner, vote, tmp_path) == []


def test_a_rotated_key_signs_the_next_entry(app, runner, tmp_path):
    """The private key is decrypted once per process, but a rotation (here or by another
    process: the active key's id is read on every cast) takes effect at the next entry."""
    import json

    from sqlalchemy import update

    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import ServerKey
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path)
    first = runner.invoke(args=["keys", "generate"]).output.strip()
    with app.app_context():
        cast_ballot(vote["id"], BallotRequest(_voter(app, vote, "101"), Choice.AGREE, "online"))
    second = runner.invoke(args=["keys", "generate"]).output.strip()
    with app.app_context():
        cast_ballot(vote["id"], BallotRequest(_voter(app, vote, "102"), Choice.AGREE, "online"))
        # Another process switching back to the first key: this one follows, from its cache.
        # (in two statements: one active key at every moment, as the unique index demands)
        db.session.execute(update(ServerKey).values(active=False))
        db.session.execute(update(ServerKey).where(ServerKey.key_id == first)
                           .values(active=True))
        db.session.commit()
        cast_ballot(vote["id"], BallotRequest(_voter(app, vote, "202"), Choice.AGREE, "online"))
    from votes.models import Proposal
    from votes.services.records import chain_entries

    with app.app_context():
        used = [s.entry["key_id"] for s in chain_entries(db.session.get(Proposal, vote["id"]))]
    assert used[1:] == [first, second, first], json.dumps(used)
    assert [f for f in _verifies(runner, vote, tmp_path) if f.step != "7.1"] == []
