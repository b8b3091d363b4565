"""A voter's pseudonym (the `v-…` key of the public chain and the bundle's roll.json) was a
hash of the owners' ID hashes, which are keyed once for the whole deployment: one owner had
the same key in every proposal of every community. Once one vote tied the key to a flat
(the close opens every choice; a 从多 delivery or an objection entry names the voter), that
owner's choices in every other vote followed. Unit ids and proxy holders were already keyed
per proposal; voter keys now are too, for proposals frozen from now on. Proposals frozen
before keep the keys they were frozen with (proposals.voter_keying says which scheme)."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone

import pytest

from tests.factories import make_open_proposal, resident_id, voter_token

ZHANG_SUFFIX = resident_id(1)[-6:]  # 张三 owns 1-1-101 and 1-1-201


def _roll_voters(runner, tmp_path, vote) -> dict[str, str]:
    """flat -> voter key, as the exported bundle's roll.json names them."""
    path = tmp_path / f"bundle-{vote['id']}.zip"
    result = runner.invoke(args=["export", str(vote["id"]), "-o", str(path)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as z:
        roll = json.loads(z.read("roll.json"))
    return {f"{u['building']}-{u['entrance']}-{u['room']}": u["voter"] for u in roll["units"]}


def _failures(runner, tmp_path, vote):
    from votes.core.verifier import verify_bundle

    path = tmp_path / f"bundle-{vote['id']}.zip"
    result = runner.invoke(args=["export", str(vote["id"]), "-o", str(path)])
    assert result.exit_code == 0, result.output
    return [(f.step, f.message) for f in verify_bundle(path.read_bytes()).failures]


def _second_vote_in(app, runner, code: str) -> dict:
    """Another proposal of the same community, frozen and open."""
    from datetime import timedelta

    from votes.services.lifecycle import get_proposal

    before = app.config["VOTES_NOW"]
    app.config["VOTES_NOW"] = datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc)
    result = runner.invoke(args=[
        "proposal", "create", "--community", code, "--title", "屋面防水", "--matter", "use_fund",
        "--scope", "all", "--budget", "1000.00", "--item", "屋面防水:1000.00",
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = before
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    with app.app_context():
        proposal = get_proposal(pid)
        return {"id": proposal.id, "uid": proposal.uid, "t0": before - timedelta(hours=1)}


def test_one_owner_has_another_pseudonym_in_each_proposal_and_community(app, runner,
                                                                        tmp_path):
    sun = make_open_proposal(app, runner, tmp_path)
    sun_again = _second_vote_in(app, runner, "SUN")
    moon = make_open_proposal(app, runner, tmp_path, code="MOON")  # the same roll
    rolls = [_roll_voters(runner, tmp_path, v) for v in (sun, sun_again, moon)]
    for flat in ("1-1-101", "1-1-102", "1-1-202", "2-1-201"):
        keys = [roll[flat] for roll in rolls]
        assert len(set(keys)) == 3, (flat, keys)
        assert all(k.startswith("v-") and len(k) == 26 for k in keys)
    for roll in rolls:
        # The grouping is the Supreme People's Court's as before: 张三's two flats are one
        # voter, and the developer's units are `v-developer` in every vote.
        assert roll["1-1-101"] == roll["1-1-201"] != roll["1-1-202"]
        assert roll["2-1-101"] == roll["2-1-102"] == "v-developer"
    # No voter key of one vote appears in another's.
    sets = [set(roll.values()) - {"v-developer"} for roll in rolls]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    for vote in (sun, sun_again, moon):
        assert _failures(runner, tmp_path, vote) == []


def test_a_sole_owner_is_found_by_id_in_the_proposals_own_keys(app, runner, tmp_path):
    """The buyer check finds the voter a buyer already is, by the keyed hash of their ID,
    under the keys of this proposal (buyers.refuse_counted_twice's shortcut)."""
    from votes.services import buyers
    from votes.services.errors import DomainError
    from votes.services.lifecycle import get_proposal

    sun = make_open_proposal(app, runner, tmp_path)
    rolls = _roll_voters(runner, tmp_path, sun)
    with app.app_context():
        proposal = get_proposal(str(sun["id"]))
        # 赵六 owns 1-1-202 alone: a "sale" to him is none, without the decrypting check.
        with pytest.raises(DomainError, match="同一人"):
            buyers.refuse_counted_twice(db_session(), proposal, rolls["1-1-202"],
                                        resident_id(4), set())
        # 张三 already votes for 1-101 and 1-201: buying 1-202 would count him twice.
        with pytest.raises(DomainError, match="按一人计"):
            buyers.refuse_counted_twice(db_session(), proposal, rolls["1-1-202"],
                                        resident_id(1), set())


def db_session():
    from votes.extensions import db

    return db.session


def test_a_proposal_frozen_before_keeps_its_keys_and_works(app, runner, tmp_path,
                                                           monkeypatch, client):
    """A proposal frozen under the deployment-wide keys (before this change) keeps them: its
    chain already names them. Its owner flows still find the voter."""
    from sqlalchemy import select

    from votes.core.counting import voter_key
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services import buyers, privacy, pseudonyms
    from votes.services.errors import DomainError

    monkeypatch.setattr(pseudonyms, "FREEZE_SCHEME", pseudonyms.LEGACY)
    old = make_open_proposal(app, runner, tmp_path)
    monkeypatch.undo()
    new = make_open_proposal(app, runner, tmp_path, code="MOON")
    old_roll = _roll_voters(runner, tmp_path, old)
    with app.app_context():
        legacy = voter_key([privacy.id_hash(resident_id(1))])
        assert old_roll["1-1-101"] == legacy
        assert legacy not in _roll_voters(runner, tmp_path, new).values()
        schemes = dict(db.session.execute(select(Proposal.id, Proposal.voter_keying)).all())
        assert schemes == {old["id"]: pseudonyms.LEGACY, new["id"]: pseudonyms.PER_PROPOSAL}
        proposal = db.session.get(Proposal, old["id"])
        with pytest.raises(DomainError, match="同一人"):
            buyers.refuse_counted_twice(db.session, proposal, old_roll["1-1-202"],
                                        resident_id(4), set())
    # The owner signs in and votes as before.
    r = client.get(f"/v/{voter_token(app, old)}")
    assert r.status_code == 302
    r = client.post(f"/p/{old['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.headers["Location"].endswith(f"/p/{old['uid']}/ballot")
    assert client.get(f"/p/{old['uid']}/ballot").status_code == 200
    assert _failures(runner, tmp_path, old) == []
