"""A `votes` command on a deployment whose settings are wrong (a VOTES_* value that is not a
number or yes/no, a database URL that does not parse or names no installed driver, an
instance folder that cannot be made, a VOTES_CONFIG file missing or broken) says what is
wrong and exits 1: `votes doctor` runs before every start, and a traceback there was all
the operator saw."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _votes(tmp_path, *args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOTES_")}
    environ.update({"VOTES_INSTANCE_PATH": str(tmp_path / "instance"), **env})
    return subprocess.run([sys.executable, "-c", "from votes.cli import main; main()", *args], env=environ,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


@pytest.mark.parametrize("env, named", [
    ({"VOTES_MAX_CONTENT_LENGTH": "32MB"}, "VOTES_MAX_CONTENT_LENGTH"),
    ({"VOTES_HSTS": "maybe"}, "VOTES_HSTS"),
    ({"VOTES_DATABASE_URL": "db.internal:5432/votes"}, "VOTES_DATABASE_URL"),
    ({"VOTES_DATABASE_URL": "mysql://votes@db/votes"}, "VOTES_DATABASE_URL"),
    ({"VOTES_CONFIG": "/nonexistent/votes.py"}, "/nonexistent/votes.py"),
    ({"VOTES_CONFIG": "broken.py"}, "broken.py"),
    ({"VOTES_INSTANCE_PATH": "/proc/votes-instance"}, "/proc/votes-instance"),
    ({"VOTES_RATELIMIT_STORAGE_URI": "rediss+x://:s3cret@cache:6379/0"},
     "VOTES_RATELIMIT_STORAGE_URI"),
    # redis-py takes the password as ?password= too: printed whole on an unknown scheme
    ({"VOTES_RATELIMIT_STORAGE_URI": "rediss+x://cache:6379/0?password=s3cret"},
     "VOTES_RATELIMIT_STORAGE_URI"),
    ({"VOTES_WITNESS_ADDRESSES": "10.0.0.300"}, "VOTES_WITNESS_ADDRESSES"),
])
@pytest.mark.parametrize("command", [["doctor"], ["proposal", "show", "1"]])
def test_wrong_settings_are_a_message_not_a_traceback(tmp_path, env, named, command):
    (tmp_path / "broken.py").write_text("SMS_SENDER = = 'log'\n")
    done = _votes(tmp_path, *command, **env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("设置有误，无法启动"), done.stderr
    assert named in done.stderr
    assert "s3cret" not in done.stderr  # a password in a URL is not printed


def test_demo_on_an_unreachable_database_is_a_message(tmp_path):
    # Every other command said 无法访问数据库; `votes demo` printed SQLAlchemy's traceback.
    done = _votes(tmp_path, "demo", "--no-run",
                  VOTES_DATABASE_URL="postgresql://votes@127.0.0.1:1/votes")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("无法访问数据库"), done.stderr


@pytest.mark.parametrize("command", [["db", "current"], ["db", "upgrade"]])
def test_db_commands_on_an_unreachable_database_are_a_message(tmp_path, command):
    # `votes db …` (Flask-Migrate's) printed SQLAlchemy's traceback.
    done = _votes(tmp_path, *command, VOTES_DATABASE_URL="postgresql://votes@127.0.0.1:1/votes")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "无法访问数据库" in done.stderr, done.stderr


def test_the_demo_speaks_chinese_from_its_first_line(tmp_path):
    # The README's first command opened with some thirty English lines of Alembic's log
    # ("INFO  [alembic.runtime.migration] Running upgrade …") before a word of Chinese.
    done = _votes(tmp_path, "demo", "--no-run")
    assert done.returncode == 0, done.stderr
    assert "alembic" not in done.stderr and "INFO" not in done.stderr, done.stderr
    assert done.stdout.startswith("正在准备数据库和演示数据"), done.stdout
    assert "演示小区已就绪" in done.stdout
