"""Upgrading a deployment that holds votes: a database taken down to an old revision with
its votes in it comes back to head with every proposal still verifying and its pages
working, and `votes doctor` refuses every revision short of head.

The data are made by today's app and taken down by the migrations' downgrades (the app of
each old revision is not kept): that exercises every downgrade and upgrade with rows in the
tables, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from tests.factories import make_open_proposal
from tests.races import WAITING
from tests.staff_world import PASSWORD, sign_in

# Before sealed choices (e_0001): a vote still open with ballots must be closed first.
BEFORE_SEALED = "w_0001_witness"
# Before the ballots' form digests (forms_0001) and withdrawals: an open vote survives it.
BEFORE_FORMS = "signin_0002"
EARLIEST = "ced913fa8582"


def _migrate(app, action, revision="head"):
    from flask_migrate import downgrade, upgrade

    from votes.extensions import db
    from votes.paths import MIGRATIONS_DIR

    with app.app_context():
        db.session.remove()
        (upgrade if action == "up" else downgrade)(directory=str(MIGRATIONS_DIR),
                                                   revision=revision)
        db.session.remove()
        db.engine.dispose()
    # As upgrade_database does: Alembic's fileConfig silences the app's logger.
    logging.getLogger("votes").disabled = False


@pytest.fixture
def world(app, runner, tmp_path):
    """SUN: a vote closed with three paper ballots; MOON: a vote open with two. On
    PostgreSQL the schema is shared by the session: it is put back at head afterwards."""
    closed = make_open_proposal(app, runner, tmp_path, code="SUN")
    _paper_ballots(runner, tmp_path, closed, "SUN",
                   [("1", "101", "agree"), ("1", "102", "agree"), ("2", "101", "disagree")])
    app.config["VOTES_NOW"] = closed["t0"] + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", str(closed["id"])]).exit_code == 0
    opened = make_open_proposal(app, runner, tmp_path, code="MOON")
    _paper_ballots(runner, tmp_path, opened, "MOON",
                   [("1", "101", "agree"), ("2", "201", "disagree")])
    result = runner.invoke(args=["users", "create", "--no-must-change", "clerk", "--role", "committee",
                                 "--community", "MOON", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    yield {"closed": closed, "open": opened}
    _migrate(app, "up")


def _paper_ballots(runner, tmp_path, vote, code, rows):
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for building, room, choice in rows:
        # Each voter's own signed form: one scan may not stand for several voters.
        name = f"scan-{code}-{building}-{room}.pdf"
        (tmp_path / name).write_bytes(f"%PDF-1.4 form {code} {building}-{room}".encode())
        lines.append(f"{building},1,{room},{choice},paper,{name},clerk")
    path = tmp_path / f"ballots-{code}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), str(path)])
    assert result.exit_code == 0, result.output


def _failures(runner, tmp_path, vote):
    from votes.core.verifier import verify_bundle

    bundle = tmp_path / f"bundle-{vote['id']}.zip"
    result = runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    return [(f.step, f.message) for f in verify_bundle(bundle.read_bytes()).failures]


def _snapshot(app):
    from sqlalchemy import text

    from votes.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("communities", "units", "owners", "proposals", "frozen_units",
                              "ballots", "chain_entries", "server_keys", "staff_users")}


def _pages_work(app, world):
    client = app.test_client()
    for vote in world.values():
        for page in ("", "/audit"):
            response = client.get(f"/p/{vote['uid']}{page}")
            assert response.status_code == 200, (vote, page, response.status_code)
    sign_in(client, "clerk")
    response = client.get(f"/committee/p/{world['open']['id']}")
    assert response.status_code == 200 and "系统出错" not in response.get_data(as_text=True)


def _doctor_says_migrated(app):
    from votes.services.doctor import run_checks

    with app.app_context():
        found = [c for c in run_checks(app) if "migrated" in c.en or "run `votes init`" in c.en]
    return [c.ok for c in found] == [True]


def test_an_open_vote_survives_the_recent_migrations(app, runner, tmp_path, world):
    before = _snapshot(app)
    _migrate(app, "down", BEFORE_FORMS)
    assert not _doctor_says_migrated(app)
    _migrate(app, "up")
    assert _doctor_says_migrated(app)
    assert _snapshot(app) == before
    for vote in world.values():
        assert _failures(runner, tmp_path, vote) == [], vote
    _pages_work(app, world)
    # The upgraded open vote takes another ballot, and a form already used is still refused.
    _paper_ballots(runner, tmp_path, world["open"], "MOON-2", [("1", "102", "agree")])
    (tmp_path / "again.csv").write_text(
        "building,entrance,room,choice,channel,evidence,entered_by\n"
        "2,1,101,agree,paper,scan-MOON-1-101.pdf,clerk\n", encoding="utf-8")
    again = runner.invoke(args=["ballots", "import", str(world["open"]["id"]),
                                str(tmp_path / "again.csv")])
    assert again.exit_code == 1 and "一张表决票只能用于签字业主本人的选票" in again.output
    assert _failures(runner, tmp_path, world["open"]) == []


def test_closed_votes_survive_every_migration_from_the_first(app, runner, tmp_path, world):
    app.config["VOTES_NOW"] = world["open"]["t0"] + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", str(world["open"]["id"])]).exit_code == 0
    before = _snapshot(app)
    _migrate(app, "down", EARLIEST)
    _migrate(app, "up")
    assert _snapshot(app) == before
    for vote in world.values():
        assert _failures(runner, tmp_path, vote) == [], vote
    _pages_work(app, world)


def test_an_open_vote_with_ballots_stops_the_upgrade_to_sealed_choices(app, runner, world,
                                                                      capfd):
    """Its chain shows the choices and has no commitments to reveal at the close: the
    upgrade refuses (as a whole), and the database stays where it was, doctor failing."""
    from sqlalchemy import text

    from votes.extensions import db

    _migrate(app, "down", BEFORE_SEALED)
    with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
        _migrate(app, "up")
    assert "close these votes" in capfd.readouterr().err
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == BEFORE_SEALED
        assert conn.execute(text("SELECT count(*) FROM ballots WHERE choice IS NOT NULL")) \
            .scalar() == 5
    assert not _doctor_says_migrated(app)
    with app.app_context(), db.engine.begin() as conn:  # closed, it upgrades (teardown)
        conn.execute(text("UPDATE proposals SET state = 'closed'"))


def test_doctor_refuses_every_revision_short_of_head(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tests.conftest import TEST_CONFIG
    from votes import create_app
    from votes.paths import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    assert not _doctor_says_migrated(app)
    for revision in reversed(revisions[1:]):
        _migrate(app, "up", revision)
        assert not _doctor_says_migrated(app), revision
    _migrate(app, "up")
    assert _doctor_says_migrated(app)


def test_the_form_digests_are_filled_in_one_statement(app, runner, tmp_path, world):
    """forms_0001 read every staff-entered ballot's chain entry into the process (a city's
    millions of paper ballots: gigabytes) and wrote each form's digest back in a parameter
    set of its own, all under the ADD COLUMN's exclusive lock on ballots, which on
    PostgreSQL stops every cast and owner page until the upgrade commits (8.5 s for 200,000
    paper ballots; 4.7 s as one UPDATE that the database does on its own)."""
    from sqlalchemy import event, select

    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        digests = dict(db.session.execute(select(Ballot.id, Ballot.evidence)).all())
    assert len([d for d in digests.values() if d]) == 5
    _migrate(app, "down", BEFORE_FORMS)
    writes = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE BALLOTS"):
            writes.append(len(parameters) if executemany else 1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            _migrate(app, "up")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert dict(db.session.execute(select(Ballot.id, Ballot.evidence)).all()) == digests
    assert writes == [1]


def test_a_database_newer_than_the_code_is_named_so(tmp_path):
    """The code put back to the previous release after `votes init` ran the new one's
    migrations: doctor said to run `votes init`, and `votes init` then failed with
    Alembic's English "Can't locate revision". Both now say the database is newer than
    this version, and init leaves it alone."""
    from sqlalchemy import text

    from tests.conftest import TEST_CONFIG
    from votes import create_app
    from votes.extensions import db
    from votes.services.doctor import run_checks

    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'zz_0001_future'"))
        db.engine.dispose()
        found = [c for c in run_checks(app) if "migrated" in c.en or "votes init" in c.en
                 or "newer" in c.en]
    assert [c.ok for c in found] == [False]
    assert "比本程序新" in found[0].zh and "zz_0001_future" in found[0].en
    assert "请运行 votes init" not in found[0].zh
    result = runner.invoke(args=["init"])
    assert result.exit_code == 1 and "比本程序新" in result.output, result.output
    assert "Can't locate" not in result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == "zz_0001_future"
        db.engine.dispose()


def test_sqlite_keeps_its_foreign_keys_after_an_upgrade_in_the_same_process(tmp_path):
    """migrations/env.py turns SQLite's foreign keys off for batch mode's table copies on a
    connection of the app's own pool, and gave it back that way: `votes demo` upgrades and
    then serves from the same process, where a row pointing nowhere was accepted and ON
    DELETE CASCADE did nothing."""
    from sqlalchemy.exc import IntegrityError

    from tests.conftest import TEST_CONFIG
    from votes import create_app
    from votes.extensions import db
    from votes.models import Ballot
    from votes.services.schema import upgrade_database

    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade_database()
        db.session.add(Ballot(proposal_id=999, voter_key="v-x", revision=0, seq=1,
                              choice_enc=b"sealed", channel="paper", receipt="a" * 64))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()


@pytest.mark.postgresql_only
def test_two_hosts_upgrading_at_once_leave_one_upgrade_and_no_error(app, tmp_path):
    """Deploying, each app host runs `votes init`. The second ran the same migrations as the
    first, queued behind its ALTER, and failed on "column already exists" once the first
    committed (a traceback on that host's deploy). Host A here is this test's transaction
    doing withdraw_0001's work under the migrations' lock; host B a real `votes init`. B now
    waits for A's commit and finds the schema at head."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from flask_migrate import downgrade
    from sqlalchemy import create_engine, text

    from tests.conftest import TEST_CONFIG
    from votes.paths import MIGRATIONS_DIR
    from votes.services.schema import MIGRATION_LOCK, revisions

    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="forms_0001")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "VOTES_DATABASE_URL": url, "VOTES_INSTANCE_PATH": app.instance_path,
           "VOTES_ENV": "testing",
           **{f"VOTES_{k}": TEST_CONFIG[k] for k in ("SECRET_KEY", "DATA_KEY",
                                                      "KEY_PASSPHRASE")}}
    engine = create_engine(url)
    try:
        with engine.connect() as host_a, engine.connect() as watch:
            host_a.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            host_a.execute(text("ALTER TABLE ballots ADD COLUMN withdrawn_by INTEGER"))
            host_a.execute(text("UPDATE alembic_version SET version_num = 'withdraw_0001'"))
            host_b = subprocess.Popen([sys.executable, "-c", "from votes.cli import main; main()",
                                       "init"], cwd=Path(__file__).resolve().parent.parent,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                # Until B waits on a lock A holds (PostgreSQL's own wait, seen in pg_locks).
                while host_b.poll() is None and not watch.execute(text(WAITING)).scalar():
                    watch.rollback()
                host_a.commit()
                output = host_b.communicate(timeout=60)[0].decode()
            finally:
                if host_b.poll() is None:
                    host_b.kill()
                    host_b.wait(30)
        assert host_b.returncode == 0, output
    finally:
        engine.dispose()
    with app.app_context():
        current, heads, _newer = revisions()
    assert current == heads


def test_a_vote_from_before_version_3_verifies_in_the_app(app, runner, tmp_path, monkeypatch):
    """A vote closed before the upgrade to version 3 of the spec is exported as
    votes-bundle/1 (its chain is as version 2 wrote it). `votes verify --allow-format
    votes-bundle/1` passed it, but the regulator's 验证 and the fund application package
    verified it without allowing that format: step 3.4 failed it in the app. The app now
    allows the one older format it has itself just written."""
    import io
    import json
    import zipfile

    from votes.core.bundle import FORMAT_V2
    from tests.money_world import passed_vote_before_version_3

    vote = passed_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"
    result = runner.invoke(args=["users", "create", "--no-must-change", "district", "--role", "regulator",
                                 "--jurisdiction", "350502", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "old.zip"
    assert runner.invoke(args=["export", vote["pid"], "-o", str(bundle)]).exit_code == 0
    with zipfile.ZipFile(bundle) as z:
        assert json.loads(z.read("manifest.json"))["format"] == FORMAT_V2

    client = app.test_client()
    sign_in(client, "district")
    page = client.post(f"/regulator/p/{vote['pid']}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过 / VERIFIED" in page and "3.4" not in page, page
    with app.app_context():
        from votes.models import Proposal
        from votes.extensions import db
        from votes.services.oversight import latest_verification

        assert latest_verification(db.session.get(Proposal, vote["id"])).outcome == "verified"
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", vote["pid"], "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(io.BytesIO(z.read("bundle.zip"))) as inner:
        assert json.loads(inner.read("manifest.json"))["format"] == FORMAT_V2


def test_a_downgrade_keeps_withdrawn_objection_texts_off_the_board(app, runner, tmp_path,
                                                                   client, capfd):
    """The committee took an objection's text off the board because it named a person and
    a phone number. `votes db downgrade` below rulesb_0002 dropped the reason columns, so the
    release before it, which knows no withdrawal, showed the text on the board and the
    result notice again. The downgrade now refuses as a whole, naming the votes."""
    from sqlalchemy import text

    from tests.procedure_world import close_at_end, open_vote, vote
    from tests.staff_world import committee_clerk
    from tests.test_objection_period import ALL_AGREE, _file_objections
    from votes.extensions import db

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    seq, _kept = _file_objections(app, runner, tmp_path, pid, [(1, "C"), (2, "D")])
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    done = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                       data={"seq": seq, "reason": "含他人姓名和电话"})
    assert f"已撤下第 {seq} 条记录的内容" in done.get_data(as_text=True)
    try:
        with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
            _migrate(app, "down", "withdraw_0001")
        assert "含他人姓名和电话" not in capfd.readouterr().err
        with app.app_context(), db.engine.connect() as conn:
            # PostgreSQL undoes the whole downgrade; SQLite keeps the steps before the refusal
            # (its DDL commits), each a revision of its own.
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                in ("visitmask_0001", "textsalt_0001", "proxies_0001", "loginchars_0001", "logins_0001", "owner_0001", "codes_0001", "verify_0001", "pseud_0001", "sms_0002", "staff_0001", "sms_0001", "money_0002",
                    "rulesb_0002")
            assert conn.execute(text("SELECT count(*) FROM objections "
                                     "WHERE text_withdrawn IS NOT NULL")).scalar() == 1
    finally:
        _migrate(app, "up")


def test_a_downgrade_does_not_count_a_withdrawn_ballot_again(app, runner, tmp_path):
    """A paper ballot typed against the wrong flat was withdrawn (withdraw_0001). Dropping
    ballots.withdrawn_by let the release before it count that ballot again: an open vote
    closed with a tally its own chain contradicts. The downgrade refuses, naming the votes."""
    from sqlalchemy import text

    from tests.test_corrections import open_with_paper
    from tests.test_withdrawals import withdraw
    from votes.extensions import db

    pid = open_with_paper(app, runner, tmp_path)
    assert withdraw(runner, tmp_path, pid, 1).exit_code == 0
    try:
        with pytest.raises(SystemExit):
            _migrate(app, "down", "forms_0001")
        with app.app_context(), db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ballots "
                                     "WHERE withdrawn_by IS NOT NULL")).scalar() == 1
    finally:
        _migrate(app, "up")


def test_votes_frozen_before_keep_their_voter_keys(app, runner, tmp_path, monkeypatch):
    """pseud_0001: voter keys became per proposal. A vote frozen before it named its voters
    by the owners' deployment-wide hashes, and its chain carries those keys: the upgrade
    marks it so (voter_keying 1), and every look-up from an owner to a voter of it (the
    buyer check's, here) keeps using them; a vote frozen after uses its own (2)."""
    from sqlalchemy import select, text

    from votes.core.counting import voter_key
    from votes.extensions import db
    from votes.models import FrozenUnit, Proposal
    from votes.services import buyers, privacy, pseudonyms
    from votes.services.errors import DomainError
    from tests.factories import resident_id

    monkeypatch.setattr(pseudonyms, "FREEZE_SCHEME", pseudonyms.LEGACY)
    old = make_open_proposal(app, runner, tmp_path, code="SUN")
    monkeypatch.undo()

    def keys():
        with app.app_context():
            return dict(db.session.execute(select(FrozenUnit.room, FrozenUnit.voter_key).where(
                FrozenUnit.proposal_id == old["id"], FrozenUnit.building == "1")).all())

    before = keys()
    try:
        _migrate(app, "down", "sms_0002")
        with app.app_context(), db.engine.connect() as conn:
            assert "voter_keying" not in conn.execute(text("SELECT * FROM proposals")).keys()
    finally:
        _migrate(app, "up")
    assert keys() == before
    with app.app_context():
        assert before["101"] == voter_key([privacy.id_hash(resident_id(1))])
        proposal = db.session.get(Proposal, old["id"])
        assert proposal.voter_keying == pseudonyms.LEGACY
        with pytest.raises(DomainError, match="同一人"):  # 赵六 owns 1-202 alone
            buyers.refuse_counted_twice(db.session, proposal, before["202"], resident_id(4),
                                        set())
    assert _failures(runner, tmp_path, old) == []
    _paper_ballots(runner, tmp_path, old, "SUN", [("1", "101", "agree")])
    assert _failures(runner, tmp_path, old) == []
    new = make_open_proposal(app, runner, tmp_path, code="MOON")
    with app.app_context():
        assert db.session.get(Proposal, new["id"]).voter_keying == pseudonyms.PER_PROPOSAL


def test_votes_frozen_per_proposal_keep_their_keying_through_a_downgrade(app, runner, tmp_path,
                                                                          monkeypatch):
    """A downgrade past pseud_0001 dropped proposals.voter_keying, and the upgrade back
    marked every proposal 1 (the server default): a vote frozen under its own secret then
    looked its owners up by the deployment-wide keys its chain does not carry, and the buyer
    check no longer found a seller's flat. The downgrade keeps which votes used their own
    secret, and the upgrade puts it back; a vote frozen before stays 1."""
    from sqlalchemy import select, text

    from votes.extensions import db
    from votes.models import FrozenUnit, Proposal
    from votes.services import buyers, pseudonyms
    from votes.services.errors import DomainError
    from tests.factories import resident_id

    monkeypatch.setattr(pseudonyms, "FREEZE_SCHEME", pseudonyms.LEGACY)
    old = make_open_proposal(app, runner, tmp_path, code="SUN")
    monkeypatch.undo()
    new = make_open_proposal(app, runner, tmp_path, code="MOON")
    try:
        _migrate(app, "down", "sms_0002")
        with app.app_context(), db.engine.connect() as conn:
            assert "voter_keying" not in conn.execute(text("SELECT * FROM proposals")).keys()
    finally:
        _migrate(app, "up")
    with app.app_context():
        assert db.session.get(Proposal, old["id"]).voter_keying == pseudonyms.LEGACY
        proposal = db.session.get(Proposal, new["id"])
        assert proposal.voter_keying == pseudonyms.PER_PROPOSAL
        key_202 = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == new["id"], FrozenUnit.building == "1",
            FrozenUnit.room == "202"))
        with pytest.raises(DomainError, match="同一人"):  # 赵六 owns 1-202 alone
            buyers.refuse_counted_twice(db.session, proposal, key_202, resident_id(4), set())
    assert _failures(runner, tmp_path, new) == []


def test_codes_differing_only_in_case_stop_the_upgrade_naming_them(app, runner, capfd):
    """codes_0001 makes a community code unique whatever its case in the database. A
    database made before it may hold moon beside MOON (added without the service's check):
    the upgrade stops, naming both, rather than failing on the index with an IntegrityError;
    once one is renamed it goes through, and the database refuses another such code."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from votes.extensions import db

    assert runner.invoke(args=["community", "create", "MOON", "--name", "月亮花园"]).exit_code == 0
    try:
        _migrate(app, "down", "verify_0001")
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("INSERT INTO communities (code, name, rules, created_at) "
                              "VALUES ('moon', '月光小区', '{}', CURRENT_TIMESTAMP)"))
        capfd.readouterr()
        with pytest.raises(SystemExit):  # Flask-Migrate's way of failing
            _migrate(app, "up")
        err = capfd.readouterr().err
        assert "differing only in case" in err and "MOON, moon" in err, err
        assert "IntegrityError" not in err
        with app.app_context(), db.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == "verify_0001"
            conn.execute(text("UPDATE communities SET code = 'moon-2' WHERE code = 'moon'"))
        _migrate(app, "up")
        with app.app_context(), db.engine.connect() as conn:
            with pytest.raises(IntegrityError):
                conn.execute(text("INSERT INTO communities (code, name, rules, created_at) "
                                  "VALUES ('Moon', '月光小区', '{}', CURRENT_TIMESTAMP)"))
    finally:
        _migrate(app, "up")
