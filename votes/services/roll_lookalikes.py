"""Cells of an owner roll that look alike but differ: one owner or one flat read twice.

The double majority counts owners by their ID number, and ballots, proxies and notices
name a flat by its printed label. An ID written once with a hyphen, or once with a Cyrillic
Х for the Latin X, was a second owner (and a second voter) for one person; proxies and
buyers already take such spellings for one person (proxies.canonical_id) or refuse them."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from votes.core.roll import spelled, unit_label
from votes.core.roll_labels import same_labels
from votes.i18n import _
from votes.services.errors import Problem
from votes.services.proxies import canonical_id


def id_letters(id_number: str) -> str | None:
    """A problem with an ID's characters (as privacy.normalise_id folded it), or None: only
    ASCII, as a proxy's or a buyer's. A letter of another script is drawn as a Latin one and
    hashes as another owner."""
    if id_number.isascii():
        return None
    letter = next(c for c in id_number if not c.isascii())
    return _("证件号码含有“%(char)s”：证件号码只能包含数字和拉丁字母（这个字符看起来像拉丁字母或"
             "数字，但属于其他文字，会被当作另一个号码）。请重新录入", char=letter)


@lru_cache(maxsize=16384)  # a roll repeats its labels over its rows
def foreign_letter(label: str) -> str:
    """The first letter or digit of a unit's label that is neither ASCII (once NFKC folded
    it: full-width and circled digits, Roman numerals) nor a Han character (〇 too), or ''.
    A Cyrillic А, a Greek Β, a Katakana ロ print as the A, B, 口 of another flat, and
    same_labels, comparing text, took them for two labels."""
    for c in unicodedata.normalize("NFKC", label):
        if c.isascii() or c == "〇" or unicodedata.category(c)[0] not in "LN":
            continue
        if not unicodedata.name(c, "").startswith("CJK "):
            return c
    return ""


class SpelledIds:
    """Each ID of the roll by its letters and digits alone: two spellings of one number
    ("350502-1980…" and "3505021980…", "A123456(7)" and "A1234567") are one person."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, int]] = {}

    def clash(self, row: int, id_number: str, owner_hash: str) -> Problem | None:
        first_hash, first_row = self._first.setdefault(canonical_id(id_number),
                                                       (owner_hash, row))
        if first_hash == owner_hash:
            return None
        return Problem(row, _("证件号码与第 %(row)s 行的证件号码是同一号码的不同写法（仅空格、连字符"
                              "或括号等不同），会被当作两位业主。请统一写法", row=first_row))


def check_labels(units: dict, problems: list[Problem]) -> None:
    """Two flats printing one label ('3' / '' / '1-101' and '3' / '1' / '101' both print
    3-1-101): a `unit:` scope would hold both, and a paper ballot, a proxy or the board
    naming it could be either. `units` maps (building, entrance, room) to a plan with .row."""
    for first, key in same_labels(units, lambda key: key):
        problems.append(Problem(units[key].row, _(
            "房屋“%(unit)s”与第 %(row)s 行的“%(first)s”的房屋编号都是“%(label)s”，选票、委托和公告"
            "无法区分。请改写其中一套的楼栋、单元或房号", unit=spelled(*key), row=units[first].row,
            first=spelled(*first), label=unit_label(*key))))
