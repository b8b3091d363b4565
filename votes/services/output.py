"""Files the `votes` command hands on (a bundle, notices, a settlement notice, an application
package): written whole or not at all, and a folder that is not there or a file that cannot
be written said in words, not as a traceback."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

from votes.i18n import _, lazy
from votes.services.errors import DomainError

T = TypeVar("T")


def check_output(path: str | Path) -> None:
    """Before a long piece of work whose result goes to `path`: its folder must exist, and
    what is there already must be a file, a character device or a pipe."""
    path = Path(path)  # a link's target is what is.exists() and is_file() look at
    folder = path.parent
    if not folder.is_dir():
        raise DomainError(_("目录不存在 %(dir)s", dir=str(folder)))
    # A folder, a disk (-o /dev/sda, as root) or a socket is no place for a file.
    if path.exists() and not (path.is_file() or _stream(path)):
        raise DomainError(_("%(path)s 不是普通文件（例如设备或管道），未写入；请指定一个文件名",
                            path=str(path)))


def _stream(path: Path) -> bool:
    """A character device or a pipe (-o /dev/null, -o /dev/stdout into a pipe): written to
    as it is. Written beside it and renamed over it, as a file is, it was replaced by a
    regular file (`-o /dev/full` as root replaced the device with the bundle)."""
    return path.is_char_device() or path.is_fifo()


def _target(path: str | Path) -> Path:
    """The file a symbolic link points at (the rename would replace the link itself with
    a copy, and the file an operator keeps it pointing at would stay as it was)."""
    path = Path(path)
    return path.resolve() if path.is_symlink() else path


def write_output(path: str | Path, content: bytes | Callable[[BinaryIO], T]) -> T | None:
    """Write `content` (bytes, or a function writing to a binary file, whose result is
    returned) to `path` as votes.core.files.write_atomically does; to a device or a pipe
    as it is."""
    from votes.core.files import write_atomically

    check_output(path)
    target = _target(path)
    try:
        if not _stream(target):
            return write_atomically(target, content)
        with open(target, "wb") as stream:
            if callable(content):
                return content(stream)
            stream.write(content)
            return None
    except OSError as err:  # a full disk, a folder not ours
        raise DomainError(_("无法写入文件 %(path)s：%(reason)s", path=str(path),
                            reason=_reason(err))) from None


def _reason(err: OSError) -> str:
    """Why, in the clerk's language for the usual reasons; the system's words (English
    whatever the locale) for the rest."""
    known = _REASONS.get(err.errno)
    return str(known) if known is not None else err.strerror or str(err)


_REASONS = {errno.ENOSPC: lazy("磁盘空间已满"), errno.EDQUOT: lazy("超出磁盘配额"),
            errno.EACCES: lazy("没有写入权限"), errno.EPERM: lazy("没有写入权限"),
            errno.EROFS: lazy("文件系统只读"), errno.EISDIR: lazy("同名的文件夹已存在"),
            errno.ENAMETOOLONG: lazy("文件名过长")}
