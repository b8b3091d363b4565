"""Staff ballots of voters who voted already (changes of ballot, each on a new signed form)
look for their forms among the voters' own ballots for the whole batch at once: a file of
1,000 changes read them in 1,000 statements."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from tests.factories import make_open_proposal

FORMS_LOOKED_UP = re.compile(r"FROM ballots\b.*\bballots\.evidence IN", re.S)


def test_a_batch_of_changes_looks_up_its_forms_in_as_many_statements_as_one_change(
        app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Ballot, FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballots

    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    with app.app_context():
        voters = sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))[:4]
        engine = db.engine

    def ballots(tag, choice, whose):
        return [BallotRequest(voter, choice, "paper", entered_by="clerk",
                              evidence=(f"{tag}-{voter[:8]}.pdf",
                                        f"%PDF-1.4 {tag} form of {voter}".encode()))
                for voter in whose]

    def lookups(requests) -> int:
        seen = []

        def count(conn, cursor, statement, parameters, context, executemany):
            if FORMS_LOOKED_UP.search(statement):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with app.app_context():
                cast_ballots(vote["id"], requests, actor="clerk")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    with app.app_context():
        cast_ballots(vote["id"], ballots("first", Choice.AGREE, voters), actor="clerk")
    one = lookups(ballots("changed", Choice.DISAGREE, voters[:1]))
    three = lookups(ballots("changed", Choice.DISAGREE, voters[1:]))
    assert three == one, (one, three)
    with app.app_context():
        latest = {b.voter_key: b for b in db.session.scalars(
            select(Ballot).where(Ballot.proposal_id == vote["id"]).order_by(Ballot.revision))}
    assert {latest[v].revision for v in voters} == {1}
