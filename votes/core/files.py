"""Files written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

T = TypeVar("T")


def write_atomically(path: str | Path, content: bytes | Callable[[BinaryIO], T],
                     mode: int = 0o644) -> T | None:
    """Write `content` (bytes, or a function writing to a binary file, whose result is
    returned) to `path` whole or not at all: into a temporary file beside it, with `mode` from its creation, flushed to
    disk and then renamed over `path`. An error or a crash part-way leaves the file that
    was there before (or none), never the first half of a bundle or a PDF that a committee
    would hand on, and no temporary file after an error."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            result = None
            if callable(content):
                result = content(out)
            else:
                out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        return result
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
