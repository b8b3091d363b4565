"""`votes doctor` through the CLI: a sound deployment passes, each mistake is listed."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG
from tests.servers import redis_or_skip


def _doctor(app, language="zh_CN", **env):
    result = app.test_cli_runner().invoke(args=["doctor"], env={"VOTES_LANG": language, **env})
    return result.exit_code, result.output


def _production(**config):
    from votes import create_app

    return create_app({**TEST_CONFIG, "BASE_URL": "https://votes.example.cn",
                       "TRUSTED_PROXIES": 1, "SMS_SENDER": lambda phone, text: None, **config})


def test_a_sound_deployment_passes_and_a_lost_key_fails(database_url, tmp_path):
    redis_url = redis_or_skip(pytest)
    app = _production(DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"),
                      KEYS_DIR=str(tmp_path / "shared-keys"), RATELIMIT_STORAGE_URI=redis_url)
    code, out = _doctor(app)
    assert code == 0, out
    assert "尚无签名密钥" in out and "部署检查通过" in out and "✗" not in out
    assert app.test_cli_runner().invoke(args=["keys", "generate"]).exit_code == 0
    assert len(list((tmp_path / "shared-keys").glob("*.pem"))) == 1
    code, out = _doctor(app)
    assert code == 0 and "签名私钥可读" in out, out
    app.config["KEY_PASSPHRASE"] = "not-the-passphrase"
    code, out = _doctor(app)
    assert code == 1 and "无法用 VOTES_KEY_PASSPHRASE 解密" in out
    app.config["KEY_PASSPHRASE"] = TEST_CONFIG["KEY_PASSPHRASE"]
    # A key file damaged or replaced (a copy cut short, another file under its name) is
    # not a passphrase to change: said as what it is.
    [pem] = (tmp_path / "shared-keys").glob("*.pem")
    kept = pem.read_bytes()
    pem.write_bytes(b"not a key at all\n")
    code, out = _doctor(app)
    assert code == 1 and "不是加密的签名私钥文件" in out and "VOTES_KEY_PASSPHRASE" not in out, out
    pem.write_bytes(kept)
    for pem in (tmp_path / "shared-keys").glob("*.pem"):
        pem.unlink()
    code, out = _doctor(app)
    assert code == 1 and "读不到当前签名私钥" in out and "not readable" not in out
    code, out = _doctor(app, "en")
    assert code == 1 and "not readable" in out and "读不到" not in out


def test_every_mistake_of_a_careless_deployment_is_listed(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    secrets_given = {k: v for k, v in TEST_CONFIG.items()
                     if k not in ("SECRET_KEY", "DATA_KEY", "KEY_PASSPHRASE")}
    from votes import create_app

    app = create_app({**secrets_given, "DATABASE_URL": f"sqlite:///{empty}",
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "BASE_URL": "https://votes.example.cn", "SECURE_COOKIES": "0",
                      "HSTS": "0", "SMS_SENDER": "log"})
    code, out = _doctor(app)
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("✗")]
    expected = ["VOTES_SECRET_KEY", "votes init", "VOTES_RATELIMIT_STORAGE_URI",
                "VOTES_SECURE_COOKIES", "VOTES_HSTS", "VOTES_TRUSTED_PROXIES", "SMS_SENDER"]
    assert len(failures) == len(expected), out
    for needle, line in zip(expected, failures):
        assert needle in line, (needle, line)
    assert "部署检查未通过：7 项问题" in out


def test_unreachable_database_and_redis_are_reported_without_the_password(tmp_path):
    app = _production(DATABASE_URL="postgresql://votes:hunter2@127.0.0.1:1/votes",
                      INSTANCE_PATH=str(tmp_path / "instance"),
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    code, out = _doctor(app)
    assert code == 1
    assert "✗ 无法连接数据库 postgresql+psycopg://votes:***@127.0.0.1:1/votes" in out
    assert "✗ 无法连接限流存储 redis://127.0.0.1:1/0" in out
    assert "hunter2" not in out


def test_one_machine_on_sqlite_passes_with_the_defaults(sqlite_app):
    # One gunicorn worker (the default 4 would each count the in-memory rate limits apart:
    # tests/test_doctor_workers.py).
    code, out = _doctor(sqlite_app, VOTES_GUNICORN_WORKERS="1")
    assert code == 0, out


def test_postgresql_counts_as_production(sqlite_app):
    # The same settings on PostgreSQL mean several processes: shared limits and real SMS.
    sqlite_app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://votes@127.0.0.1:1/x"
    from votes.services.doctor import run_checks

    with sqlite_app.app_context():
        failed = [c.en for c in run_checks(sqlite_app) if not c.ok]
    assert any("rate limits are counted per process" in f for f in failed)
    assert any("SMS_SENDER" in f for f in failed)


def test_commands_say_when_the_database_is_not_there(tmp_path):
    """`votes community create` before `votes init` on a new machine, or any command with
    the database down, printed a traceback of SQL (no such table: communities; connection
    refused) where the operator needs the next step in words."""
    from votes import create_app

    fresh = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
                        "INSTANCE_PATH": str(tmp_path / "instance")})
    runner = fresh.test_cli_runner()
    for args in (["community", "create", "SUN", "--name", "阳光花园"], ["community", "list"],
                 ["users", "list"], ["roll", "show", "--community", "SUN"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "votes init" in result.output, (args, result.output)
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert runner.invoke(args=["init"]).exit_code == 0
    done = runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"])
    assert done.exit_code == 0, done.output
    # New code on an older database (`votes init` not run after the upgrade): a column
    # of the newer schema is missing.
    import sqlite3

    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        conn.execute("ALTER TABLE communities DROP COLUMN contact_phone")
    with fresh.app_context():
        from votes.extensions import db

        db.engine.dispose()
    old = runner.invoke(args=["community", "list"])
    assert old.exit_code == 1 and "votes init" in old.output, old.output
    down = create_app({**TEST_CONFIG, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                       "INSTANCE_PATH": str(tmp_path / "instance2")})
    for args in (["community", "list"], ["init"], ["proposal", "show", "1"]):
        result = down.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1 and "无法访问数据库" in result.output, (args, result.output)
        assert isinstance(result.exception, SystemExit)


def test_a_production_host_without_an_sms_gateway_fails(tmp_path):
    """Outside tests and the demo, SMS_SENDER = "log" is replaced at start by a sender that
    refuses every code: the check must still see that no gateway is configured (it passed
    with "SMS sender set" on every real production host left at the default)."""
    from votes import create_app

    config = {k: v for k, v in TEST_CONFIG.items() if k != "TESTING"}
    app = create_app({**config, "BASE_URL": "https://votes.example.cn", "TRUSTED_PROXIES": 1,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    code, out = _doctor(app)
    assert code == 1
    assert any(line.startswith("✗") and "SMS_SENDER" in line for line in out.splitlines()), out



@pytest.mark.parametrize("name", ["SECRET_KEY", "KEY_PASSPHRASE"])
def test_a_secret_left_at_the_example_placeholder_fails(tmp_path, name):
    """deploy/votes.env.example says change-me for every secret: a session key everyone
    can read in the source would let anyone forge a staff session."""
    app = _production(INSTANCE_PATH=str(tmp_path / "instance"), **{name: "change-me"})
    code, out = _doctor(app)
    assert code == 1
    assert any(line.startswith("✗") and f"VOTES_{name}" in line
               for line in out.splitlines()), out


@pytest.mark.parametrize("env, base_url, flagged", [
    ("production", "http://vote.example.cn", True),
    ("production", "HTTP://192.168.1.20:8000/", True),
    ("production", "https://vote.example.cn", False),
    ("production", "http://127.0.0.1:8000", False),
    ("production", "http://localhost", False),
    ("production", "http://[::1]:5000", False),
    ("development", "http://vote.example.cn", False),
])
def test_a_plain_http_base_url_fails_in_production(tmp_path, env, base_url, flagged):
    """The base URL is what owners' notices and QR codes link to: plain http there sends
    their links, one-time codes and session cookies unencrypted. On one machine with SQLite
    doctor counted it as no production at all, and passed it."""
    from votes import create_app

    config = {k: v for k, v in TEST_CONFIG.items() if k != "TESTING"}
    app = create_app({**config, "ENV": env, "BASE_URL": base_url,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    for language, said in (("zh_CN", "不是 https"), ("en", "is plain http")):
        code, out = _doctor(app, language)
        failed = [line for line in out.splitlines() if line.startswith("✗") and said in line]
        assert code == 1 if flagged else not failed, out
        assert len(failed) == (1 if flagged else 0), out


def test_demo_sign_ins_left_with_their_published_password_fail(database_url, tmp_path):
    """`votes demo` run against the production database left demo-admin, demo-committee and
    demo-regulator, whose password is in the source code: doctor said the deployment passed."""
    redis_url = redis_or_skip(pytest)
    app = _production(DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"),
                      KEYS_DIR=str(tmp_path / "shared-keys"), RATELIMIT_STORAGE_URI=redis_url)
    code, out = _doctor(app)
    assert code == 0 and "没有使用公开演示密码的账号" in out, out
    with app.app_context():
        from votes.services.communities import create_community
        from votes.services.demo import DEMO_CODE, ensure_demo_staff
        from votes.services.staff import change_user

        create_community(DEMO_CODE, "演示小区", "350502")
        ensure_demo_staff()
        code, out = _doctor(app)
        assert code == 1 and "demo-admin、demo-committee、demo-regulator" in out, out
        change_user("demo-admin", actor="cli", active=False)
        change_user("demo-committee", actor="cli", password="a new password of its own")
        code, out = _doctor(app)
        assert code == 1 and "演示账号 demo-regulator 可以" in out, out
        change_user("demo-regulator", actor="cli", active=False)
        code, out = _doctor(app)
    assert code == 0, out


def test_votes_an_older_release_damaged_are_listed_as_a_warning(app, runner, tmp_path,
                                                                monkeypatch):
    """A vote whose chain a release before version 3 started (votes-bundle/1) that got an
    entry its format cannot hold, before the server refused such entries, fails step 1.5
    of `votes verify` at every export and cannot be repaired: doctor said nothing of it.
    It is named (id, uid, the first such entry's seq and kind) as a warning, not a failure:
    the unit runs doctor before every start, and no one can ever fix it. A sound vote of the
    older format and a current vote with the same correction are not named."""
    from tests.factories import make_open_proposal
    from tests.older_format import genesis_before_version_3
    from tests.test_older_format_entries import paper
    from votes.services import chain_store

    def correct(pid):
        return runner.invoke(args=["ballots", "correct", pid, "--entry", "1", "--choice",
                                   "disagree", "--reason", "录入时勾错了意见",
                                   "--entered-by", "clerk2"])

    votes = {}
    for name, code in (("damaged", "OLD"), ("sound", "OLS"), ("current", "NEW")):
        if name == "current":
            vote = make_open_proposal(app, runner, tmp_path, code=code)
        else:
            with genesis_before_version_3(monkeypatch):
                vote = make_open_proposal(app, runner, tmp_path, code=code)
        pid = str(vote["id"])
        result = paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")], f"{code}.csv")
        assert result.exit_code == 0, result.output
        votes[name] = vote
    assert correct(str(votes["current"]["id"])).exit_code == 0
    assert correct(str(votes["sound"]["id"])).exit_code == 1  # refused, as today
    code, before = _doctor(app)
    assert "⚠" not in before and "无法通过验证" not in before, before
    with monkeypatch.context() as m:  # as a release before the guard appended it
        m.setattr(chain_store.Appender, "refuse_unfit", lambda self, kind, body: None)
        result = correct(str(votes["damaged"]["id"]))
        assert result.exit_code == 0, result.output

    after_code, out = _doctor(app)
    assert after_code == code, out  # a warning: the exit status is what it was
    warnings = [line for line in out.splitlines() if line.startswith("⚠")]
    damaged = votes["damaged"]
    assert len(warnings) == 1, out
    assert f"#{damaged['id']}" in warnings[0] and damaged["uid"] in warnings[0], warnings
    assert "第 2 条" in warnings[0] and "ballot" in warnings[0], warnings
    for name in ("sound", "current"):
        assert votes[name]["uid"] not in out, out
    if code == 0:
        assert "部署检查通过（另有 1 项提醒" in out, out
    _code, english = _doctor(app, "en")
    assert "entry 2 (ballot)" in english and damaged["uid"] in english, english
    if code == 0:
        assert "Deployment check passed (with 1 warning" in english, english


def test_an_sms_sender_that_is_no_function_fails(tmp_path):
    """VOTES_SMS_SENDER=aliyun is no sender (docs/deploy.md asks for a function in the
    VOTES_CONFIG file): the check said "SMS sender set" while every code went to a file."""
    app = _production(INSTANCE_PATH=str(tmp_path / "instance"), SMS_SENDER="aliyun")
    code, out = _doctor(app)
    assert code == 1
    assert any(line.startswith("✗") and "SMS_SENDER" in line for line in out.splitlines()), out


@pytest.mark.parametrize("content", [None, b"{not json", b'{"keys": []}'])
def test_a_witness_keys_file_the_app_cannot_use_fails(tmp_path, content):
    """docs/deploy.md: the city names its witnesses' keys file by VOTES_WITNESS_KEYS. One
    the app could not read (mode 0600 root beside votes.env, a mistyped path) or load passed
    the check, and every witness's cosignature was then refused (400), told only in the log."""
    keys = tmp_path / "witness-keys.json"
    if content is not None:
        keys.write_bytes(content)
    app = _production(INSTANCE_PATH=str(tmp_path / "instance"), WITNESS_KEYS=str(keys))
    code, out = _doctor(app)
    assert code == 1, out
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert any("VOTES_WITNESS_KEYS" in line and str(keys) in line for line in failed), out
    _code, english = _doctor(app, "en")
    assert any("VOTES_WITNESS_KEYS" in line and "cosignature" in line
               for line in english.splitlines() if line.startswith("✗")), english


def test_a_readable_witness_keys_file_is_told(tmp_path):
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from votes.core import signing

    public = Ed25519PrivateKey.generate().public_key()
    keys = tmp_path / "witness-keys.json"
    keys.write_text(json.dumps(signing.KeyRing({signing.key_id(public): public}).to_json_obj()))
    app = _production(INSTANCE_PATH=str(tmp_path / "instance"), WITNESS_KEYS=str(keys))
    _code, out = _doctor(app)
    assert any(line.startswith("✓") and "见证人公钥" in line for line in out.splitlines()), out
