"""Upgrading while the site serves: `votes init` against a database others are reading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_CONFIG
from tests.test_migrations_with_data import _migrate


def _init_process(app, **settings):
    env = {**os.environ, "VOTES_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "VOTES_INSTANCE_PATH": app.instance_path, "VOTES_ENV": "testing",
           **{f"VOTES_{k}": TEST_CONFIG[k] for k in ("SECRET_KEY", "DATA_KEY",
                                                      "KEY_PASSPHRASE")},
           **{f"VOTES_{k}": v for k, v in settings.items()}}
    return subprocess.Popen([sys.executable, "-c", "from votes.cli import main; main()", "init"],
                            cwd=Path(__file__).resolve().parent.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.postgresql_only
def test_an_upgrade_queued_behind_a_long_read_gives_up_and_changes_nothing(app):
    """withdraw_0001's ALTER TABLE ballots waited behind a report's open read with no limit,
    and its ACCESS EXCLUSIVE request queued every owner's cast behind it: the site froze
    for as long as the read lasted. The upgrade now waits VOTES_MIGRATION_LOCK_TIMEOUT_SECONDS
    at most, then gives up as a whole, saying what held the table."""
    from sqlalchemy import create_engine, text

    from votes.services.schema import revisions

    _migrate(app, "down", "forms_0001")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as report:
            report.execute(text("SELECT count(*) AS long_report FROM ballots")).scalar()
            init = _init_process(app, MIGRATION_LOCK_TIMEOUT_SECONDS="1")
            try:
                output = init.communicate(timeout=60)[0].decode()
            finally:
                if init.poll() is None:
                    init.kill()
                    init.wait(30)
            report.rollback()
        assert init.returncode == 1, output
        assert "等待锁超过 1 秒" in output and "数据库结构未作任何改动" in output, output
        assert "long_report" in output and "重新运行 votes init" in output, output
        assert "Traceback" not in output, output
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == "forms_0001"
            assert not conn.execute(text(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'ballots' AND column_name = 'withdrawn_by'")).scalar()
    finally:
        engine.dispose()
    # Once the read is over, the same upgrade goes through.
    init = _init_process(app, MIGRATION_LOCK_TIMEOUT_SECONDS="1")
    output = init.communicate(timeout=120)[0].decode()
    assert init.returncode == 0, output
    with app.app_context():
        current, heads, _newer = revisions()
    assert current == heads


def test_pages_on_a_schema_behind_the_code_say_the_site_is_being_upgraded(app, runner, tmp_path,
                                                                         caplog):
    """The new code installed and restarted before `votes init` (or init failed): every
    page reading a new column was the generic 500 "系统出错" with nothing telling the
    operator why. It is now a 503 saying the site is being upgraded, and the log says to
    run `votes init`. A page that the old schema still serves is untouched."""
    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    _migrate(app, "down", "forms_0001")  # ballots.withdrawn_by is gone
    # Alembic's fileConfig took caplog's handler off the root logger: hear the app's own.
    app.logger.addHandler(caplog.handler)
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        client = app.test_client()
        response = client.get(f"/p/{vote['uid']}/audit")
        page = response.get_data(as_text=True)
        assert response.status_code == 503, (response.status_code, page[:2000])
        assert "系统正在升级" in page and "votes init" in page and "系统出错" not in page
        assert any("votes init" in r.getMessage() and r.levelname == "ERROR"
                   for r in caplog.records)
        assert client.get("/").status_code == 200
    finally:
        app.logger.removeHandler(caplog.handler)
        _migrate(app, "up")
    assert client.get(f"/p/{vote['uid']}/audit").status_code == 200


def test_a_fresh_database_upgrades_with_nothing_but_alembic_lines(tmp_path):
    """Alembic logs the first line of each migration's summary: a summary wrapped onto a
    second line printed that line bare, and `votes demo` on a fresh machine began with a
    stray "member's own at their next sign-in" (staff_0001; money_0002 before it)."""
    env = {**os.environ, "VOTES_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
           "VOTES_INSTANCE_PATH": str(tmp_path / "instance"), "VOTES_ENV": "testing",
           **{f"VOTES_{k}": TEST_CONFIG[k] for k in ("SECRET_KEY", "DATA_KEY",
                                                      "KEY_PASSPHRASE")}}
    done = subprocess.run([sys.executable, "-c", "from votes.cli import main; main()", "init",
                           "--log"],  # Alembic's log, as the operator can ask for it
                          cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    stray = [line for line in lines if not line.startswith(("INFO ", "数据库已是最新结构"))]
    assert stray == [], stray
    assert sum(line.startswith("INFO  [alembic.runtime.migration] Running upgrade")
               for line in lines) > 20


def _votes(tmp_path, *args: str, **settings) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "VOTES_LANG"},
           "VOTES_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
           "VOTES_INSTANCE_PATH": str(tmp_path / "instance"), "VOTES_ENV": "testing",
           **{f"VOTES_{k}": TEST_CONFIG[k] for k in ("SECRET_KEY", "DATA_KEY",
                                                      "KEY_PASSPHRASE")},
           **{f"VOTES_{k}": v for k, v in settings.items()}}
    return subprocess.run([sys.executable, "-c", "from votes.cli import main; main()", *args],
                          cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=120)


def test_init_and_db_upgrade_say_their_progress_in_the_operators_language(tmp_path):
    """`votes init` on a fresh database printed some thirty English lines of Alembic's log
    ("INFO  [alembic.runtime.migration] Running upgrade …"), as `votes db upgrade` did: a
    line of Chinese for the work and one for each migration instead, the log on request
    (--log, VOTES_MIGRATIONS_LOG=1); Flask-Migrate's other commands work as before."""
    import re

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from votes.paths import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    order = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()][::-1]

    done = _votes(tmp_path, "init")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == [
        f"正在创建数据库结构（{len(order)} 个迁移）……",
        *(f"  已升级到 {revision}" for revision in order), "数据库已是最新结构"], done.stdout

    down = _votes(tmp_path, "db", "downgrade")
    assert down.returncode == 0 and down.stderr == "", down.stderr
    assert down.stdout == f"  已退回到 {order[-2]}\n", down.stdout
    english = _votes(tmp_path, "init", LANG="en")
    assert english.stdout.splitlines() == [
        "Upgrading the database structure (1 migration)…", f"  Upgraded to {order[-1]}",
        "The database is up to date"], english.stdout
    _votes(tmp_path, "db", "downgrade")
    up = _votes(tmp_path, "db", "upgrade")
    assert (up.returncode, up.stdout, up.stderr) == (0, f"  已升级到 {order[-1]}\n", "")

    # Flask-Migrate's own, as before (`db current` below, on the piped database), their
    # answer without Alembic's two English lines ("INFO  [alembic.runtime.migration]
    # Context impl …") before it, nor `db check`'s warnings about the lower(code) index
    # SQLite cannot reflect.
    history = _votes(tmp_path, "db", "history")
    assert history.returncode == 0 and f"-> {order[-1]} (head)" in history.stdout, history
    assert history.stderr == "", history.stderr
    check = _votes(tmp_path, "db", "check")
    assert (check.returncode, check.stderr) == (0, ""), check.stderr

    # Its lines are not the upgrade's business: nobody reading them (`votes init | head -2`)
    # stopped it after a migration's DDL and before its version, and the next init failed.
    fresh = tmp_path / "piped"
    fresh.mkdir()
    piped = subprocess.Popen([sys.executable, "-c", "from votes.cli import main; main()",
                              "init"], cwd=Path(__file__).resolve().parent.parent,
                             env={**os.environ, "VOTES_DATABASE_URL":
                                  f"sqlite:///{fresh / 'fresh.sqlite3'}",
                                  "VOTES_INSTANCE_PATH": str(tmp_path / "instance"),
                                  "VOTES_ENV": "testing",
                                  **{f"VOTES_{k}": TEST_CONFIG[k] for k in (
                                      "SECRET_KEY", "DATA_KEY", "KEY_PASSPHRASE")}},
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    piped.stdout.readline()
    piped.stdout.close()
    piped.wait(120)
    current = _votes(fresh, "db", "current")
    assert (current.stdout, current.stderr) == (f"{order[-1]} (head)\n", ""), current

    _votes(tmp_path, "db", "downgrade")
    logged = _votes(tmp_path, "db", "upgrade", MIGRATIONS_LOG="1")
    assert re.search(r"INFO  \[alembic.runtime.migration\] Running upgrade .* -> "
                     + re.escape(order[-1]), logged.stderr), logged.stderr
    assert logged.stdout == "", logged.stdout
