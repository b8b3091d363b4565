"""Database-level guarantees: one counted ballot per voter under concurrency, and a schema
that matches its migrations."""

from __future__ import annotations

import threading
import warnings

import pytest
from sqlalchemy.exc import IntegrityError

from tests.factories import make_open_proposal


def test_concurrent_ballots_for_one_voter_count_once(app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballot
    from votes.services.errors import DomainError

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        voter = db.session.scalar(db.select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.room == "101",
            FrozenUnit.building == "1"))
        from votes.services.keys import signing_key
        from votes.services.tx import unit_of_work

        with unit_of_work():
            signing_key()
    results: list[str] = []
    barrier = threading.Barrier(6)

    def attempt(choice):
        with app.app_context():
            barrier.wait()
            try:
                cast_ballot(vote["id"], BallotRequest(voter, choice, "paper", entered_by="c",
                                                      evidence=("s.pdf", b"scan")))
                results.append("ok")
            except DomainError:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in
               [Choice.AGREE, Choice.DISAGREE] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["refused"] * 5
    with app.app_context():
        from votes.services.figures import proposal_figures

        figures = proposal_figures(str(vote["id"]))
        assert figures.ballots == 1 and figures.proposal.chain_length == 2


def test_the_database_refuses_a_second_ballot_row(app, runner, tmp_path):
    from votes.extensions import db
    from votes.models import Ballot

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        db.session.add(Ballot(proposal_id=vote["id"], voter_key="v-x", revision=0, seq=5,
                              choice_enc=b"sealed", channel="paper", receipt="a" * 64))
        db.session.commit()
        db.session.add(Ballot(proposal_id=vote["id"], voter_key="v-x", revision=0, seq=6,
                              choice_enc=b"sealed", channel="paper", receipt="b" * 64))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from votes.extensions import db
    from votes.models import Base

    with app.app_context(), db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on an expression (communities'
        # lower(code), codes_0001) and says so; PostgreSQL's compares it.
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of "
                                                  "expression-based index")
        warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified "
                                                  "expression-based index")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_init_is_idempotent(app, runner):
    first = runner.invoke(args=["init"])
    second = runner.invoke(args=["init"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "数据库已是最新结构" in second.output
