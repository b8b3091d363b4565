"""After the close the public board lists, per flat, only whether a ballot counted and its
channel ("不显示意见和姓名", docs/verification.md §12: "no choice, no name"); the public
chain API carries each ballot's unit ids and the close entry opens every choice. The unit
ids are the units' database ids, numbered in roll-import order, which is the board's own
building/room order when the roll was imported sorted (as owner rolls are): a stranger
pairs the two and reads every flat's choice.

Not fixed (a format decision): see the helper's report. Strict xfail, so it turns red
when the unit ids stop giving the flats away."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.factories import make_open_proposal


def _voter(app, vote, building, room):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == building,
            FrozenUnit.room == room))


@pytest.mark.xfail(strict=True, reason="public unit ids are import-ordered database ids")
def test_a_stranger_cannot_read_each_flats_choice_off_the_board_and_chain(app, runner,
                                                                           tmp_path):
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballot

    vote = make_open_proposal(app, runner, tmp_path)
    truth = {"1-1-101": "agree", "1-1-202": "disagree", "2-1-201": "abstain"}
    with app.app_context():
        for flat, choice in truth.items():
            building, entrance, room = flat.split("-")
            cast_ballot(vote["id"], BallotRequest(_voter(app, vote, building, room),
                                                  Choice(choice), "online"))
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0

    stranger = app.test_client()  # no link, no sign-in
    lines = stranger.get(f"/api/proposals/{vote['uid']}/chain").get_data(as_text=True)
    chain = [json.loads(line)["entry"] for line in lines.splitlines()]
    close = next(e for e in chain if e["kind"] == "close")["body"]
    choice_of_seq = {o["seq"]: o["choice"] for o in close["openings"]}
    choice_of_unit = {u: choice_of_seq[e["seq"]] for e in chain if e["kind"] == "ballot"
                      for u in e["body"]["units"]}
    page = stranger.get(f"/p/{vote['uid']}/units").get_data(as_text=True)
    counted = [flat for flat, mark in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", page)
               if mark == "已计入"]
    # The n-th counted flat on the board is the n-th smallest counted unit id.
    guessed = dict(zip(counted, [choice_of_unit[u] for u in sorted(choice_of_unit, key=int)]))
    assert any(guessed.get(flat) != choice for flat, choice in truth.items()), guessed
