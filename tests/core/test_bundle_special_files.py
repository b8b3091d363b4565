"""`votes verify` given a path that is no regular file: what a bundle handed over on a
stick or in an archive may turn out to be once unpacked (tar and Info-ZIP's unzip make
symbolic links and FIFOs), or a slip of the regulator's own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WAIT = 60  # seconds: a safety net for a broken test, never a timing


def _verify(path, *extra) -> subprocess.CompletedProcess:
    def small_memory():  # a failing run ends in MemoryError, not the machine's swap
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "votes.verify", str(path), "--trust-bundle-keys",
                           *extra], capture_output=True, text=True, timeout=WAIT,
                          preexec_fn=small_memory, env={**os.environ, "LANG": "zh_CN.UTF-8"})


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_bundle_that_links_to_an_endless_device_is_refused_not_read_for_ever(tmp_path,
                                                                               device):
    """zipfile looks for the end record by reading the file to its end: a device's never
    comes, and its bytes filled the regulator's memory until the machine gave out."""
    bundle = tmp_path / "bundle.zip"
    bundle.symlink_to(device)
    done = _verify(bundle)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "不是普通文件" in done.stderr and "Traceback" not in done.stderr


def test_a_bundle_that_is_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """Opening a FIFO waits until something writes into it: the command hung for ever."""
    bundle = tmp_path / "bundle.zip"
    os.mkfifo(bundle)
    done = _verify(bundle)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "不是普通文件" in done.stderr


def test_a_keys_file_that_is_a_fifo_is_refused_without_waiting_either(tmp_path):
    from tests.bundles import good_story

    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(good_story().bundle())
    keys = tmp_path / "keys.json"
    os.mkfifo(keys)
    done = subprocess.run([sys.executable, "-m", "votes.verify", str(bundle), "--keys",
                           str(keys)], capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "不是普通文件" in done.stderr


def test_the_core_refuses_a_path_to_a_device_at_1_1(tmp_path):
    """verify_bundle given a path (the core alone, as a third party's tool calls it)."""
    from votes.core.verifier import verify_bundle

    bundle = tmp_path / "bundle.zip"
    bundle.symlink_to("/dev/null")  # empty, so that the test ends however it is read
    report = verify_bundle(str(bundle))
    assert report.outcome == "failed"
    assert any(f.step == "1.1" and "not a regular file" in f.message
               for f in report.failures), report.render()
