"""Writers of different kinds of chain entry racing each other on PostgreSQL: paper, proxy
and transfer ballots, corrections, withdrawals, deliveries and online casts, with the close.
Each must be refused in words or go in, and the bundle must verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.postgresql_only


def _voter(app, pid, building, entrance, room) -> str:
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid), FrozenUnit.building == building,
            FrozenUnit.entrance == entrance, FrozenUnit.room == room))


def test_a_delivery_and_a_paper_ballot_with_one_scan_at_once_both_go_in(app, runner, tmp_path,
                                                                         monkeypatch):
    """The clerk's ballot stores its scan before it takes the proposal's lock; a delivery
    stored its proof under that lock. With one file for both (a scanned packet: the signed
    receipt and the form), the delivery held the lock and waited for the ballot's row of
    the scan, the ballot waited for the lock, and PostgreSQL failed one as a deadlock."""
    from tests.procedure_world import open_vote
    from tests.races import held_race
    from votes.core.tally import Choice
    from votes.services import ballots
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.procedure.deliveries import record_delivery

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    packet = ("packet.pdf", b"%PDF-1.4 receipt of the notice and the signed form")
    voter = _voter(app, pid, "1", "1", "101")

    def act(who):
        if who == "A":
            cast_ballots(int(pid), [BallotRequest(voter, Choice.AGREE, "paper",
                                                  entered_by="clerk1", evidence=packet)],
                         actor="clerk1")
        else:
            record_delivery(pid, "2", "1", "101", "hand", "2026-11-25T10:00", packet, "clerk2")
        return "accepted"

    outcome = held_race(app, monkeypatch, ballots, "lock_proposal", act)
    assert outcome == {"A": "accepted", "B": "accepted"}, outcome
