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
        # here: `votes --help` must not load SQLAlchemy
        from sqlalchemy.exc import DatabaseError, DataError

        ctx = click.get_current_context(silent=True)
        undecodable = ctx is not None and undecodable_argument(ctx)
        if undecodable:
            click.echo(undecodable, err=True)
            sys.exit(1)
        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            from votes.services.records import COMMITTEE, ChainDamaged
            from votes.services.tally import CloseMissing, ResultUnshown

            # The command line is the office's and the administrator's: their words.
            damaged = isinstance(err, (ResultUnshown, ChainDamaged, CloseMissing))
            click.echo(said(err.words(COMMITTEE) if damaged else str(err)), err=True)
            sys.exit(1)
        except DataError:
            # The last line of defence: input the services did not check (a text too long
            # for its column, a NUL byte) that the database refused.
            click.echo(INVALID_INPUT, err=True)
            sys.exit(1)
        except DatabaseError as err:
            # A database not created yet (a command before `votes init`), not reachable, or
            # a file that is no database was a traceback of SQL; the operator needs the next
            # step in words.
            problem = database_problem(err)
            if problem is None:
                raise
            click.echo(problem, err=True)
            sys.exit(1)

    return wrapper


TYPED_SHOWN = 80  # characters of a typed value a message repeats; a longer one is cut (…)


def said(message: str, typed=None) -> str:
    """A message as the CLI prints it: every value the operator typed in it (typed, by
    default the current command's arguments) at most TYPED_SHOWN characters, its control
    and other hidden characters written as \\u{XXXX} (core.bidi.shown, as the verifier's
    report), so a 5,000-character argument is not repeated whole and an escape sequence
    typed is not played on the terminal; control characters left (a value trimmed before
    it was repeated) are escaped too."""
    from votes.core.bidi import typed_said

    if typed is None:
        ctx = click.get_current_context(silent=True)
        typed = typed_values(ctx) if ctx is not None else ()
    return typed_said(message, typed, TYPED_SHOWN)


def echo(message: str, err: bool = False) -> None:
    """click.echo of a message that repeats what the operator typed (a name, a path), as
    `said` makes it: a success repeats typed values as safely as a refusal does (a name of
    200 characters, a file named with a carriage return or a direction override)."""
    click.echo(said(message), err=err)


def typed_values(ctx: click.Context) -> list[str]:
    """The text values of the command's (and its groups') arguments, and what was typed."""
    values = list(ctx.meta.get("votes.typed", ()))
    while ctx is not None:
        for value in ctx.params.values():
            values += value if isinstance(value, (tuple, list)) else [value]
        ctx = ctx.parent
    return [v for v in values if isinstance(v, str)]


INTERRUPTED_EXIT = 130  # what a shell reports of a command stopped by Ctrl-C (128 + SIGINT)


def interrupted():
    """Say that the command was stopped (Ctrl-C) and exit 130, not a refusal's 1."""
    from votes.i18n import _

    click.echo(_("已中断"), err=True)
    raise SystemExit(INTERRUPTED_EXIT) from None


def interruptible(invoke):
    """A command's or group's invoke, with Ctrl-C (in the command, or at a prompt of a
    sub-command, which click raises again as Abort) said as `interrupted`: click's own
    handling says "Aborted!" (已放弃) and 1, a refusal's status. The `votes` group does it
    for everything under it; the app's commands carry it themselves for `flask`, whose
    group is Flask's (votes.cli.register)."""
    @functools.wraps(invoke)
    def wrapper(ctx: click.Context):
        try:
            return invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except click.Abort as exc:
            if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
                interrupted()
            raise

    wrapper.interruptible = True
    return wrapper


def undecodable_argument(ctx: click.Context) -> str | None:
    """What to say of a text argument holding bytes that are not UTF-8, or None. A terminal
    set to GBK sends what is typed so, and Python hands the command lone surrogates that no
    database, file or page can hold (a UnicodeEncodeError traceback from the driver). A
    file's path is left alone: a file may well be named so, and it still opens."""
    from votes.i18n import _

    for param in ctx.command.params:
        if isinstance(param.type, click.Path):
            continue
        value = ctx.params.get(param.name)
        for text in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(text, str) and any("\udc80" <= ch <= "\udcff" for ch in text):
                name = param.opts[0] if param.opts and param.opts[0].startswith("-") \
                    else param.human_readable_name
                return _("%(name)s 含有不是 UTF-8 编码的文字（终端的字符编码可能是 GBK）：请把"
                         "终端的字符编码设为 UTF-8 后重新输入", name=name)
    return None


def database_problem(err) -> str | None:
    """What an operator is to do about a database error of the environment, or None for
    any other (a fault, whose traceback is wanted): votes.services.schema.database_problem."""
    from votes.services.schema import database_problem as problem

    return problem(err)


def read_file(path: str) -> tuple[str, bytes]:
    """A file named on the command line, as (its name, its bytes); a clear message if it
    cannot be read (inside `domain_errors`)."""
    from pathlib import Path

    from votes.i18n import _

    try:
        return Path(path).name, Path(path).read_bytes()
    except OSError:
        raise DomainError(_("无法读取文件 %(path)s", path=path)) from None
