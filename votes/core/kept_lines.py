"""How many lines a text others typed may take on a page (an objection, an answer).

One rule for filing and for showing: a text is at most MAX_LINES lines, blank ones
included. A text filed within it is shown as filed. One stored before the rule (or entered
by another program) is shown in no more room than a text within it could take: each run of
blank lines as one blank line, its first MAX_LINES lines, the rest folded away for whoever
wants to read on. Nothing is dropped: the page keeps every character of the text in order
(the collapsed blank lines hidden, not removed), so its textContent is the text whose
digest the chain carries, as §17 of docs/verification.md promises."""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_LINES = 60

# A line break followed by two or more blank (or whitespace-only) lines.
_BLANK_RUN = re.compile(r"\n(?:[^\S\n]*\n){2,}")


class Piece(NamedTuple):
    text: str
    hidden: bool  # a blank line beyond the first of its run: kept, not shown


class Folded(NamedTuple):
    shown: list[Piece]
    folded: list[Piece]  # empty when the text is within MAX_LINES
    folded_lines: int  # lines behind the fold, as shown once opened


def line_count(text: str) -> int:
    return text.count("\n") + 1


def fold(text: str, limit: int = MAX_LINES) -> Folded:
    if line_count(text) <= limit:
        return Folded([Piece(text, False)], [], 0)
    pieces: list[Piece] = []
    at = 0
    for run in _BLANK_RUN.finditer(text):
        # Shown: the break and the run's first blank line; the blank lines after it hidden.
        second = text.index("\n", run.start() + 1) + 1
        pieces += [Piece(text[at:second], False), Piece(text[second:run.end() - 1], True)]
        at = run.end() - 1  # the line break that ends the run starts the next line
    pieces.append(Piece(text[at:], False))
    shown: list[Piece] = []
    lines = 1
    for i, piece in enumerate(pieces):
        if piece.hidden:
            shown.append(piece)
            continue
        breaks = [m.start() for m in re.finditer("\n", piece.text)]
        if lines + len(breaks) <= limit:
            shown.append(piece)
            lines += len(breaks)
            continue
        cut = breaks[limit - lines]  # the break after the limit-th shown line
        shown.append(Piece(piece.text[:cut], False))
        folded = [Piece(piece.text[cut + 1:], False), *pieces[i + 1:]]
        # The break at the cut is kept as the fold's own line: the fold starts on a new line.
        folded_lines = sum(p.text.count("\n") for p in folded if not p.hidden) + 1
        return Folded(shown, [Piece("\n", True), *folded], folded_lines)
    return Folded(shown, [], 0)
