"""The committee's bulk operations (roll import, freezing and opening a vote, tally, export)
insert and read rows in bulk; they must bind exactly what the row-by-row code bound, and
stay all-or-nothing (issue 8)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, make_roll_csv


def _count(model) -> int:
    from votes.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def test_the_frozen_electorate_is_what_the_law_and_the_roll_give(app, runner, tmp_path):
    from votes.core.apportion import apportion
    from votes.core.canonical import canonical_digest
    from votes.core.counting import electorate
    from votes.core.roll import Scope
    from votes.extensions import db
    from votes.models import FrozenUnit, FrozenVoter, Proposal, VoterAccess
    from votes.services import privacy, pseudonyms
    from votes.services.access import _hash, link_token
    from votes.services.freeze import unit_ids
    from votes.services.records import chain_entries
    from votes.services.roll import load_units, unit_record

    made = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        proposal = db.session.get(Proposal, made["id"])
        # The reference: the roll read through the ORM, one object per unit and owner.
        units = load_units(proposal.community)
        # Under the proposal's own unit ids (the freeze's keyed hash of each row id) and
        # voter keys (pseudonyms.py).
        unit_id = unit_ids(proposal.uid)
        id_of = {str(u.id): unit_id(u.id) for u in units}
        e = electorate([dataclasses.replace(unit_record(u), unit_id=id_of[str(u.id)])
                        for u in units], Scope("all"), pseudonyms.voter_key_of(proposal))
        shares = {s.unit_id: s.amount for s in apportion(proposal.budget, e.units)}
        frozen = list(db.session.scalars(select(FrozenUnit).where(
            FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)))
        assert [(f.unit_uid, f.voter_key, f.share, f.area, f.fund_balance) for f in frozen] == [
            (u.unit_id, e.voter_of(u.unit_id).key, shares[u.unit_id], u.area, u.fund_balance)
            for u in e.units]
        assert sum(f.share for f in frozen) == proposal.budget

        names_of = {id_of[str(u.id)]: [privacy.decrypt(o.owner.name_enc) for o in u.ownerships]
                    for u in units}
        assert not set(id_of) & set(id_of.values())  # no unit is named by its row id
        voters = {v.voter_key: v for v in db.session.scalars(select(FrozenVoter).where(
            FrozenVoter.proposal_id == proposal.id))}
        assert set(voters) == {v.key for v in e.voters}
        for voter in e.voters:
            row = voters[voter.key]
            contact = json.loads(privacy.decrypt(row.owners_enc))
            expected = {n for u in voter.unit_ids for n in names_of[u]}
            assert {c["name"] for c in contact} == expected and len(contact) == len(expected)
            assert (row.area, row.developer) == (voter.area, voter.developer)
            assert row.share == sum(shares[u] for u in voter.unit_ids)
        co_owned = next(v for v in e.voters if len(json.loads(
            privacy.decrypt(voters[v.key].owners_enc))) == 2)
        assert co_owned is not None

        accesses = {a.voter_key: a for a in db.session.scalars(select(VoterAccess).where(
            VoterAccess.proposal_id == proposal.id))}
        assert set(accesses) == set(voters)
        for key, access in accesses.items():
            assert (access.issue, access.failures, access.lockouts) == (1, 0, 0)
            assert access.token_hash == _hash(link_token(proposal, key, 1))

        genesis = chain_entries(proposal)[0]
        roll = {"units": [{"unit_id": f.unit_uid, "building": f.building,
                           "entrance": f.entrance, "room": f.room, "area": f.area,
                           "area_basis": f.area_basis, "voter": f.voter_key} for f in frozen],
                "total_area": sum(f.area for f in frozen),
                "total_headcount": len({f.voter_key for f in frozen})}
        assert genesis.entry["body"]["roll_digest"] == canonical_digest(roll)
        assert genesis.to_line() == genesis.__class__.from_line(genesis.to_line()).to_line()


def test_a_failure_after_the_bulk_insert_leaves_no_roll(app, runner, tmp_path, monkeypatch):
    from votes.models import Owner, Ownership, Unit
    from votes.services import audit
    from votes.services.roll_import import import_roll

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    path = make_roll_csv(tmp_path / "roll.csv")

    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", fail)
    with app.app_context():
        with pytest.raises(RuntimeError):
            import_roll("SUN", path)
        assert (_count(Unit), _count(Owner), _count(Ownership)) == (0, 0, 0)
    monkeypatch.undo()
    with app.app_context():
        assert import_roll("SUN", path).units == 7
        assert (_count(Unit), _count(Owner), _count(Ownership)) == (7, 5, 8)


def test_a_failed_opening_leaves_nothing_frozen(app, runner, tmp_path, monkeypatch):
    from votes.extensions import db
    from votes.models import ChainEntry, FrozenUnit, FrozenVoter, Proposal, VoterAccess
    from votes.services import lifecycle

    def fail(*args, **kwargs):
        raise RuntimeError("the signing key is unavailable")

    monkeypatch.setattr(lifecycle, "_open", fail)
    with pytest.raises(AssertionError):  # `votes proposal open` fails
        make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        assert db.session.scalar(select(Proposal.state)) == "draft"
        counts = [_count(m) for m in (FrozenUnit, FrozenVoter, VoterAccess, ChainEntry)]
        assert counts == [0, 0, 0, 0]


def test_tally_and_export_read_the_rows_they_always_read(app, runner, tmp_path):
    from votes.core.tally import Choice
    from votes.core.verifier import verify_bundle
    from votes.extensions import db
    from votes.models import Proposal
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.export import export_bundle
    from votes.services.lifecycle import close_voting
    from votes.services.tally import closing_tally, counted_ballots

    made = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    with app.app_context():
        from votes.models import FrozenVoter

        keys = sorted(db.session.scalars(select(FrozenVoter.voter_key)))
        requests = [BallotRequest(k, Choice.AGREE, "paper", entered_by="c",  # each its own form
                                  evidence=("s.pdf", f"scan {k}".encode())) for k in keys]
        cast_ballots(made["id"], requests)
        # The first voter changes its mind: only its second ballot counts.
        cast_ballots(made["id"], [BallotRequest(keys[0], Choice.DISAGREE, "paper",
                                                entered_by="c", evidence=("t.pdf", b"t"))])
        proposal = db.session.get(Proposal, made["id"])
        tally, counted, _openings = closing_tally(db.session, proposal)
        ballots = counted_ballots(db.session, proposal)
        assert counted == sorted(b.seq for b in ballots) and len(counted) == len(keys)
        assert (tally.agree_headcount, tally.disagree_headcount) == (len(keys) - 1, 1)
        close_voting(str(made["id"]))  # every voter has voted
        bundle = io.BytesIO()
        head = export_bundle(str(made["id"]), bundle)
        report = verify_bundle(bundle.getvalue(), trust_bundle_keys=True)
        assert report.ok, report.render()
        assert report.chain_head == head and report.tally == tally


@pytest.fixture
def pg_app(pg_schema, tmp_path):
    """The planner's statistics are PostgreSQL's: this runs there only."""
    from tests.conftest import _app_on, _truncate_all

    _truncate_all(pg_schema)
    yield from _app_on(pg_schema, tmp_path)


@pytest.mark.no_snapshot  # the ANALYZE is the freeze's: a put-back state has no statistics
def test_a_frozen_electorate_has_statistics_the_moment_it_is_frozen(pg_app, tmp_path):
    """The tables a freeze fills are analysed in its transaction: the owner pages' plans do
    not wait up to a minute for autovacuum (an emergency use opens as it freezes)."""
    from sqlalchemy import text

    from votes.extensions import db
    from votes.models import FrozenUnit, FrozenVoter, VoterAccess

    tables = ("frozen_units", "frozen_voters", "voter_access")

    def planner_rows() -> dict:  # the tables of this schema (search_path), by name
        return {t: db.session.scalar(text(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": t})
            for t in tables}

    with pg_app.app_context():
        db.session.execute(text("ANALYZE " + ", ".join(tables)))  # empty: the planner says 0
        db.session.commit()
        assert set(planner_rows().values()) == {0}
    make_open_proposal(pg_app, pg_app.test_cli_runner(), tmp_path)
    with pg_app.app_context():
        rows = {t: _count(m) for t, m in zip(tables, (FrozenUnit, FrozenVoter, VoterAccess))}
        assert min(rows.values()) > 0
        assert planner_rows() == {t: float(n) for t, n in rows.items()}


@pytest.mark.postgresql_only
def test_counting_ballots_stays_linear_whatever_plan_the_statistics_give(app, runner, tmp_path):
    """Right after many ballots are entered, before autovacuum's ANALYZE, PostgreSQL may
    take the ballots table for a handful of rows and join in nested loops: the count of the
    latest ballot per voter then compared every ballot with every voter's latest (a close of
    100,000 ballots ran for over 16 minutes). With nested loops forced, as such statistics
    make the planner choose, no ballot may be compared with the others one by one."""
    from datetime import datetime, timezone

    from sqlalchemy import event, insert

    from votes.extensions import db
    from votes.models import Ballot, Proposal
    from votes.services.tally import voted_voters

    made = make_open_proposal(app, runner, tmp_path)
    count = 1000
    with app.app_context():
        when = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
        db.session.execute(insert(Ballot), [
            {"proposal_id": made["id"], "voter_key": f"v-{i // 2:06d}", "revision": i % 2,
             "seq": 1000 + i, "choice_enc": b"", "commitment": "", "channel": "paper",
             "receipt": f"r-{i:06d}", "entered_by": "t", "cast_at": when}
            for i in range(count)])
        db.session.commit()
        proposal = db.session.get(Proposal, made["id"])
        seen = []
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM ballots" in statement:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            assert len(voted_voters(db.session, proposal)) == count // 2
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = seen[-1]
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]
        db.session.rollback()

    def removed(node) -> int:
        return node.get("Rows Removed by Join Filter", 0) + sum(
            removed(child) for child in node.get("Plans", ()))

    assert removed(plan) <= count, plan
