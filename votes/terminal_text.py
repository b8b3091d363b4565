"""Text laid out for a terminal by the columns it shows: a Chinese character (or a
full-width mark) takes two, and a line may end between two of them, though not before a
closing mark or after an opening one; a word of Latin letters, a path or a figure is never
cut. The standard library only: the offline verifier's help (votes/argparse_messages.py)
uses it, as the `votes` commands' (votes/commands/help_text.py)."""

from __future__ import annotations

from unicodedata import east_asian_width

# No line starts with these, nor ends with OPENING.
_CLOSING = set("，。、；：！？）」』”’〕】》…,.;:!?)]")
_OPENING = set("（「『“‘〔【《")


def wide(char: str) -> bool:
    """A character a terminal shows two columns wide (East Asian Wide and Fullwidth: CJK
    ideographs and punctuation, kana, hangul, fullwidth forms). unicodedata, not a regular
    expression: one over these ranges takes 30 ms to compile, at every `votes --help`."""
    return char >= "\u1100" and east_asian_width(char) in "WF"


def has_wide(text: str) -> bool:
    return any(map(wide, text))


def columns(text: str) -> int:
    """How many columns a terminal gives text."""
    return len(text) + sum(map(wide, text))


def joined(lines: list[str]) -> str:
    """A paragraph's lines as one: a space between them, none between two Chinese ones."""
    text = ""
    for line in (line.strip() for line in lines):
        if text and line and not (wide(text[-1]) and wide(line[0])):
            text += " "
        text += line
    return text


def _units(text: str) -> list[str]:
    """The pieces a line may break between: words, spaces and single wide characters, a
    closing mark kept with what it closes and an opening one with what it opens."""
    units: list[str] = []
    for token in _tokens(text):
        if units and not token.isspace() and not units[-1].isspace() and (
                token[0] in _CLOSING or units[-1][-1] in _OPENING):
            units[-1] += token
        else:
            units.append(token)
    return units


def _tokens(text: str) -> list[str]:
    """text as runs of spaces, single wide characters, click's "[必填]" or "[默认：60]"
    after an option's help (kept whole) and runs of anything else."""
    tokens: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        end = at + 1
        if char == "[" and "]" in text[at:at + 26]:
            close = text.index("]", at)
            if not any(c.isspace() or c == "[" for c in text[at + 1:close]):
                end = close + 1
        if end == at + 1 and not wide(char):
            while end < len(text) and text[end].isspace() == char.isspace() \
                    and not wide(text[end]):
                end += 1
        tokens.append(text[at:end])
        at = end
    return tokens


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """text (one paragraph) in lines of at most `width` columns, indents included; a piece
    wider than a line alone on one."""
    lines: list[str] = []
    line, used, space = initial_indent, 0, False
    room = width - columns(initial_indent)
    for unit in _units(text):
        if unit.isspace():
            space = used > 0
            continue
        size = columns(unit) + (1 if space else 0)
        if used and used + size > room:
            lines.append(line)
            line, used, space = subsequent_indent, 0, False
            room = width - columns(subsequent_indent)
            size = columns(unit)
        line += (" " if space else "") + unit
        used += size
        space = False
    lines.append(line)
    return "\n".join(lines)
