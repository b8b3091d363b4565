"""The `votes` commands' help in the command's language: Chinese, or English with
`VOTES_LANG=en`, as click's own words (votes/commands/click_messages.py).

A command's, group's or option's help is written as a Chinese msgid marked with
`votes.i18n.N_` (`help=N_("…")`), which leaves it as it is: click keeps help as a str and
cleans it when the command is declared. `install()` makes click say each help through the
catalogue when it prints it, so the language is the one current then, not at import; Flask's
options of the `votes` group (--debug; -A is hidden, -e ours: votes/cli.py) are looked up
in FLASK, Flask-Migrate's (`votes db …`) in migrate_help.MIGRATE, as click's messages in
click_messages.CLICK. A text in neither stays as written. So are click's placeholders of
what an option takes (TEXT: 文本, FILE: 文件) and of the usage line ([OPTIONS]: [选项]), and
a command's own (metavar=N_("名称=值")).

Chinese has no spaces between words, and each of its characters takes two columns of a
terminal: click's wrapping (by spaces, counting characters) made lines twice the terminal's
width, and its short help of a command (words up to the first full stop) made "..." of a
Chinese sentence. A text holding such characters is wrapped and shortened here by columns,
without breaking before a closing punctuation mark or after an opening one; an English one
is left to click as before.
"""

from __future__ import annotations

import inspect
import re

from click import formatting

from votes.commands.migrate_help import MIGRATE
from votes.i18n import lazy
from votes.terminal_text import columns, fill, has_wide, joined

_click_wrap_text = formatting.wrap_text  # click's own, for a text with no Chinese

FLASK = {
    # flask/cli.py: the options every FlaskGroup has (-e is ours: votes/cli.py)
    "Set debug mode.": lazy("设置调试模式。"),
}

# click's placeholders of what an option takes (its type's name, upper-case) and of the
# usage line, in Chinese; their English (messages.po) is click's again, shown upper-case as
# click shows it. An argument keeps its name (PROPOSAL, LOGIN): its command's help refers to
# it so, and a usage error names it ("缺少参数 'LOGIN'"). A type's choices (yes|no) are
# what is typed, and stay.
PLACEHOLDERS = {
    "TEXT": lazy("文本"),
    "INTEGER": lazy("整数"),
    "INTEGER RANGE": lazy("范围内的整数"),  # the range follows the help: [1<=x<=86400]
    "FLOAT": lazy("小数"),
    "FLOAT RANGE": lazy("范围内的小数"),
    "BOOLEAN": lazy("是或否"),
    "FILE": lazy("文件"),  # click's own names of a Path (click_messages.CLICK)
    "DIRECTORY": lazy("文件夹"),
    "PATH": lazy("路径"),
}
USAGE = {
    "[OPTIONS]": lazy("[选项]"),
    "COMMAND [ARGS]...": lazy("命令 [参数]..."),
}


def said(text: str) -> str:
    """A help text in the current language."""
    from votes.i18n import _

    flask = FLASK.get(text, MIGRATE.get(text))
    return str(flask) if flask is not None else _(text)


def placeholder(param, ctx) -> str | None:
    """What an option takes, as its help shows it, in the current language; None for
    click's own (an argument's name, a type's choices)."""
    from click import Argument, Path

    if param.metavar is not None:  # a command's own, a Chinese msgid: N_("名称=值")
        return said(param.metavar)
    if isinstance(param, Argument) or param.type.get_metavar(param=param, ctx=ctx):
        return None
    # a Path's name is click's word in the language current when it was declared
    kind = param.type
    english = kind.name.upper() if not isinstance(kind, Path) else \
        "FILE" if kind.file_okay and not kind.dir_okay else \
        "DIRECTORY" if kind.dir_okay and not kind.file_okay else "PATH"
    word = PLACEHOLDERS.get(english)
    if word is None:
        return None
    return str(word).upper() + ("..." if param.nargs != 1 else "")


def term_columns(text: str) -> int:
    """click's term_len (its width without colour codes), by columns."""
    from click._compat import strip_ansi

    return columns(strip_ansi(text))


def wrap_text(text: str, width: int = 78, initial_indent: str = "",
              subsequent_indent: str = "", preserve_paragraphs: bool = False) -> str:
    """click.formatting.wrap_text, by columns and between Chinese characters for a text
    holding any; an English one click wraps itself."""
    if not has_wide(text):
        return _click_wrap_text(text, width, initial_indent, subsequent_indent,
                                preserve_paragraphs)
    text = text.expandtabs()
    if not preserve_paragraphs:
        return fill(joined(text.splitlines()), width, initial_indent, subsequent_indent)
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = block.splitlines()
        indent = " " * (len(lines[0]) - len(lines[0].lstrip()))
        if lines[0].strip() == "\b":  # click's mark of a paragraph not to be rewrapped
            paragraphs.append("\n".join(subsequent_indent + indent + line
                                        for line in lines[1:]))
        else:
            paragraphs.append(fill(joined(lines), width, initial_indent + indent,
                                    subsequent_indent + indent))
    return "\n\n".join(paragraphs)


def short_help(text: str, limit: int) -> str:
    """A command's line in its group's list: the first sentence of its help; if longer than
    limit columns, its clauses (up to a "；") that fit, or what fits before a parenthesis
    it cannot close, or it cut (…); click's own for an English help."""
    if not has_wide(text):
        from click.utils import _make_default_short_help

        return _make_default_short_help(text, limit)
    text = joined(text.partition("\n\n")[0].splitlines())
    depth, clauses = 0, []
    for at, mark in enumerate(text):  # marks inside a parenthesis end no sentence or clause
        if mark in "（(":
            depth += 1
        elif mark in "）)" and depth:
            depth -= 1
        elif mark == "。" and not depth:
            text = text[:at]
            break
        elif mark == "；" and not depth:
            clauses.append(at)
    if columns(text) <= limit:
        return text
    fitting = [at for at in clauses if columns(text[:at]) <= limit]
    if fitting:  # a sentence too long: its first clauses
        return text[:fitting[-1]]
    cut = text
    while cut and columns(cut) > limit - 1:
        cut = cut[:-1]
    inside = [at for at in _open_at(cut) if at > 0]
    if inside:  # not a parenthesis cut open: what it explains
        return cut[:inside[0]].rstrip("，、；： ")
    return cut.rstrip("，、；： ") + "…"


def _open_at(text: str) -> list[int]:
    """Where the parentheses still open at the end of text were opened."""
    opened: list[int] = []
    for at, mark in enumerate(text):
        if mark in "（(":
            opened.append(at)
        elif mark in "）)" and opened:
            opened.pop()
    return opened


def option_record(self, ctx) -> tuple[str, str] | None:
    """click's Option.get_help_record: its help, then its notes in brackets (a default, a
    range, 必填), which click joins with "; ": after Chinese ones (默认：60；1<=x<=86400) a
    full-width semicolon, as a Chinese help separates its clauses."""
    from votes.commands.click_messages import gettext as click_said  # click's words, ours

    if self.hidden:
        return None
    extra = self.get_help_extra(ctx)
    notes = []
    if "envvars" in extra:
        notes.append(click_said("env var: {var}").format(var=", ".join(extra["envvars"])))
    if "default" in extra:
        notes.append(click_said("default: {default}").format(default=extra["default"]))
    if "range" in extra:
        notes.append(extra["range"])
    if "required" in extra:
        notes.append(click_said(extra["required"]))
    help = self.help or ""
    if notes:
        joined_notes = ("；" if any(map(has_wide, notes)) else "; ").join(notes)
        help = f"{help}  [{joined_notes}]" if help else f"[{joined_notes}]"
    return self.get_help_spec(ctx), help


def install() -> None:
    """Make click print every help text through `said`, wrapped as above (idempotent)."""
    from click import core

    if getattr(core.Command.get_short_help_str, "votes", False):
        return
    formatting.wrap_text = wrap_text
    # the options' column (a placeholder: 文本, 文件) and the usage line by columns
    formatting.term_len = term_columns

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            text = inspect.cleandoc(said(self.short_help))
        elif self.help:
            text = short_help(said(self.help), limit)
        else:
            text = ""
        if self.deprecated:
            text = f"{text} {core._format_deprecated_label(self.deprecated)}"
        return text.strip()

    get_short_help_str.votes = True
    core.Command.get_short_help_str = get_short_help_str

    def format_help_text(self, ctx, formatter) -> None:
        text = inspect.cleandoc(said(self.help)).partition("\f")[0] if self.help else ""
        if self.deprecated:
            label = core._format_deprecated_label(self.deprecated)
            text = f"{text} {label}" if text else label
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_epilog(self, ctx, formatter) -> None:
        if self.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(said(self.epilog)))

    core.Command.format_help_text = format_help_text
    core.Command.format_epilog = format_epilog

    def record_said(get_help_record):
        def with_said(self, ctx):
            record = get_help_record(self, ctx)
            if record is None or not self.help or not record[1].startswith(self.help):
                return record
            return record[0], said(self.help) + record[1][len(self.help):]

        return with_said

    core.Option.get_help_record = record_said(option_record)
    core.Argument.get_help_record = record_said(core.Argument.get_help_record)

    def metavar_said(make_metavar):
        def with_said(self, ctx):
            shown = placeholder(self, ctx)
            return make_metavar(self, ctx) if shown is None else shown

        return with_said

    for parameter in (core.Parameter, core.Argument):  # an Option's is Parameter's
        parameter.make_metavar = metavar_said(parameter.make_metavar)

    def format_usage(self, ctx, formatter) -> None:
        pieces = (USAGE.get(piece, piece) for piece in self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, " ".join(map(str, pieces)))

    core.Command.format_usage = format_usage

    def write_heading(self, heading: str) -> None:
        colon = "：" if has_wide(heading) else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    formatting.HelpFormatter.write_heading = write_heading

    click_write_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        # click puts a space after "Usage:"; Chinese puts none after a full-width colon
        if prefix is None:
            from votes.commands.click_messages import CLICK

            usage = str(CLICK["Usage:"])
            prefix = usage if usage.endswith("：") else f"{usage} "
        click_write_usage(self, prog, args, prefix)

    formatting.HelpFormatter.write_usage = write_usage

