"""Issue 10, witnessed heads, as deployed: two app servers (gunicorn) on one database and a
witness, each a separate process on loopback. The witness cosigns what it checked, posts
its cosignatures back, survives a restart with its own database, and refuses to cosign a
chain the operator rewrote and re-signed with the server key, keeping the proof."""

from __future__ import annotations

import json
import os
import selectors
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from tests.conftest import TEST_CONFIG
from tests.factories import make_open_proposal
from tests.servers import Browser, gunicorn_or_skip, start_many, stop_all
from votes.cli import main as votes_command
from votes.core import signing, witness
from votes.core.canonical import canonical_bytes


def _command(now: datetime | None) -> list[str]:
    """`votes witness` in a process of its own, as it runs on another machine; with `now`,
    its clock stopped there. The test app's clock is frozen days ahead of the real one and
    dates the entries: the witness, which refuses entries dated after its clock, reads the
    same time. (The command has no option or setting for its clock: here the test replaces
    the default clock in the witness's process before the command starts.)"""
    code = "from votes.cli import main; main()"
    if now is not None:
        code = ("import datetime, votes.witness.poller as poller; poller._utcnow = lambda: "
                f"datetime.datetime.fromisoformat({now.isoformat()!r}); " + code)
    return [sys.executable, "-c", code, "witness"]


def _witness(*args: str, now: datetime | None = None,
             timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*_command(now), *args], capture_output=True, text=True,
                          timeout=timeout)


def _cast(app, proposal: dict, rooms: list[str]) -> None:
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballots

    with app.app_context():
        voters = [db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == proposal["id"], FrozenUnit.building == "1",
            FrozenUnit.room == room)) for room in rooms]
        cast_ballots(proposal["id"], [BallotRequest(v, Choice.AGREE, "online") for v in voters])


def _rewrite_from(app, proposal: dict, seq: int) -> None:
    """The insider: edits entry `seq` in the database and re-seals it and every later entry
    with the server key, so each line on its own is valid and signed."""
    from votes.core import chain
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal
    from votes.services import keys

    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == proposal["id"]).order_by(ChainEntry.seq)).all()
        _kid, private = keys.signing_key()
        prev = chain.SealedEntry.from_line(rows[seq - 1].line)
        for row in rows[seq:]:
            entry = dict(chain.SealedEntry.from_line(row.line).entry, prev=prev.digest)
            if row.seq == seq:
                entry["time"] = entry["time"][:-3] + "59Z"  # any edit changes the digest
            prev = chain.seal(entry, private)
            row.line, row.digest = prev.to_line().decode("utf-8"), prev.digest
        db.session.get(Proposal, proposal["id"]).chain_head = prev.digest
        db.session.commit()


def _export_and_verify(app, proposal: dict, tmp_path, witness_keys,
                       *extra: str) -> tuple[int, str]:
    runner = app.test_cli_runner()
    bundle = tmp_path / f"bundle-{proposal['id']}.zip"
    exported = runner.invoke(args=["export", str(proposal["id"]), "-o", str(bundle)])
    assert exported.exit_code == 0, exported.output
    with app.app_context():
        from votes.services.keys import keyring

        keys_file = tmp_path / "votes-keys.json"
        keys_file.write_text(json.dumps(keyring().to_json_obj()))
    result = CliRunner().invoke(votes_command, ["verify", str(bundle), "--keys", str(keys_file),
                                                "--witness-keys", str(witness_keys),
                                                *extra])
    return result.exit_code, result.output


def test_witness_cosigns_across_a_restart_and_refuses_a_rewritten_chain(sqlite_app, tmp_path):
    gunicorn_or_skip(pytest)
    app = sqlite_app
    runner = app.test_cli_runner()
    proposal = make_open_proposal(app, runner, tmp_path)
    _cast(app, proposal, ["101", "102"])

    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "witness.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    witness_id = signing.key_id(key.public_key())
    witness_keys = tmp_path / "witness-keys.json"
    witness_keys.write_text(_witness("pubkey", "--key", str(key_file)).stdout)
    assert witness_id in witness_keys.read_text()
    witness_db = tmp_path / "witness.sqlite3"
    assert _witness("init", "--db", str(witness_db)).returncode == 0
    server_keys = tmp_path / "server-keys.json"  # got from the district, outside the app
    with app.app_context():
        from votes.services.keys import keyring

        server_keys.write_text(json.dumps(keyring().to_json_obj()))

    database_url = app.config["DATABASE_URL"]
    env = {"VOTES_DATABASE_URL": database_url, "VOTES_SECRET_KEY": "witness-test-secret",
           "VOTES_DATA_KEY": TEST_CONFIG["DATA_KEY"],
           "VOTES_KEY_PASSPHRASE": TEST_CONFIG["KEY_PASSPHRASE"],
           "VOTES_WITNESS_KEYS": str(witness_keys), "VOTES_BASE_URL": "http://127.0.0.1"}
    servers = start_many([{**env, "VOTES_INSTANCE_PATH": str(tmp_path / f"host-{h}")}
                          for h in ("a", "b")], tmp_path / "logs", workers=1, threads=2)
    try:
        apps = [arg for s in servers for arg in ("--app", s.base)]
        now = app.config["VOTES_NOW"]  # the app's clock, which dated the entries
        unpinned = _witness("poll", "--once", "--key", str(key_file), "--db",
                            str(witness_db), *apps)
        assert unpinned.returncode == 2 and "没有固定服务器的公钥" in unpinned.stderr
        common = ["--key", str(key_file), "--db", str(witness_db), "--server-keys",
                  str(server_keys), *apps]

        first = _witness("poll", "--once", *common, now=now)
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"cosigned {proposal['uid']} length 3" in first.stdout
        board = Browser().get(f"{servers[1].base}/p/{proposal['uid']}/audit")
        assert witness_id in board.text and "problem" not in first.stdout, first.stdout

        # A new ballot; the witness restarts as a server (a new process, the same database)
        # and checks from the head it holds: the chain grew by appending only.
        _cast(app, proposal, ["202"])
        serving = subprocess.Popen(
            [*_command(now), "serve", "--interval", "1", *common], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        # A round prints its lines when it ends: waited for there, not on its database (the
        # posting to the second server is not the round's end: the audit log is checked
        # after, and a round stopped before it prints says nothing).
        cosigned = f"cosigned {proposal['uid']} length 4"
        fd, seen, deadline = serving.stdout.fileno(), b"", time.monotonic() + 30
        waiting = selectors.DefaultSelector()
        waiting.register(fd, selectors.EVENT_READ)
        try:
            while seen.count(cosigned.encode()) < 2:  # one line per server
                ready = waiting.select(max(deadline - time.monotonic(), 0))
                assert ready, f"the witness did not cosign in 30 s: {seen!r}"
                chunk = os.read(fd, 65536)
                assert chunk, seen  # the witness ended
                seen += chunk
        finally:
            waiting.close()
            serving.terminate()
            output = seen.decode() + serving.communicate(timeout=10)[0]
        assert _posted(witness_db, 4) == 2  # cosigned, and posted to both servers
        assert cosigned in output and "problem" not in output, output

        code, report = _export_and_verify(app, proposal, tmp_path, witness_keys)
        assert code == 3, report  # interim: the vote is still open
        assert "4 of 4 entries cosigned before the close" in report

        # The insider rewrites entry 2 and re-signs the chain from there, in the database.
        _rewrite_from(app, proposal, 2)
        forked = _witness("poll", "--once", *common, now=now)
        assert forked.returncode == 1, forked.stdout + forked.stderr
        assert f"FORK {proposal['uid']}" in forked.stdout
        assert not any(line.startswith("cosigned") for line in forked.stdout.splitlines())
        with sqlite3.connect(witness_db) as held:  # still the last head it checked, of
            # each host (two URLs are two apps to the witness: it holds what each served)
            assert held.execute("SELECT length FROM heads").fetchall() == [(4,), (4,)]

        listed = _witness("forks", "--db", str(witness_db), "--json")
        proofs = json.loads(listed.stdout)
        assert {p["app"] for p in proofs} == {s.base for s in servers}
        old, new = (json.loads(proofs[0][k]) for k in ("cosigned", "served"))
        assert old["entry"]["seq"] == new["entry"]["seq"] == 3
        assert old["digest"] != new["digest"] and old["sig"] != new["sig"]

        # A cosignature by a key the app was not configured with is refused.
        stranger = Ed25519PrivateKey.generate()
        stmt = witness.statement(proposal=proposal["uid"], length=1, head=old["entry"]["prev"],
                                 time="2026-12-01T02:00:00Z",
                                 witness=signing.key_id(stranger.public_key()))
        assert _post(servers[0].base, witness.cosign(stranger, stmt)) == 400
    finally:
        stop_all(servers)
    for server in servers:
        assert "Traceback" not in server.logs()[1], server.logs()[1][-3000:]

    # The rewritten chain's bundle contradicts the heads the witness cosigned.
    code, report = _export_and_verify(app, proposal, tmp_path, witness_keys)
    assert code == 1 and "[10.3]" in report, report
    # The insider also deletes the cosignatures the app holds: the bundle no longer says
    # anything was witnessed, but the witness's own copy still contradicts the chain.
    with app.app_context():
        from votes.extensions import db
        from votes.models import WitnessCosignature

        db.session.query(WitnessCosignature).delete()
        db.session.commit()
    code, report = _export_and_verify(app, proposal, tmp_path, witness_keys)
    assert "0 of 4" in report or "no valid cosignature" in report, report
    held = tmp_path / "from-witness.jsonl"
    held.write_text(_witness("cosignatures", "--db", str(witness_db)).stdout)
    code, report = _export_and_verify(app, proposal, tmp_path, witness_keys,
                                      "--cosignatures", str(held))
    assert code == 1 and "[10.3] --cosignatures 第 1 行：见证人" in report, report
    assert "/ --cosignatures line 1: witness" in report, report


def _posted(witness_db, length: int) -> int:
    """How many apps the witness has given its cosignature of `length` entries."""
    if not witness_db.exists():
        return 0
    with sqlite3.connect(witness_db, timeout=10) as db:
        return db.execute("SELECT count(*) FROM posted p JOIN heads h ON h.app = p.app AND "
                          "h.proposal = p.proposal AND h.length = p.length WHERE p.length = ?",
                          (length,)).fetchone()[0]


def _post(base: str, cosig: dict) -> int:
    req = urllib.request.Request(f"{base}/api/witness/cosignatures",
                                 data=canonical_bytes(cosig), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
