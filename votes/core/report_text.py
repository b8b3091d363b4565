"""Text for the people who read the bundle's report.txt and ballots.csv: times in Beijing
time, as every notice and page shows them (the chain keeps UTC)."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta, timezone

from votes.core.canonical import parse_time

# China has kept UTC+8 all year since 1991: a fixed offset, so the offline verifier needs
# no time-zone database (Windows has none for zoneinfo without the tzdata package).
BEIJING = timezone(timedelta(hours=8))
ZONE_ZH = "北京时间"


def beijing_text(utc: str) -> str:
    """A chain time ('2026-12-01T01:00:00Z') as a person reads it: '2026-12-01 09:00'.
    Text that is not such a time is returned as it is (an older bundle's odd field)."""
    try:
        return parse_time(utc).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(utc)


# A text editor without word wrap (Notepad's default) shows about 80 columns; a CJK
# character takes two.
WIDTH = 80
_TOKENS = re.compile(r"\s+|[!-~]+|.", re.S)


def columns(text: str) -> int:
    """How many columns a monospaced editor gives the text (a CJK character two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, indent: int = 4, width: int = WIDTH, head: str = "") -> list[str]:
    """The text in lines of at most `width` columns, after `head` on the first and
    indented `indent` spaces on the later ones: broken at spaces and between CJK
    characters, a word longer than a line cut."""
    lines: list[str] = []
    line, room, pending = head, width - columns(head), ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            pending = " " if line.strip() else token
            continue
        size = columns(pending + token)
        if size > room and line.strip() and columns(token) <= width - indent:
            lines.append(line)
            line, room, pending = " " * indent, width - indent, ""
            size = columns(token)
        while size > room:  # a word wider than a line: cut, a character at a time
            cut = 0
            while columns(token[:cut + 1]) <= room:
                cut += 1
            lines.append(line + pending + token[:cut])
            line, room, pending, token = " " * indent, width - indent, "", token[cut:]
            size = columns(token)
        line, room, pending = line + pending + token, room - size, ""
    lines.append(line)
    return lines


def fields(pairs: list[tuple[str, str]], width: int = WIDTH) -> list[str]:
    """'中文 English: value' lines whose values start in one column, a long value
    continuing under itself."""
    at = max(columns(label) for label, _ in pairs) + 2
    out: list[str] = []
    for label, value in pairs:
        out += wrap(value, indent=at, width=width,
                    head=label + ":" + " " * (at - columns(label) - 1))
    return out


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """Every line of the text wrapped (wrap), the line ends kept."""
    return "".join("\n".join(wrap(line, width=width)) + "\n" for line in text.splitlines())
