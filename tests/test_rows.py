"""votes/services/rows.py: the owner pages' reads on the driver's cursor return exactly what
SQLAlchemy Core returns for the same statement, and fail as SQLAlchemy fails."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, column, exc, select, table

from tests.factories import make_open_proposal
from tests.test_owner_http import cast, verified


def core_rows(statement, params):
    from votes.extensions import db

    return [list(row) for row in db.session.connection().execute(statement, params)]


def test_each_owner_statement_gives_what_core_gives(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = app.test_client()
    verified(client, app, vote)
    r, _ = cast(client, vote)  # a ballot, so the voter's rows hold one too
    assert r.status_code == 302
    from votes.extensions import db
    from votes.models import Ballot, VoterAccess
    from votes.services import rows
    from votes.services.owner_pages import _proposal_and_voter, _voter_view
    from votes.services.pg_append import _lock_head
    from votes.services.proposal_read import _documents, _items, _proposal_row

    with app.app_context():
        voter_key = db.session.scalars(select(Ballot.voter_key)).one()
        by_voter = {"proposal_id": vote["id"], "voter_key": voter_key}
        access_id = db.session.scalars(select(VoterAccess.id).where(
            VoterAccess.voter_key == voter_key)).one()
        cases = [(_proposal_row(), {"uid": vote["uid"]}), (_items(), {"proposal_id": vote["id"]}),
                 (_documents(), {"proposal_id": vote["id"]}), (_voter_view(), by_voter),
                 (_proposal_and_voter(), {"uid": vote["uid"], "voter_key": voter_key}),
                 (_proposal_and_voter(), {"uid": vote["uid"], "voter_key": "v-nobody"}),
                 (_proposal_and_voter(True), {"uid": vote["uid"], "access_id": access_id}),
                 (_proposal_and_voter(True), {"uid": vote["uid"], "access_id": 0}),
                 (_proposal_and_voter(False, True), {"uid": vote["uid"], "voter_key": voter_key}),
                 (_proposal_and_voter(False, True), {"uid": vote["uid"], "voter_key": "v-0"})]
        if db.engine.dialect.name == "postgresql":  # the online append's lock (an array)
            cases += [(_lock_head(), {"proposal_id": vote["id"], "voters": [voter_key]}),
                      (_lock_head(), {"proposal_id": vote["id"], "voters": []})]
        for statement, params in cases:
            done, found = rows.fetch(statement, params)
            expected = core_rows(statement, params)
            assert found == expected, statement
            assert [[type(v) for v in row] for row in found] == \
                [[type(v) for v in row] for row in expected]
            assert done.names == tuple(c.name for c in statement.selected_columns)
        done, found = rows.fetch(_proposal_row(), {"uid": vote["uid"]})
        proposal = dict(zip(done.names, found[0]))
        assert proposal["voting_end"].utcoffset().total_seconds() == 0  # aware, in UTC
        assert isinstance(proposal["emergency"], bool)
        db.session.rollback()


def test_a_database_error_is_raised_as_sqlalchemy_raises_it(app):
    from votes.extensions import db
    from votes.services import rows

    missing = select(column("x")).select_from(table("no_such_table")).where(
        column("x") == bindparam("x"))
    with app.app_context():
        with pytest.raises(exc.DBAPIError):
            rows.fetch(missing, {"x": 1})
        db.session.rollback()
        assert rows.fetch(select(column("n")).select_from(
            select(bindparam("one", 1).label("n")).subquery()), {})[1] == [[1]]


def test_an_expanding_parameter_is_refused(app):
    from votes.models import Proposal
    from votes.services import rows

    statement = select(Proposal.id).where(Proposal.uid.in_(bindparam("uids", expanding=True)))
    with app.app_context():
        with pytest.raises(ValueError):
            rows.fetch(statement, {"uids": ["a"]})


def test_a_given_session_is_read_in_its_own_transaction(app):
    """rows.fetch(..., session=s) reads on s's connection: what s wrote and has not
    committed is there; the request's session does not see it."""
    from sqlalchemy.orm import Session

    from votes.extensions import db
    from votes.models import Community
    from votes.services import rows

    statement = select(Community.code).where(Community.code == bindparam("code"))
    with app.app_context():
        with Session(db.engine) as other:
            other.add(Community(code="ROWS-OWN", name="本会话的小区"))
            other.flush()
            assert rows.fetch(statement, {"code": "ROWS-OWN"}, session=other)[1] == \
                [["ROWS-OWN"]]
            assert rows.fetch(statement, {"code": "ROWS-OWN"})[1] == []
            other.rollback()
        db.session.rollback()


def test_a_last_write_is_committed_with_what_came_before_it(app):
    """rows.write_and_commit ends the session's transaction: what the session wrote before
    and the statement's own write are both committed (seen from another connection), and
    the session's commit afterwards changes nothing."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from votes.extensions import db
    from votes.models import Community
    from votes.services import rows

    rename = update(Community).where(Community.code == bindparam("which")).values(
        name=bindparam("new_name"))
    with app.app_context():
        db.session.add(Community(code="ROWS-W1", name="前一条"))
        db.session.flush()
        rows.write_and_commit(rename, {"which": "ROWS-W1", "new_name": "后一条"}, db.session)

        def seen():
            with Session(db.engine) as other:
                return other.scalars(select(Community.name).where(
                    Community.code == "ROWS-W1")).all()

        assert seen() == ["后一条"]  # committed before the session's own commit
        db.session.commit()
        assert seen() == ["后一条"]


def test_a_failed_last_write_commits_nothing(app):
    """The write fails (a duplicate code): raised as SQLAlchemy raises it, and neither it
    nor what the session wrote before it is committed."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from votes.extensions import db
    from votes.models import Community
    from votes.services import rows

    rename = update(Community).where(Community.code == bindparam("old")).values(
        code=bindparam("new_code"))
    with app.app_context():
        db.session.add(Community(code="ROWS-F1", name="已有"))
        db.session.commit()
        db.session.add(Community(code="ROWS-F2", name="未提交"))
        db.session.flush()
        with pytest.raises(exc.IntegrityError):
            rows.write_and_commit(rename, {"old": "ROWS-F2", "new_code": "ROWS-F1"}, db.session)
        db.session.rollback()
        with Session(db.engine) as other:
            assert other.scalars(select(Community.code).where(
                Community.code.like("ROWS-F%"))).all() == ["ROWS-F1"]


def test_a_last_write_commits_what_the_session_had_not_yet_flushed(app):
    """What the session holds unflushed goes in the same COMMIT as the last write: not left
    for the session's own commit afterwards, a second transaction (which a rollback, or a
    failure between the two, would lose while the write stands)."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from votes.extensions import db
    from votes.models import Community
    from votes.services import rows

    rename = update(Community).where(Community.code == bindparam("which")).values(
        name=bindparam("new_name"))
    with app.app_context():
        db.session.add(Community(code="ROWS-P1", name="已有"))
        db.session.commit()
        db.session.add(Community(code="ROWS-P2", name="未刷新"))  # pending, not flushed
        rows.write_and_commit(rename, {"which": "ROWS-P1", "new_name": "改名"}, db.session)
        db.session.rollback()  # e.g. the request fails after the write
        with Session(db.engine) as other:
            assert other.scalars(select(Community.code).where(
                Community.code.like("ROWS-P%")).order_by(Community.code)).all() == \
                ["ROWS-P1", "ROWS-P2"]
