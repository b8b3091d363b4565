"""`votes export -o`, like every file the command writes, goes to a regular file: a file
is written beside the target and renamed over it, which, given a device, a named pipe or a
symbolic link, replaced that with a regular file (`-o /dev/stdout` run as root replaced
/dev/stdout; a link an operator keeps to the current bundle became a copy)."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

from tests.test_proposal_cli import T0, at, create, setup_roll


def _voting(app, runner, tmp_path) -> str:
    setup_roll(runner, tmp_path)
    at(app, T0 - timedelta(days=12))
    pid = create(runner)
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    return pid


def test_export_to_a_named_pipe_is_refused_and_leaves_it(app, runner, tmp_path):
    pid = _voting(app, runner, tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = runner.invoke(args=["export", pid, "-o", str(pipe)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "不是普通文件" in result.output
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pipe")) == ["pipe"]


def test_export_through_a_link_writes_the_file_it_points_at(app, runner, tmp_path):
    pid = _voting(app, runner, tmp_path)
    (tmp_path / "bundles").mkdir()
    real = tmp_path / "bundles" / "current.zip"
    real.write_bytes(b"an older bundle")
    link = tmp_path / "current.zip"
    link.symlink_to(real)
    result = runner.invoke(args=["export", pid, "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes().startswith(b"PK")
