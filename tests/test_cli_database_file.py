"""A database URL naming a file that is not a database (a typo naming the roll CSV, a
backup copied in as text, a damaged file) was SQLAlchemy's DatabaseError traceback from
every command, `votes doctor` included; `votes keys list` printed a traceback for a
database it could not reach or that was not created yet, where every other command said so."""

from __future__ import annotations

import os
from contextlib import chdir
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

COMMANDS = [["doctor"], ["init"], ["db", "current"], ["keys", "list"], ["keys", "generate"],
            ["proposal", "show", "1"], ["tick"], ["community", "list"]]


def _votes(tmp_path, *args, **env):
    """The `votes` group run as its console script runs it (main with standalone_mode: a
    refusal is SystemExit(1)), in tmp_path with only the VOTES_* settings given, in this
    process: a process of its own for each command took 1.3-1.8 s to import and build the
    app (tests/test_cli_settings_errors.py runs the console script's own process). An
    exception escaping the command (the traceback this file is about) is not a SystemExit,
    and is reported as one."""
    from votes.cli import main

    settings = {k: None for k in os.environ if k.startswith("VOTES_")}
    settings.update({"VOTES_INSTANCE_PATH": str(tmp_path / "instance"), **env})
    with chdir(tmp_path):
        result = CliRunner().invoke(main, list(args), env=settings)
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout,
                           stderr=result.stderr + (f"Traceback: {escaped!r}" if escaped else ""))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_a_database_is_said(tmp_path, command):
    (tmp_path / "roll.csv").write_text("楼栋,单元,房号\n1,1,101\n" * 200, encoding="utf-8")
    done = _votes(tmp_path, *command, VOTES_DATABASE_URL=f"sqlite:///{tmp_path / 'roll.csv'}")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "数据库" in done.stderr + done.stdout, done.stderr


@pytest.mark.parametrize("url", ["postgresql://votes@127.0.0.1:1/votes", "sqlite:///{tmp}/new.sqlite3"])
def test_keys_list_on_a_database_it_cannot_use_is_a_message(tmp_path, url):
    done = _votes(tmp_path, "keys", "list", VOTES_DATABASE_URL=url.format(tmp=tmp_path))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(("无法访问数据库", "数据库尚未建立")), done.stderr
