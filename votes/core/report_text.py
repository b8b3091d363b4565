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
    Text that is not such a time is returned as it is (an older bundle's odd field), and so
    is a time after 9999-12-31T15:59:59Z, whose Beijing time is past what a datetime holds."""
    try:
        return parse_time(utc).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError):
        return str(utc)


# A text editor without word wrap (Notepad's default) shows about 80 columns; a CJK
# character takes two.
WIDTH = 80
_TOKENS = re.compile(r"\s+|[!-~]+|.", re.S)


def _width(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def columns(text: str) -> int:
    """How many columns a monospaced editor gives the text (a CJK character two)."""
    return sum(map(_width, text))


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
        size = columns(token)
        if size + len(pending) > room and line.strip() and size <= width - indent:
            lines.append(line)
            line, room, pending = " " * indent, width - indent, ""
        if size + len(pending) > room:
            # A word wider than a line (a scope naming 30,000 units is one): cut, each
            # character's width counted once, so the cost is the word's length, not its
            # square.
            piece, used, room = [], 0, room - len(pending)
            for c in token:
                w = _width(c)
                if used + w > room and (piece or line.strip()):
                    lines.append(line + pending + "".join(piece) if piece else line)
                    line, room, pending, piece, used = " " * indent, width - indent, "", [], 0
                piece.append(c)
                used += w
            token, size = "".join(piece), used
        line, room, pending = line + pending + token, room - size - len(pending), ""
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
