"""After the close the public board lists, per flat, only whether a ballot counted and its
channel ("不显示意见和姓名", docs/verification.md §12: "no choice, no name"); the public
chain API carries each ballot's unit ids and the close entry opens every choice. The unit
ids were the units' database ids, numbered in roll-import order, which is the board's own
building/room order when the roll was imported sorted (as owner rolls are): a stranger
paired the two and read every flat's choice. Each proposal now names its units by a keyed
hash of its own (votes/services/lifecycle.py, _unit_ids): no order, no row id."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from tests.factories import make_open_proposal


def _voter(app, vote, building, room):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == building,
            FrozenUnit.room == room))


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
    # the board still says which flats counted, each named as every page names a flat
    assert {"{}号楼{}单元{}室".format(*flat.split("-")) for flat in truth} <= set(counted)
    # The attack paired the n-th counted flat on the board with the n-th smallest counted
    # unit id: the ids must carry no order of the flats, i.e. be no row ids at all.
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Unit

    with app.app_context():
        row_ids = {str(i) for i in db.session.scalars(select(Unit.id))}
    assert len(choice_of_unit) == len(counted) and not set(choice_of_unit) & row_ids
    assert not any(u.isdigit() for u in choice_of_unit), choice_of_unit
