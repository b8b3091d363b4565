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


def test_the_mode_is_the_files_from_its_creation(tmp_path, umask):
    seen = []
    key = tmp_path / "key.pem"
    write_atomically(key, lambda out: seen.append(stat.S_IMODE(os.fstat(out.fileno()).st_mode)),
                     mode=0o600)
    assert seen == [0o600]  # never readable by others, not even while it is written
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    document = tmp_path / "notice.pdf"
    write_atomically(document, b"%PDF")
    assert stat.S_IMODE(document.stat().st_mode) == 0o644


@pytest.fixture
def umask():
    def set_to(value):
        os.umask(value)

    before = os.umask(0o022)
    yield set_to
    os.umask(before)


def test_a_document_is_as_private_as_the_umask_asks(tmp_path, umask):
    """Notices carry every voter's link: under `UMask=0077` (deploy/systemd) or an
    operator's `umask 077` they are no more readable by others than any file the shell
    writes, as Path.write_bytes left them before; a key stays exactly 0600 whatever the
    umask."""
    umask(0o077)
    notices = tmp_path / "notices.pdf"
    write_atomically(notices, b"%PDF")
    assert stat.S_IMODE(notices.stat().st_mode) == 0o600
    umask(0o027)
    write_atomically(notices, b"%PDF again")  # written again: it keeps its own mode
    assert stat.S_IMODE(notices.stat().st_mode) == 0o600
    board = tmp_path / "board.pdf"
    write_atomically(board, b"%PDF")
    assert stat.S_IMODE(board.stat().st_mode) == 0o640
    umask(0o000)
    key = tmp_path / "key.pem"
    write_atomically(key, b"key", mode=0o600)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.pdf", "key.pem", "notices.pdf"]


def test_a_file_written_again_keeps_its_own_permissions(tmp_path, umask):
    """An operator who made the notices (every voter's link) readable by themselves alone,
    `chmod 600 notices.pdf`, and writes them again under the usual umask 022: the shell's
    `>` and Path.write_bytes keep the file's mode, and so must the rename over it, or the
    links become readable by every user of the machine."""
    umask(0o022)
    notices = tmp_path / "notices.pdf"
    notices.write_bytes(b"%PDF old")
    notices.chmod(0o600)
    write_atomically(notices, b"%PDF new")
    assert notices.read_bytes() == b"%PDF new"
    assert stat.S_IMODE(notices.stat().st_mode) == 0o600
    shared = tmp_path / "board.pdf"  # and one the operator opened to the group stays so
    shared.write_bytes(b"%PDF")
    shared.chmod(0o664)
    write_atomically(shared, b"%PDF again")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664


def test_what_a_killed_writer_left_is_removed_by_the_next_write(tmp_path):
    """kill -9 (or a power cut) in the middle of writing the notices left half a PDF of
    voting links beside them, for good. The next write of the same file removes such
    leftovers; one of a writer still writing (recent), or of another file, stays."""
    import time

    target = tmp_path / "notices.pdf"
    stale = tmp_path / ".notices.pdf.0123456789ab.part"
    stale.write_bytes(b"%PDF half of the links")
    an_hour_ago = time.time() - 3700
    os.utime(stale, (an_hour_ago, an_hour_ago))
    writing = tmp_path / ".notices.pdf.fedcba987654.part"
    writing.write_bytes(b"%PDF another writer, now")
    other = tmp_path / ".bundle.zip.0123456789ab.part"
    other.write_bytes(b"PK")
    os.utime(other, (an_hour_ago, an_hour_ago))
    write_atomically(target, b"%PDF whole")
    assert target.read_bytes() == b"%PDF whole"
    assert not stale.exists() and writing.exists() and other.exists()
