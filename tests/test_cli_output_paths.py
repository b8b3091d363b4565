"""`votes export -o`, like every file the command writes: a file is written beside the
target and renamed over it, which, given a device, a named pipe or a symbolic link,
replaced that with a regular file (`-o /dev/full` run as root replaced the device with the
bundle; a link an operator keeps to the current bundle became a copy). A device or a pipe
is now written to as it is, a link's file is written, and a folder is refused."""

from __future__ import annotations

import os
import stat
import threading
from datetime import timedelta

from tests.test_proposal_cli import T0, at, create, setup_roll


def _voting(app, runner, tmp_path) -> str:
    setup_roll(runner, tmp_path)
    at(app, T0 - timedelta(days=12))
    pid = create(runner)
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    return pid


def test_export_into_a_named_pipe_writes_to_it_and_leaves_it(app, runner, tmp_path):
    pid = _voting(app, runner, tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(pipe.read_bytes()))
    reader.start()
    result = runner.invoke(args=["export", pid, "-o", str(pipe)])
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert read and read[0].startswith(b"PK")  # the bundle went through the pipe
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pipe")) == ["pipe"]


def test_export_to_a_device_writes_to_it_and_a_full_one_is_said(app, runner, tmp_path):
    pid = _voting(app, runner, tmp_path)
    assert runner.invoke(args=["export", pid, "-o", "/dev/null"]).exit_code == 0
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        full = runner.invoke(args=["export", pid, "-o", "/dev/full"])
        assert full.exit_code == 1 and "磁盘空间已满" in full.output, full.output
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_export_to_a_folder_is_refused(app, runner, tmp_path):
    pid = _voting(app, runner, tmp_path)
    (tmp_path / "out").mkdir()
    result = runner.invoke(args=["export", pid, "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "是文件夹" in result.output, result.output  # click's
    assert (tmp_path / "out").is_dir() and not any((tmp_path / "out").iterdir())


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
