"""Files the `votes` command hands on are written whole or not at all (votes/core/files.py)."""

from __future__ import annotations

import os
import stat

import pytest

from votes.core.files import write_atomically


def test_a_write_that_fails_part_way_leaves_the_file_that_was_there(tmp_path):
    target = tmp_path / "bundle.zip"
    target.write_bytes(b"the bundle the regulator has")

    def half_then_fail(out):
        out.write(b"PK\x03\x04 the first half of a new bundle")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(target, half_then_fail)
    assert target.read_bytes() == b"the bundle the regulator has"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.zip"]  # no .part left


def test_a_whole_write_replaces_the_file_and_returns_what_the_writer_returned(tmp_path):
    target = tmp_path / "notices.pdf"
    target.write_bytes(b"old")
    assert write_atomically(target, lambda out: out.write(b"%PDF new") and "head") == "head"
    assert target.read_bytes() == b"%PDF new"
    assert write_atomically(target, b"bytes") is None
    assert target.read_bytes() == b"bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notices.pdf"]


def test_the_mode_is_the_files_from_its_creation(tmp_path):
    seen = []
    key = tmp_path / "key.pem"
    write_atomically(key, lambda out: seen.append(stat.S_IMODE(os.fstat(out.fileno()).st_mode)),
                     mode=0o600)
    assert seen == [0o600]  # never readable by others, not even while it is written
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    document = tmp_path / "notice.pdf"
    write_atomically(document, b"%PDF")
    assert stat.S_IMODE(document.stat().st_mode) == 0o644
