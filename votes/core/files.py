"""Files written whole or not at all."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

T = TypeVar("T")


def write_atomically(path: str | Path, content: bytes | Callable[[BinaryIO], T],
                     mode: int | None = None) -> T | None:
    """Write `content` (bytes, or a function writing to a binary file, whose result is
    returned) to `path` whole or not at all: into a temporary file beside it, flushed to
    disk and then renamed over `path`. An error or a crash part-way leaves the file that
    was there before (or none), never the first half of a bundle or a PDF that a committee
    would hand on, and no temporary file after an error.

    Permissions from its creation: exactly `mode` (a key: 0o600); without it, those of the
    file it replaces (as the shell's `>` and Path.write_bytes keep them: an operator's
    `chmod 600 notices.pdf` keeps every voter's link from other users however often the
    notices are written again), or for a new file those of any new file (0o666 less the
    umask), so an operator's `umask 077` or a unit's `UMask=0077` keeps them private too."""
    path = Path(path)
    if mode is None:
        mode = _mode_of(path)
    fd, temporary = _create_beside(path, 0o666 if mode is None else mode)
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # exactly: the umask only ever takes bits away
        with os.fdopen(fd, "wb") as out:
            result = None
            if callable(content):
                result = content(out)
            else:
                out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
        _remove_stale_parts(path)
        return result
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# A temporary file older than this beside its target was left by a writer that was killed
# (kill -9, a power cut): no write of a bundle or of notices takes that long.
STALE_SECONDS = 3600


def _remove_stale_parts(path: Path) -> None:
    """Remove what killed writers of `path` left beside it: half a notices PDF holds voting
    links, and nothing else ever removes it. A younger one may be another writer's, still
    writing, and is left alone."""
    limit = time.time() - STALE_SECONDS
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
            if part.is_file() and not part.is_symlink() and part.lstat().st_mtime < limit:
                part.unlink()


def _mode_of(path: Path) -> int | None:
    """The permission bits of the regular file at `path` (through a symlink, as a write
    through it kept them), or None where there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else None


def _sync_folder(folder: Path) -> None:
    """The rename on disk too: after a power cut the folder could still name the old file
    (or none) although the new one was reported written."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a folder that cannot be opened for reading: the rename stands anyway
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse to sync a folder
        pass
    finally:
        os.close(fd)


def _create_beside(path: Path, permissions: int) -> tuple[int, Path]:
    """A new file of a name nobody else has, in `path`'s folder, created with `permissions`
    less the umask (tempfile.mkstemp would make it 0600 whatever the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.part"
        try:
            return os.open(temporary, flags, permissions), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
