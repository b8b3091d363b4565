"""argparse's own messages (usage errors, the help page's headings) for `votes verify`, in the
command's language: Chinese, or argparse's English with `VOTES_LANG=en`, as click's
(votes/commands/click_messages.py) for every other command.

argparse words them through Python's gettext (`from gettext import gettext as _, ngettext`
at its top), with no catalogue of its own. `speaking()` gives argparse, while the verifier
builds its parser and reads its command line, a translator that looks the English up in
ARGPARSE below; with VOTES_LANG=en, or for a message not listed, argparse's English stays.
It is put back afterwards, since argparse is the standard library's and other code in the
same process (a test runner) has its own parsers. The Chinese keeps argparse's `%`
placeholders, which argparse fills in afterwards. Loads neither Flask nor click: the offline
verifier needs only the standard library and cryptography.
tests/test_cli_messages.py lists every message in argparse's source and fails on one that is
neither here nor in NOT_FOR_OPERATORS.
"""

from __future__ import annotations

import argparse
import contextlib
import os

from votes.terminal_text import columns, fill, joined, wide

ARGPARSE = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本说明后退出。",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少参数：%s",
    "one of the arguments %s is required": "参数 %s 之中要给一个",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "ambiguous option: %(option)s could match %(matches)s":
        "选项 %(option)s 不明确，可能是 %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "%(value)r 不在可选值之中（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值（%(type)s）",
    "expected one argument": "后面要给一个值",
    "expected at most one argument": "后面最多给一个值",
    "expected at least one argument": "后面至少要给一个值",
    "expected %s argument": "后面要给 %s 个值",
    "expected %s arguments": "后面要给 %s 个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "多给了值 %r",
    "unexpected option string: %s": "不应出现的选项：%s",
    "can't open '%(filename)s': %(error)s": "无法打开 '%(filename)s'：%(error)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}

# argparse's messages that no operator meets: a programmer's mistake declaring the parser
# (raised at its construction), sub-commands and "-" as a file, which the verifier has none of.
NOT_FOR_OPERATORS = (
    "conflicting option string: %s",
    "conflicting option strings: %s",
    ".__call__() not defined",
    "'required' is an invalid argument for positionals",
    "mutually exclusive arguments must be optional",
    "cannot have multiple subparser arguments",
    "%r is not callable",
    "cannot merge actions - two groups are named %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r",
    "invalid conflict_resolution value: %r",
    "conflicting subparser: %s",
    "conflicting subparser alias: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)",
    'argument "-" with mode %r',
)


def english() -> bool:
    return os.environ.get("VOTES_LANG", "") == "en"


def gettext(message: str) -> str:
    return message if english() else ARGPARSE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


@contextlib.contextmanager
def speaking():
    """argparse says its messages through ARGPARSE inside this block."""
    import argparse

    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = gettext, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def wrapped(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` columns (a piece wider than that alone on a line)."""
    return fill(joined(text.splitlines()), width).split("\n") if text.strip() else []


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help page, wrapped by the columns a terminal gives Chinese text: argparse
    counts characters and ends lines only at spaces (and hyphens), so a Chinese help line,
    which has none, ran on past the terminal's edge at twice its counted width, and a path
    was cut at a hyphen."""

    class _Section(argparse.HelpFormatter._Section):
        def format_help(self):
            # argparse ends a heading with its ASCII colon; a Chinese one ends with a
            # full-width one (参数：), as click's headings of every other command (选项：).
            text = super().format_help()
            heading = self.heading if isinstance(self.heading, str) else ""
            if heading and any(map(wide, heading)):
                text = text.replace(f"{heading}:\n", f"{heading}：\n", 1)
            return text

    def _split_lines(self, text, width):
        return wrapped(text, width)

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrapped(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):
        # argparse wraps the usage by characters: one with Chinese in it (用法：, 链头摘要) is
        # wrapped again here by columns, its lines after the first under its first option.
        text = super()._format_usage(usage, actions, groups, prefix)
        if usage is not None or not any(map(wide, text)):
            return text
        import re

        say = argparse._  # the words argparse uses now (ARGPARSE's inside speaking())
        said = prefix if prefix is not None else say("usage: ")
        part = r"\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+"  # argparse's own
        options = re.findall(part, self._format_actions_usage(
            [a for a in actions if a.option_strings], groups))
        arguments = re.findall(part, self._format_actions_usage(
            [a for a in actions if not a.option_strings], groups))
        width = self._width - self._current_indent
        indent = " " * columns(f"{said}{self._prog} ")
        lines = [f"{said}{self._prog}"]
        for parts in (options, arguments):  # the arguments on a line of their own
            for at, piece in enumerate(parts):
                if (at == 0 and parts is arguments and options) or \
                        columns(f"{lines[-1]} {piece}") > width:
                    lines.append(indent + piece)
                else:
                    lines[-1] += " " + piece
        return "\n".join(lines) + "\n\n"

    def add_argument(self, action):
        # the help's column after the widest option by the columns it shows (链头摘要)
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            shown = columns(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, shown)

    def _format_action(self, action):
        # argparse pads an option to the help's column by characters: by columns here
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = columns(header) - len(header)
        if not extra or not action.help:
            return text
        position = min(self._action_max_length + 2, self._max_help_position)
        fits = position - self._current_indent - 2
        start = self._current_indent + len(header)
        if columns(header) <= fits:
            return text[:start] + text[start + extra:]
        if len(header) > fits:  # argparse put its help on the next line already
            return text
        first, _, rest = text.partition("\n")
        return f"{first[:start]}\n{' ' * position}{first[start:].lstrip()}\n{rest}"
