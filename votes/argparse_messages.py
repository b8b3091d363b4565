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

from votes.terminal_text import columns, fill, joined

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

    def _split_lines(self, text, width):
        return wrapped(text, width)

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrapped(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):
        # The lines after the first are indented by the characters of "用法：votes verify ",
        # which take more columns than that: they line up under the first option again.
        text = super()._format_usage(usage, actions, groups, prefix)
        say = argparse._  # the words argparse uses now (ARGPARSE's inside speaking())
        said = prefix if prefix is not None else say("usage: ")
        shift = columns(said) - len(said)
        if shift <= 0:
            return text
        first, *rest = text.split("\n")
        return "\n".join([first] + [" " * shift + line if line.strip() else line
                                     for line in rest])
