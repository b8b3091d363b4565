"""Deployment on several processes and hosts (issue 8): rate limits shared through Redis
across gunicorn workers and instances, and two app servers on one PostgreSQL serving one
vote whose bundle verifies."""

from __future__ import annotations

import re
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from tests.conftest import TEST_CONFIG, _app_on, _truncate_all
from tests.factories import make_roll_csv, make_row, resident_id, voter_token
from votes.cli import main as votes_command

from tests.servers import (Browser, gunicorn_or_skip, redis_or_skip, start_gunicorn,
                           start_many, stop_all)


def test_a_worker_freezes_what_it_loaded_out_of_the_collectors_reach():
    """config/gunicorn.conf.py's post_worker_init: the app a worker loaded is never walked
    by a full collection, which stopped every thread of the worker (lock holders too)."""
    import gc
    import runpy

    from pathlib import Path

    hooks = runpy.run_path(str(Path(__file__).resolve().parent.parent / "config"
                               / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # the interpreter, pytest and the app
    finally:
        gc.unfreeze()


def test_gunicorn_number_settings_take_empty_as_the_default_and_name_a_wrong_one(
        monkeypatch):
    """docs/deploy.md: empty keeps the default, anything else stops the start with the
    setting's name. An empty VOTES_GUNICORN_WORKERS= (a line of votes.env left blank) failed
    the start with int()'s "invalid literal ... ''", naming nothing."""
    import runpy

    from pathlib import Path

    conf = str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py")
    for name in ("WORKERS", "THREADS", "TIMEOUT"):
        monkeypatch.setenv(f"VOTES_GUNICORN_{name}", "")
    settings = runpy.run_path(conf)
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (4, 8, 30)
    monkeypatch.setenv("VOTES_GUNICORN_THREADS", " 16 ")
    assert runpy.run_path(conf)["threads"] == 16
    monkeypatch.setenv("VOTES_GUNICORN_THREADS", "eight")
    with pytest.raises(ValueError, match="VOTES_GUNICORN_THREADS must be a whole number"):
        runpy.run_path(conf)


def test_the_server_entry_point_loads_pages_modules_and_templates_before_the_first_request(
        tmp_path):
    """wsgi.py, in a process of its own as a worker is: no owner waits while a worker
    imports the receipt's PDF and QR modules or compiles a page's templates."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    probe = ("import json, runpy, sys\n"
             "app = runpy.run_path('wsgi.py')['app']\n"
             "env = app.jinja_env\n"
             "print(json.dumps({'templates': sorted(env.list_templates()),\n"
             "                  'compiled': sorted(key[1] for key in env.cache.keys()),\n"
             "                  'modules': sorted(m for m in sys.modules\n"
             "                                    if m.startswith('votes.'))}))\n")
    env = {**os.environ, "VOTES_DATABASE_URL": f"sqlite:///{tmp_path / 'votes.db'}",
           "VOTES_INSTANCE_PATH": str(tmp_path), "VOTES_SECRET_KEY": "entry-point-secret",
           "VOTES_DATA_KEY": TEST_CONFIG["DATA_KEY"]}
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "owner/receipt.html" in loaded["templates"]
    assert loaded["compiled"] == loaded["templates"]
    for module in ("votes.services.notices_pdf", "votes.services.receipt_card",
                   "votes.services.board", "votes.web.owner"):
        assert module in loaded["modules"], module


def _env(database_url: str, instance, redis_url: str, prefix: str, **extra) -> dict[str, str]:
    return {"VOTES_DATABASE_URL": database_url, "VOTES_INSTANCE_PATH": str(instance),
            "VOTES_SECRET_KEY": "deploy-test-secret", "VOTES_DATA_KEY": TEST_CONFIG["DATA_KEY"],
            "VOTES_KEY_PASSPHRASE": TEST_CONFIG["KEY_PASSPHRASE"],
            "VOTES_RATELIMIT_STORAGE_URI": redis_url, "VOTES_RATELIMIT_KEY_PREFIX": prefix,
            **extra}


def _second_factor_attempts(bases: list[str], count: int, uid: str = "no-such-vote",
                            forwarded_for: str | None = None) -> list[int]:
    """`count` second-factor answers from one client, concurrently, spread over `bases`.
    Without a pending voting link each is refused (404), but each counts against the limit."""

    def attempt(i: int) -> int:
        browser = Browser()
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        base = bases[i % len(bases)]
        assert browser.get(f"{base}/staff/login", headers=headers).status == 200  # CSRF token
        return browser.post(f"{base}/p/{uid}/verify", {"method": "id", "answer": "000000"},
                            headers=headers).status

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(attempt, range(count)))


def test_rate_limits_hold_across_four_workers(sqlite_template, tmp_path):
    gunicorn_or_skip(pytest)
    redis_url = redis_or_skip(pytest)
    db = tmp_path / "votes.sqlite3"
    shutil.copy(sqlite_template, db)
    prefix = f"votes-test-{secrets.token_hex(6)}"
    server = start_gunicorn(_env(f"sqlite:///{db}", tmp_path / "instance", redis_url, prefix),
                            tmp_path / "logs", workers=4, threads=2, args=("--preload",))
    try:
        # The second factor allows 10 answers a minute per client. Per-process memory
        # storage let 4 x 10 through four workers; through Redis the site allows exactly 10.
        codes = _second_factor_attempts([server.base], 40)
    finally:
        server.stop()
    assert sorted(codes) == [404] * 10 + [429] * 30, codes


def _make_live_vote(app, runner, tmp_path, voters: int) -> dict:
    """A community of `voters` owners and a use_fund proposal open now (real clock)."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    rows = [make_row(room=str(101 + i), owner_name=f"业主{i}", owner_id=resident_id(i + 1),
                     phone="") for i in range(voters)]
    app.config["VOTES_NOW"] = now - timedelta(days=12)
    assert runner.invoke(args=["community", "create", "LIVE", "--name", "两台服务器"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", rows)
    assert runner.invoke(args=["roll", "import", "--community", "LIVE", str(roll)]).exit_code == 0
    result = runner.invoke(args=[
        "proposal", "create", "--community", "LIVE", "--title", "屋面防水", "--matter", "use_fund",
        "--scope", "all", "--budget", "10000.00",
        "--publicity-start", (now - timedelta(days=11)).isoformat(),
        "--voting-start", (now - timedelta(hours=1)).isoformat(),
        "--voting-end", (now + timedelta(days=7)).isoformat(), "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = None
    opened = runner.invoke(args=["proposal", "open", pid])
    assert opened.exit_code == 0, opened.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(pid)
        return {"id": proposal.id, "uid": proposal.uid}


def _vote_through(bases: list[str], vote: dict, token: str, suffix: str, choice: str,
                  client_ip: str) -> str:
    """One owner's whole phone flow, every request to the next server in turn (a load
    balancer without sticky sessions); returns the receipt digest."""
    browser, uid, turn = Browser(), vote["uid"], iter(range(100))
    headers = {"X-Forwarded-For": client_ip}

    def url(path: str) -> str:
        return bases[next(turn) % len(bases)] + path

    r = browser.get(url(f"/v/{token}"), headers=headers)
    assert r.status == 302 and r.location.endswith(f"/p/{uid}/verify"), r
    assert browser.get(url(f"/p/{uid}/verify"), headers=headers).status == 200
    r = browser.post(url(f"/p/{uid}/verify"), {"method": "id", "answer": suffix}, headers=headers)
    assert r.status == 302 and r.location.endswith("/ballot"), (r.status, r.text[-500:])
    assert browser.get(url(f"/p/{uid}/ballot"), headers=headers).status == 200
    page = browser.post(url(f"/p/{uid}/confirm"), {"choice": choice}, headers=headers)
    assert page.status == 200, page.text[-500:]
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.text).group(1)
    r = browser.post(url(f"/p/{uid}/cast"), {"choice": choice, "nonce": nonce}, headers=headers)
    assert r.status == 302 and "/receipt/" in r.location, (r.status, r.location)
    digest = r.location.rsplit("/", 1)[1]
    assert browser.get(url(f"/p/{uid}/receipt/{digest}"), headers=headers).status == 200
    return digest


@pytest.fixture
def pg_app(pg_schema, tmp_path):
    """Two hosts share PostgreSQL, never a SQLite file: this runs on PostgreSQL only."""
    _truncate_all(pg_schema)
    yield from _app_on(pg_schema, tmp_path)


def test_two_app_servers_share_one_database_one_redis_and_one_chain(pg_app, tmp_path):
    app, runner = pg_app, pg_app.test_cli_runner()
    gunicorn_or_skip(pytest)
    redis_url = redis_or_skip(pytest)
    shared_keys = tmp_path / "shared-keys"
    app.config["KEYS_DIR"] = str(shared_keys)
    voters = 8
    vote = _make_live_vote(app, runner, tmp_path, voters)
    tokens = [voter_token(app, vote, str(101 + i)) for i in range(voters)]
    prefix = f"votes-test-{secrets.token_hex(6)}"
    database_url = app.config["DATABASE_URL"]
    # Two hosts: each its own instance folder, the signing keys in one shared folder, one
    # trusted proxy (nginx) in front telling the client address.
    servers = start_many([_env(database_url, tmp_path / f"host-{host}", redis_url, prefix,
                               VOTES_KEYS_DIR=str(shared_keys), VOTES_TRUSTED_PROXIES="1",
                               VOTES_BASE_URL="http://127.0.0.1") for host in ("a", "b")],
                         tmp_path / "logs", workers=2, threads=4, args=("--preload",))
    try:
        bases = [s.base for s in servers]
        choices = ["agree"] * 5 + ["disagree"] * 2 + ["abstain"]
        with ThreadPoolExecutor(6) as pool:
            receipts = list(pool.map(
                lambda i: _vote_through(bases[i % 2:] + bases[:i % 2], vote, tokens[i],
                                        resident_id(i + 1)[-6:], choices[i], f"198.51.100.{i}"),
                range(voters)))
        # One client (one address behind the proxy) gets 10 second-factor answers in all,
        # not 10 per server or per worker.
        codes = _second_factor_attempts(bases, 16, vote["uid"], forwarded_for="192.0.2.99")
        assert sorted(codes) == [404] * 10 + [429] * 6, codes
        keys = Browser().get(bases[1] + "/.well-known/votes-keys.json")
        assert keys.status == 200
    finally:
        stop_all(servers)
    for server in servers:
        assert "Traceback" not in server.logs()[1], server.logs()[1][-3000:]
    assert len(set(receipts)) == voters
    closed = runner.invoke(args=["proposal", "close", str(vote["id"])])
    assert closed.exit_code == 0, closed.output
    bundle = tmp_path / "bundle.zip"
    exported = runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)])
    assert exported.exit_code == 0, exported.output
    keys_file = tmp_path / "votes-keys.json"
    keys_file.write_text(keys.text)
    verified = CliRunner().invoke(votes_command, ["verify", str(bundle), "--keys", str(keys_file)])
    assert verified.exit_code == 0, verified.output
    with app.app_context():
        from votes.services.figures import proposal_figures

        figures = proposal_figures(str(vote["id"]))
        assert figures.ballots == voters
        assert (figures.tally.agree_headcount, figures.tally.disagree_headcount) == (5, 2)
