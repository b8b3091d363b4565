"""Files the `votes` command hands on (a bundle, notices, a settlement notice, an application
package): written whole or not at all, and a folder that is not there or a file that cannot
be written said in words, not as a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

from votes.i18n import _
from votes.services.errors import DomainError

T = TypeVar("T")


def check_output(path: str | Path) -> None:
    """Before a long piece of work whose result goes to `path`: its folder must exist."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise DomainError(_("目录不存在 %(dir)s", dir=str(folder)))


def write_output(path: str | Path, content: bytes | Callable[[BinaryIO], T]) -> T | None:
    """Write `content` (bytes, or a function writing to a binary file, whose result is
    returned) to `path` as votes.core.files.write_atomically does."""
    from votes.core.files import write_atomically

    check_output(path)
    try:
        return write_atomically(path, content)
    except OSError as err:  # a full disk, a folder not ours
        raise DomainError(_("无法写入文件 %(path)s：%(reason)s", path=str(path),
                            reason=err.strerror or str(err))) from None
