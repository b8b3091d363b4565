"""PostgreSQL's one-ballot append (votes/services/pg_append.py) writes what the general
path writes, refuses a duplicate without writing anything, and leaves a valid chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_open_proposal


def _voters(app, vote):
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))


def _rows(app, vote):
    from votes.extensions import db
    from votes.models import Ballot, ChainEntry, Proposal

    with app.app_context():
        ballots = {b.voter_key: b for b in db.session.scalars(select(Ballot))}
        entries = {e.digest: e for e in db.session.scalars(select(ChainEntry))}
        proposal = db.session.get(Proposal, vote["id"])
        db.session.expunge_all()
        return ballots, entries, proposal


# The path under test exists only there (skipped, with the reason, without a server).
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def pg_vote(app, runner, tmp_path):
    with app.app_context():
        from votes.extensions import db

        assert db.engine.dialect.name == "postgresql"
    return make_open_proposal(app, runner, tmp_path)


def test_the_one_round_trip_append_writes_what_the_general_path_writes(app, runner, tmp_path,
                                                                        pg_vote, monkeypatch):
    from votes.core.tally import Choice
    from votes.services import pg_append
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = pg_vote
    fast_voter, general_voter = _voters(app, vote)[:2]
    used = []
    real = pg_append.append_ballots
    monkeypatch.setattr(pg_append, "append_ballots",
                        lambda *a, **k: used.append(1) or real(*a, **k))
    with app.app_context():
        fast = cast_ballot(vote["id"], BallotRequest(fast_voter, Choice.AGREE, "online"))
        assert used == [1]
        monkeypatch.setattr(pg_append, "applies", lambda *a: False)
        general = cast_ballot(vote["id"], BallotRequest(general_voter, Choice.AGREE, "online"))
        assert used == [1]
    ballots, entries, proposal = _rows(app, vote)
    columns = ("proposal_id", "revision", "choice_enc", "commitment", "channel", "entered_by")
    for ballot, returned in ((ballots[fast_voter], fast), (ballots[general_voter], general)):
        assert ballot.id == returned.id and ballot.receipt == returned.receipt
        assert ballot.seq == returned.seq and ballot.cast_at == returned.cast_at
        assert [getattr(ballot, c) for c in columns] == [getattr(returned, c) for c in columns]
        entry = entries[ballot.receipt]
        assert (entry.seq, entry.kind, entry.created_at) == (ballot.seq, "ballot", ballot.cast_at)
    assert ballots[fast_voter].seq + 1 == ballots[general_voter].seq
    assert proposal.chain_length == ballots[general_voter].seq + 1
    assert proposal.chain_head == ballots[general_voter].receipt
    from tests.test_chain_times import _verifies

    assert _verifies(runner, vote, tmp_path) == []


def test_a_duplicate_revision_is_refused_and_nothing_is_written(app, runner, tmp_path,
                                                                pg_vote, monkeypatch):
    """Two requests of one voter that both read "no ballot yet" before the lock: the second
    one's single statement fails on the unique revision, so no entry and no head move."""
    from votes.core.tally import Choice
    from votes.services import ballots as ballots_service
    from votes.services.ballots import BallotRequest, cast_ballot
    from votes.services.errors import DomainError

    vote = pg_vote
    voter = _voters(app, vote)[0]
    with app.app_context():
        cast_ballot(vote["id"], BallotRequest(voter, Choice.AGREE, "online"))
    before_ballots, before_entries, before = _rows(app, vote)
    monkeypatch.setattr(ballots_service, "latest_ballots", lambda *a: {})  # the stale read
    with app.app_context():
        with pytest.raises(DomainError, match="已被受理"):
            cast_ballot(vote["id"], BallotRequest(voter, Choice.DISAGREE, "online"))
        # The session and its connection are usable afterwards.
        other = _voters(app, vote)[1]
        monkeypatch.undo()
        cast_ballot(vote["id"], BallotRequest(other, Choice.AGREE, "online"))
    after_ballots, after_entries, after = _rows(app, vote)
    assert after.chain_length == before.chain_length + 1
    assert set(after_ballots) == set(before_ballots) | {other}
    assert len(after_entries) == len(before_entries) + 1
    assert _verifies_clean(runner, vote, tmp_path)


def _verifies_clean(runner, vote, tmp_path) -> bool:
    from tests.test_chain_times import _verifies

    return _verifies(runner, vote, tmp_path) == []


def test_without_pipeline_support_the_append_still_commits(app, runner, tmp_path, pg_vote,
                                                           monkeypatch):
    """libpq before 14 has no pipeline mode: the statement and the COMMIT go one by one."""
    import psycopg

    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballot

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    voter = _voters(app, pg_vote)[0]
    with app.app_context():
        ballot = cast_ballot(pg_vote["id"], BallotRequest(voter, Choice.AGREE, "online"))
    ballots, entries, proposal = _rows(app, pg_vote)
    assert ballots[voter].receipt == ballot.receipt == proposal.chain_head
    assert _verifies_clean(runner, pg_vote, tmp_path)


def test_the_key_active_under_the_lock_signs(app, runner, tmp_path, pg_vote):
    """The active key's id is read with the lock: a rotation signs the very next entry."""
    import json

    from votes.core.tally import Choice
    from votes.services import keys
    from votes.services.ballots import BallotRequest, cast_ballot

    first, second = _voters(app, pg_vote)[:2]
    with app.app_context():
        before = cast_ballot(pg_vote["id"], BallotRequest(first, Choice.AGREE, "online"))
        rotated = keys.generate_key("test")
        after = cast_ballot(pg_vote["id"], BallotRequest(second, Choice.AGREE, "online"))
    _, entries, _ = _rows(app, pg_vote)
    key_of = {d: json.loads(e.line)["entry"]["key_id"] for d, e in entries.items()}
    assert key_of[before.receipt] != rotated and key_of[after.receipt] == rotated
    assert _verifies_clean(runner, pg_vote, tmp_path)


def _backend_state(app, pid: int):
    """(state, whether a transaction is open) of one server process, seen from outside."""
    import psycopg

    from votes.extensions import db

    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        state, xact_start = conn.execute(
            "SELECT state, xact_start FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return state, xact_start is not None


def test_a_commit_sent_with_its_statement_leaves_no_transaction_open(app, client, pg_vote,
                                                                     monkeypatch):
    """The second factor's update and the cast's append go with their COMMIT in one round
    trip: no transaction is left open on the server, and the session's own commit then
    ends its transaction (nothing left in it, usable after, what it had loaded read
    afresh)."""
    from tests.test_owner_http import cast, verified
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services import pg_append, rows
    from votes.services.ballots import BallotRequest, cast_ballot

    after = []

    def spy(module, name):
        real = getattr(module, name)

        def spied(*args, **kwargs):
            session = args[0] if name == "append_ballots" else args[2]
            pid = session.connection().connection.driver_connection.info.backend_pid
            done = real(*args, **kwargs)
            after.append((name, _backend_state(app, pid)))
            return done
        monkeypatch.setattr(module, name, spied)

    spy(pg_append, "append_ballots")
    spy(rows, "write_and_commit")
    verified(client, app, pg_vote)
    assert "/receipt/" in cast(client, pg_vote)[0].headers["Location"]
    assert after == [("write_and_commit", ("idle", False)), ("append_ballots", ("idle", False))]
    with app.app_context():  # a proposal loaded: the session's own commit expires it
        first = [v for v in _voters(app, pg_vote) if v not in _rows(app, pg_vote)[0]][0]
        proposal = db.session.get(Proposal, pg_vote["id"])
        length = proposal.chain_length
        cast_ballot(pg_vote["id"], BallotRequest(first, Choice.AGREE, "online"))
        assert after[-1] == ("append_ballots", ("idle", False))
        assert not db.session().in_transaction()
        assert proposal.chain_length == length + 1
        assert db.session.scalar(select(Proposal.chain_length)) == length + 1
