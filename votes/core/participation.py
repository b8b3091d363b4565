"""Which units' ballots were counted, and by which channel (docs/verification.md §12).

Published on the board after the close so that an owner who did not vote can see their
unit was not voted for in their name, and object. It shows no choice and no name, and
anyone can derive it from a bundle's roll.json and chain.jsonl alone.
"""

from __future__ import annotations

from typing import Sequence

from votes.core.cells import safe_row
from votes.core.chain import SealedEntry, counted_ballots


def unit_participation(roll: dict, chain: Sequence[SealedEntry]) -> list[dict]:
    """One row per unit of the roll, in roll order: its place, whether its voter's ballot
    counts (their last ballot entry), and that ballot's channel (None when not counted)."""
    counted = counted_ballots(chain)
    rows = []
    for unit in roll["units"]:
        ballot = counted.get(unit["voter"])
        rows.append({"unit_id": unit["unit_id"], "building": unit["building"],
                     "entrance": unit["entrance"], "room": unit["room"],
                     "counted": ballot is not None,
                     "channel": ballot.entry["body"]["channel"] if ballot else None})
    return rows


def participation_csv(rows: Sequence[dict]) -> str:
    """The list as CSV text: building, entrance, room, counted (yes/no), channel."""
    lines = [_csv_line(["building", "entrance", "room", "counted", "channel"])]
    for r in rows:
        lines.append(_csv_line([r["building"], r["entrance"], r["room"],
                                "yes" if r["counted"] else "no", r["channel"] or ""]))
    return "".join(lines)


def _csv_line(cells: list) -> str:
    """One row, ending in \\n. Roll labels are the committee's text: a spreadsheet must
    not run one as a formula (safe_row), and a CR inside one must be quoted or the
    spreadsheet starts a new row there. The csv module quotes only the characters of its
    line terminator, so the row is written ending in CRLF, then that ending replaced."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(safe_row(cells))
    return out.getvalue()[:-2] + "\n"
