"""The witness of the staff audit log (docs/deploy.md, Witnesses): it records the audit
heads it saw (seq, digest) and, each round, that the app still serves each at its seq and
that the log never got shorter. The attacks are the operator's, in the database: entries
deleted from the end, and an earlier entry rewritten with the chain recomputed after it
(the server's own check, verify_log, then finds nothing wrong)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select

from tests.browser import live_server
from tests.factories import make_open_proposal
from votes.core import signing
from votes.witness.pins import Pins
from votes.witness.poller import Witness
from votes.witness.store import Store


def _audited(app, n: int, who: str = "clerk") -> None:
    """n more audit entries, as staff work would append them (accounts `who`0, 1 …)."""
    from votes.extensions import db
    from votes.services import audit

    with app.app_context():
        for i in range(n):
            audit.record(db.session, "admin", "account.create", target=f"{who}{i}",
                         details={"role": "clerk"})
        db.session.commit()


def _log(app) -> list[tuple[int, str]]:
    """(seq, the digest witnesses are served for it) of each entry."""
    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services import audit

    with app.app_context():
        return [(e.seq, audit.published(e.digest)) for e in db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq))]


def _truncate(app, keep: int) -> None:
    """The operator deletes every entry from seq `keep` on."""
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq >= keep))
        db.session.commit()


def _rewrite(app, seq: int) -> None:
    """The operator edits entry `seq`'s details and recomputes every digest from there, so
    the log is consistent again (verify_log finds nothing)."""
    from votes.core.canonical import canonical_digest
    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services import audit

    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= seq)
                                  .order_by(AuditEntry.seq)).all()
        prev = db.session.scalar(select(AuditEntry.digest).where(AuditEntry.seq == seq - 1))
        for row in rows:
            if row.seq == seq:
                row.details = {**(row.details or {}), "note": "never happened"}
            row.prev = prev
            row.digest = prev = canonical_digest(audit._fields(row))
        db.session.commit()
        assert audit.verify_log() == []


@pytest.fixture
def watched(sqlite_app, tmp_path):
    """A real app on loopback with a vote open, the server keys pinned, the witness's key
    configured, and a witness on its own database with its clock at the app's."""
    app = sqlite_app
    make_open_proposal(app, app.test_cli_runner(), tmp_path)
    key = Ed25519PrivateKey.generate()
    witness_keys = tmp_path / "witness-keys.json"
    witness_keys.write_text(json.dumps(signing.KeyRing(
        {signing.key_id(key.public_key()): key.public_key()}).to_json_obj()))
    app.config["WITNESS_KEYS"] = str(witness_keys)
    pins = tmp_path / "pins.json"
    with app.app_context():
        from votes.services.keys import keyring

        pins.write_text(json.dumps(keyring().to_json_obj()))
    store = Store(tmp_path / "witness.sqlite3")
    w = Witness(key, store, Pins(pins), clock=lambda: app.config["VOTES_NOW"])
    try:
        with live_server(app) as base:
            yield app, base, store, w
    finally:
        store.close()


def _clean(result) -> None:
    assert result.audit_forks == [] and result.problems == [] and result.forks == [], \
        result.lines()


def test_a_growing_log_is_recorded_round_after_round(watched):
    app, base, store, w = watched
    first = w.poll([base])
    _clean(first)
    assert len(first.cosigned) == 1  # the vote's chain, as before
    assert store.audit_recorded(base) == [_log(app)[-1]]
    _audited(app, 3)
    _clean(w.poll([base]))
    _clean(w.poll([base]))  # nothing new: nothing recorded twice
    log = _log(app)
    assert store.audit_recorded(base) == [log[-4], log[-1]]


def test_entries_deleted_from_the_end_are_reported(watched):
    app, base, store, w = watched
    _audited(app, 2)
    _clean(w.poll([base]))
    log = _log(app)
    seq, digest = log[-1]
    _truncate(app, seq - 1)
    result = w.poll([base])
    [fork] = result.audit_forks
    assert (fork.app, fork.seq, fork.recorded, fork.served) == (base, seq, digest, None)
    assert fork.head == log[-3]
    [line] = [line for line in result.lines() if "AUDIT" in line]
    assert line.startswith(f"AUDIT FORK {base}: 审计日志变短")
    assert f"entry {seq} (digest {digest})" in line and log[-3][1] in line
    assert result.problems == [] and result.cosigned == []
    # Still reported in every round, and nothing recorded over it.
    assert len(w.poll([base]).audit_forks) == 1
    assert store.audit_recorded(base) == [(seq, digest)]
    # Entries appended again past the recorded seq: another digest at that seq.
    _audited(app, 3, who="other")
    [fork] = w.poll([base]).audit_forks
    assert (fork.seq, fork.recorded, fork.served) == (seq, digest, _log(app)[seq][1])
    assert {r.seq for r in store.audit_forks(base)} == {seq}


def test_an_emptied_log_is_shorter_too(watched):
    app, base, store, w = watched
    _clean(w.poll([base]))
    seq, digest = _log(app)[-1]
    _truncate(app, 0)
    [fork] = w.poll([base]).audit_forks
    assert (fork.seq, fork.recorded, fork.served, fork.head) == (seq, digest, None, None)


def test_an_earlier_entry_rewritten_and_the_chain_recomputed_is_reported(watched):
    app, base, store, w = watched
    _clean(w.poll([base]))
    recorded = _log(app)[-1]
    _audited(app, 2)
    _clean(w.poll([base]))
    latest = _log(app)[-1]
    _rewrite(app, recorded[0] - 1)
    now = dict(_log(app))
    result = w.poll([base])
    forks = {f.seq: (f.recorded, f.served) for f in result.audit_forks}
    assert forks == {recorded[0]: (recorded[1], now[recorded[0]]),
                     latest[0]: (latest[1], now[latest[0]])}
    lines = [line for line in result.lines() if "AUDIT" in line]
    assert any(f"审计日志第 {recorded[0]} 条" in line and recorded[1] in line
               and now[recorded[0]] in line for line in lines), lines
    assert store.audit_recorded(base) == [recorded, latest]


def test_poll_once_exits_1_as_for_a_fork(watched, tmp_path, monkeypatch):
    from votes.cli import main
    from votes.witness import poller

    app, base, store, w = watched
    monkeypatch.setattr(poller, "_utcnow", lambda: app.config["VOTES_NOW"])
    key, db = tmp_path / "cli.pem", tmp_path / "cli.sqlite3"
    made = CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)])
    assert made.exit_code == 0
    (tmp_path / "witness-keys.json").write_text(made.output)  # the app takes its cosignatures
    assert CliRunner().invoke(main, ["witness", "init", "--db", str(db)]).exit_code == 0

    def poll():
        return CliRunner().invoke(main, ["witness", "poll", "--once", "--key", str(key),
                                         "--db", str(db), "--server-keys",
                                         str(tmp_path / "pins.json"), "--app", base])

    first = poll()
    assert first.exit_code == 0 and "AUDIT" not in first.output, first.output
    seq, digest = _log(app)[-1]
    # What it recorded, for an auditor to hold against the audit CSV's published column.
    heads = CliRunner().invoke(main, ["witness", "audit-heads", "--db", str(db), "--app", base])
    assert heads.exit_code == 0, heads.output
    [line] = [json.loads(x) for x in heads.output.splitlines()]
    assert (line["app"], line["seq"], line["digest"]) == (base, seq, digest)
    assert set(line) == {"app", "seq", "digest", "time", "seen"}
    elsewhere = CliRunner().invoke(main, ["witness", "audit-heads", "--db", str(db), "--app",
                                          "https://other.example"])
    assert elsewhere.exit_code == 0 and elsewhere.output == ""
    _truncate(app, seq)
    forked = poll()
    assert forked.exit_code == 1, forked.output
    assert f"AUDIT FORK {base}: 审计日志变短" in forked.output and digest in forked.output
    listed = CliRunner().invoke(main, ["witness", "forks", "--db", str(db)])
    assert listed.exit_code == 0 and f"AUDIT FORK {base}: 审计日志变短" in listed.output


def test_an_app_that_does_not_publish_its_audit_log_is_no_problem_until_it_stops(watched):
    """An app of a release without the audit API (404) is not reported; one that published
    its audit head and no longer does is, as something the witness could not check."""
    app, base, store, w = watched
    from votes.web import api

    _clean(w.poll([base]))
    app.view_functions["api.audit_head"] = lambda: ({"error": "not found"}, 404)
    try:
        result = w.poll([base])
    finally:
        app.view_functions["api.audit_head"] = api.audit_head
    assert result.audit_forks == []
    [problem] = result.problems
    assert "audit" in problem and str(_log(app)[-1][0]) in problem


def test_a_witness_database_made_before_the_audit_tables_gets_them(tmp_path):
    """A witness's database of an earlier release is opened as poll and serve open it
    (existing): the audit tables are added, what it held is kept."""
    path = tmp_path / "older.sqlite3"
    store = Store(path)
    store.db.executescript("DROP TABLE audit_heads; DROP TABLE audit_forks;")
    store.mark_posted("http://app", "p", 3)
    store.close()
    reopened = Store(path, existing=True)
    try:
        assert reopened.was_posted("http://app", "p", 3)
        assert reopened.audit_recorded("http://app") == [] and reopened.audit_forks() == []
        reopened.audit_record("http://app", 4, "a" * 64, "2026-12-01T00:00:00Z", "now")
        assert reopened.audit_recorded("http://app") == [(4, "a" * 64)]
    finally:
        reopened.close()


@pytest.mark.parametrize("seq", [2 ** 63, 10 ** 30])
def test_a_head_past_any_seq_is_refused_and_the_round_goes_on(watched, seq):
    """A head whose seq no database holds (SQLite's integers end at 2**63 - 1) was taken,
    and recording it raised OverflowError out of the round: every app after it went
    unchecked, and `poll --once` said only that the round failed. It is an unexpected
    answer of that app's now, nothing recorded."""
    app, base, store, w = watched
    _clean(w.poll([base]))
    recorded = store.audit_recorded(base)
    app.view_functions["api.audit_head"] = lambda: {"head": {
        "seq": seq, "digest": "a" * 64, "time": "2026-12-01T00:00:00Z"}}
    result = w.poll([base, base + "/other"])
    assert result.audit_forks == []
    assert any(f"{base} audit log: unexpected answer" in p for p in result.problems), \
        result.problems
    assert any(p.startswith(f"{base}/other") for p in result.problems), \
        "the next app was polled"
    assert store.audit_recorded(base) == recorded
