"""Roll labels a scope's text and a unit's printed label can name without doubt.

A scope is text cut at `:`, `,` and, for an entrance, the first `-` (Scope.parse), and a
unit's label joins its building, entrance and room with `-` (unit_label). A building
labelled "A-3" beside a building "A" with an entrance "3-1" made `entrance:A-3-1` hold the
flats of both, and both print the label A-3-1-101; a building "3,5" was two buildings to
`building:3,5`. So a building or an entrance holds none of `-`, `,`, `:` (as the canonical
form folds them: full-width －，：, small ﹣﹐﹕) nor a character read as a dash on paper
(‐‑‒–—―⁃−), a room holds no `,`, and no two flats print the same label. The roll's import
refuses a roll otherwise; `refuse_ambiguous` is the same rule for a roll imported before
it did, asked when a scope is entered and when a roll is frozen."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, TypeVar

from votes.core.refusal import Refusal, Term, _
from votes.core.roll import (Scope, normalise_building, normalise_entrance, normalise_room,
                             spelled, unit_key, unit_label)

T = TypeVar("T")

SEPARATORS = "-,:"
# Dashes NFKC leaves as they are: on a printed notice or a ballot they read as "-".
DASH_LIKE = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212"
_IN_PLACE = re.compile("[" + re.escape(SEPARATORS + DASH_LIKE) + "]")


@lru_cache(maxsize=4096)
def building_separator(text: str) -> str:
    """The first separator the building's canonical form holds, or ''."""
    found = _IN_PLACE.search(normalise_building(text))
    return found.group() if found else ""


@lru_cache(maxsize=4096)
def entrance_separator(text: str) -> str:
    found = _IN_PLACE.search(normalise_entrance(text))
    return found.group() if found else ""


@lru_cache(maxsize=16384)
def room_separator(text: str) -> str:
    """',' when the room holds one (as written, or full-width): a `unit:` scope cuts there.
    A room may hold a dash ("1-101"): two flats printing one label are refused apart."""
    return "," if "," in text or "," in normalise_room(text) else ""


def separator_in(building: str, entrance: str, room: str) -> tuple[str, str] | None:
    """(column, character) of the first separator the unit's labels hold, else None; the
    column is 楼栋, 单元 or 房号 (a msgid)."""
    for column, found in ((_("楼栋"), building_separator(building)),
                          (_("单元"), entrance_separator(entrance)),
                          (_("房号"), room_separator(room))):
        if found:
            return column, found
    return None


def same_labels(units: Iterable[T], parts: Callable[[T], tuple[str, str, str]]
                ) -> list[tuple[T, T]]:
    """(first, repeat) for every unit printing the label an earlier unit of another flat
    prints ('3' / '' / '1-101' and '3' / '1' / '101' both print 3-1-101). Two spellings of
    one flat are repeated_flats', not this."""
    first: dict[str, T] = {}
    repeats = []
    for unit in units:
        p = parts(unit)
        seen = first.setdefault(unit_label(*p), unit)
        if seen is not unit and unit_key(*parts(seen)) != unit_key(*p):
            repeats.append((seen, unit))
    return repeats


def record_parts(unit) -> tuple[str, str, str]:
    """A UnitRecord's (or a frozen unit's) building, entrance and room."""
    return unit.building, unit.entrance, unit.room


def refuse_ambiguous(scope: Scope, units: Iterable[T],
                     parts: Callable[[T], tuple[str, str, str]] = record_parts) -> None:
    """Refuse (Refusal) a scope on a roll, imported before the import refused such labels,
    where its text could hold flats other than those it names: a scope but `all` when any
    unit of the roll holds a separator; any scope when two of its flats print one label
    (a paper ballot, a proxy, the board name flats by it)."""
    units = list(units)
    if scope.kind != "all":
        for unit in units:
            found = separator_in(*parts(unit))
            if found:
                raise Refusal(_(
                    "名册中“%(unit)s”的%(column)s含有“%(char)s”（较早导入的名册）：表决范围用 - , : "
                    "分隔楼栋、单元和房号，无法确定范围内是哪些房屋。请把楼栋、单元改为不含这些符号的"
                    "写法（如 A3栋），房号不含逗号，然后重新导入名册"),
                    unit=spelled(*parts(unit)), column=Term(found[0]), char=found[1])
    twice = same_labels((u for u in units if scope.holds(*parts(u))), parts)
    if twice:
        first, unit = twice[0]
        raise Refusal(_(
            "名册中“%(unit)s”与“%(first)s”的房屋编号都是“%(label)s”，选票、委托和公告无法区分"
            "（较早导入的名册）。请改写其中一套的楼栋、单元或房号，然后重新导入名册"),
            unit=spelled(*parts(unit)), first=spelled(*parts(first)),
            label=unit_label(*parts(unit)))
