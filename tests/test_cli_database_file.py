"""A database URL naming a file that is not a database (a typo naming the roll CSV, a
backup copied in as text, a damaged file) was SQLAlchemy's DatabaseError traceback from
every command, `votes doctor` included; `votes keys list` printed a traceback for a
database it could not reach or that was not created yet, where every other command said so."""

from __future__ import annotations

import pytest

from tests.test_cli_settings_errors import _votes

COMMANDS = [["doctor"], ["init"], ["db", "current"], ["keys", "list"], ["keys", "generate"],
            ["proposal", "show", "1"], ["tick"], ["community", "list"]]


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
