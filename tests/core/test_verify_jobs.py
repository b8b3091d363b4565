"""`votes verify --jobs N` (and --jobs 0: every core) reads the chain and checks its
signatures in other processes and reports exactly what one process reports."""

from __future__ import annotations

import pytest

from tests.bundles import KEY_ID, good_story
from votes.core import sigbatch
from votes.core.chain import SealedEntry
from votes.verify import _jobs, main


@pytest.fixture
def parallel_even_when_small(monkeypatch):
    # The test bundles are a few entries long; the pool is normally used from 2,000 on.
    monkeypatch.setattr(sigbatch.Batch, "MIN_PARALLEL", 1)
    started = []
    real = sigbatch.Batch._pool

    def counting(self):
        started.append(self.jobs)
        return real(self)

    monkeypatch.setattr(sigbatch.Batch, "_pool", counting)
    return started


def _damaged(tmp_path):
    story = good_story()
    story.entries[3]["body"]["device"]["nonce"] = "another"  # 6.5: device signature
    sealed = story.seal()
    sealed[3] = SealedEntry(sealed[3].entry, sealed[3].digest, sealed[1].sig)  # 4.4
    lines = story.bundle(sealed)
    path = tmp_path / "damaged.zip"
    path.write_bytes(lines)
    return path


def test_jobs_give_the_same_report_as_one_process(tmp_path, capsys, parallel_even_when_small,
                                                  monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    bundle = _damaged(tmp_path)
    assert main([str(bundle), "--key-id", KEY_ID, "--jobs", "1"]) == 1
    one = capsys.readouterr().out
    assert parallel_even_when_small == []
    assert main([str(bundle), "--key-id", KEY_ID, "--jobs", "3"]) == 1
    three = capsys.readouterr().out
    assert set(parallel_even_when_small) == {3}  # the pool was used
    assert one == three and "[4.4]" in one and "[6.5]" in one
    good = tmp_path / "good.zip"
    good.write_bytes(good_story().bundle())
    assert main([str(good), "--key-id", KEY_ID, "--jobs", "0"]) == 0
    assert "VERIFIED" in capsys.readouterr().out


def test_jobs_zero_means_every_core(monkeypatch):
    # The cores this process may use (a container's share), not the machine's count.
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    assert (_jobs(0), _jobs(-1), _jobs(1), _jobs(4)) == (6, 6, 1, 4)
    # More than the cores check nothing sooner; a typo must not start 100,000 processes.
    assert (_jobs(7), _jobs(100_000)) == (6, 6)
    monkeypatch.delattr("os.sched_getaffinity", raising=False)  # not on Linux
    assert _jobs(0) == 64
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert _jobs(0) == 1


def test_the_command_uses_every_core_unless_told(tmp_path, capsys, parallel_even_when_small,
                                                monkeypatch):
    """The regulator's one command: no --jobs means one process per core."""
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    good = tmp_path / "good.zip"
    good.write_bytes(good_story().bundle())
    assert main([str(good), "--key-id", KEY_ID]) == 0
    assert set(parallel_even_when_small) == {2}  # a pool of two processes
    used = len(parallel_even_when_small)
    assert main([str(good), "--key-id", KEY_ID, "--jobs", "1"]) == 0
    assert len(parallel_even_when_small) == used  # one process: no pool
    assert capsys.readouterr().out.count("verdict: 验证通过 / VERIFIED") == 2
