"""Sub-commands of the ``votes`` CLI, one module per area; votes.cli assembles them."""

from __future__ import annotations

import functools
import sys

import click

from votes.services.errors import INVALID_INPUT, DomainError


def domain_errors(fn):
    """Turn a DomainError into its message on stderr and exit status 1 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import DataError  # here: `votes --help` must not load SQLAlchemy

        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            click.echo(str(err), err=True)
            sys.exit(1)
        except DataError:
            # The last line of defence: input the services did not check (a text too long
            # for its column, a NUL byte) that the database refused.
            click.echo(INVALID_INPUT, err=True)
            sys.exit(1)

    return wrapper


def read_file(path: str) -> tuple[str, bytes]:
    """A file named on the command line, as (its name, its bytes); a clear message if it
    cannot be read (inside `domain_errors`)."""
    from pathlib import Path

    from votes.i18n import _

    try:
        return Path(path).name, Path(path).read_bytes()
    except OSError:
        raise DomainError(_("无法读取文件 %(path)s", path=path)) from None


def check_output(path: str) -> None:
    """Before a long piece of work whose result goes to `path`: its folder must exist
    (inside `domain_errors`)."""
    from pathlib import Path

    from votes.i18n import _

    folder = Path(path).parent
    if not folder.is_dir():
        raise DomainError(_("目录不存在 %(dir)s", dir=str(folder)))


def write_output(path: str, content: bytes) -> None:
    """Write a file the command hands on, whole or not at all (votes.core.files); a clear
    message, not a traceback, if it cannot be written (inside `domain_errors`)."""
    from votes.core.files import write_atomically
    from votes.i18n import _

    check_output(path)
    try:
        write_atomically(path, content)
    except OSError as err:
        raise DomainError(_("无法写入文件 %(path)s：%(reason)s", path=path,
                            reason=err.strerror or str(err))) from None
