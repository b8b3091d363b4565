"""Cells of an owner roll that look alike but differ: one owner or one flat read twice.

The double majority counts owners by their ID number, and ballots, proxies and notices
name a flat by its printed label. An ID written once with a hyphen, or once with a Cyrillic
Х for the Latin X, was a second owner (and a second voter) for one person; proxies and
buyers already take such spellings for one person (proxies.canonical_id) or refuse them.
A roll imported before the import refused them is refused at its freeze by the same rules
(refuse_at_freeze), so that the committee mends the roll before a vote counts on it."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable

from votes.core.roll import Scope, UnitRecord, spelled, unit_label
from votes.core.roll_labels import refuse_ambiguous, same_labels
from votes.i18n import _
from votes.services.errors import DomainError, Problem
from votes.services.proxies import canonical_id

LISTED = 20  # look-alikes a refused freeze lists (the first in its message, for the page)


def id_letters(id_number: str) -> str | None:
    """A problem with an ID's characters (as privacy.normalise_id folded it), or None: only
    ASCII, as a proxy's or a buyer's. A letter of another script is drawn as a Latin one and
    hashes as another owner."""
    if id_number.isascii():
        return None
    letter = next(c for c in id_number if not c.isascii())
    return _("证件号码含有“%(char)s”：证件号码只能包含数字和拉丁字母（这个字符看起来像拉丁字母或"
             "数字，但属于其他文字，会被当作另一个号码）。请重新录入", char=letter)


def place(where: int | str) -> str:
    """Where a look-alike is, as a message names it: the import's row (its number), the
    freeze's flat (as spelled)."""
    if isinstance(where, int):
        return _("第 %(row)s 行", row=where)
    return _("房屋“%(unit)s”", unit=where)


def label_letter(column: str, text: str) -> str | None:
    """What the import and the freeze say of a unit's label (its column: 楼栋, 单元 or 房号)
    holding a foreign_letter, or None."""
    char = foreign_letter(text)
    if not char:
        return None
    return _("%(column)s含有“%(char)s”：房屋编号只能使用汉字、数字和拉丁字母（这个字符属于其他"
             "文字，印出来与另一套房屋的编号相同）。请重新录入", column=column, char=char)


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
        self._first: dict[str, tuple[str, int | str]] = {}

    def clash(self, where: int | str, id_number: str, owner_hash: str) -> str | None:
        """What is said of an ID at `where` (a place) that spells one seen before as another
        owner's, or None."""
        first_hash, first = self._first.setdefault(canonical_id(id_number),
                                                   (owner_hash, where))
        if first_hash == owner_hash:
            return None
        return _("证件号码与%(place)s的证件号码是同一号码的不同写法（仅空格、连字符或括号等不同），"
                 "会被当作两位业主。请统一写法", place=place(first))


def check_labels(units: dict, problems: list[Problem]) -> None:
    """Two flats printing one label ('3' / '' / '1-101' and '3' / '1' / '101' both print
    3-1-101): a `unit:` scope would hold both, and a paper ballot, a proxy or the board
    naming it could be either. `units` maps (building, entrance, room) to a plan with .row."""
    for first, key in same_labels(units, lambda key: key):
        problems.append(Problem(units[key].row, _(
            "房屋“%(unit)s”与第 %(row)s 行的“%(first)s”的房屋编号都是“%(label)s”，选票、委托和公告"
            "无法区分。请改写其中一套的楼栋、单元或房号", unit=spelled(*key), row=units[first].row,
            first=spelled(*first), label=unit_label(*key))))


def refuse_at_freeze(scope: Scope, records: list[UnitRecord], units: Iterable[UnitRecord],
                     owners_of: dict) -> None:
    """Refuse (DomainError) to freeze a roll imported before the import refused what it now
    refuses: labels a scope's text or a printed label cannot tell apart (refuse_ambiguous,
    over the whole roll `records`), and among the scope's `units` (their owners in
    `owners_of`, by unit id, as lifecycle reads them) the look-alikes of the import's own
    rules (label_letter, id_letters, SpelledIds), each named by its flat, in its words."""
    from votes.services import privacy

    try:
        refuse_ambiguous(scope, records)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    decrypt, ids = privacy.decryptor(), SpelledIds()
    columns = (_("楼栋"), _("单元"), _("房号"))  # once: gettext per flat was half a freeze
    problems, seen = [], set()
    for unit in units:
        flat = spelled(unit.building, unit.entrance, unit.room)
        parts = (unit.building, unit.entrance, unit.room)
        said = [label_letter(column, text) for column, text in zip(columns, parts)
                if foreign_letter(text)]
        for owner in owners_of.get(unit.unit_id, ()):
            if owner.id_hash not in seen:  # an owner of several flats: one look at the ID
                seen.add(owner.id_hash)
                id_number = decrypt(owner.id_enc)
                said.append(id_letters(id_number) or ids.clash(flat, id_number, owner.id_hash))
        problems += [Problem(None, _("%(place)s：%(message)s", place=place(flat), message=m))
                     for m in said if m]
    if problems:
        raise DomainError(_(
            "名册中有 %(n)s 处看似相同、实为不同的写法（较早导入的名册，当时未检查）：一位业主会被当作"
            "两位，或两套房屋印出同一编号；未开始公示。请改正名册后重新导入名册。%(first)s",
            n=len(problems), first=problems[0].message), problems=problems[1:LISTED])
