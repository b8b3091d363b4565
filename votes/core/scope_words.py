"""A proposal's scope as the committee writes it, read against the roll.

Both ways: parse_scope_words reads what the committee typed, scope_text writes a scope as
owners read it (notices, pages, the bundle's report.txt).

The committee names buildings, entrances and units in words: "3号楼、5号楼", "3", "3号楼1单元",
"3-1", "3号楼1单元1502室", "3-1-1502" (several separated by 、 , ; or spaces); nothing, "全体业主"
or "全小区" means everyone. "3号楼" and "3" are building 3 where the roll says so: every name
must be found on the roll, else the refusal names it; a unit is found by its flat's own
building, entrance and room, so a room holding "-" ("3号楼1-101室") is too. The internal form (`building:3,5`)
is still read, for the command line. The result is a `Scope`."""

from __future__ import annotations

import re
from typing import Iterable

from votes.core.refusal import Refusal, _
from votes.core.roll import (SCOPE_KINDS, Scope, UnitRecord, natural_key, normalise_building,
                             normalise_entrance, normalise_room, printed_room,
                             squeezed)
from votes.core.roll import unit_label as roll_unit_label

EVERYONE = frozenset({"all", "all owners", "全体", "全体业主", "全部", "全小区", "所有业主"})
_SEPARATORS = re.compile(r"[、,，;；\s]+")
_BUILDING = r"(.+?(?:号楼|栋|幢|座|#))"
_CN_UNIT = re.compile(_BUILDING + r"(.+?单元)(.+)$")
_CN_ENTRANCE = re.compile(_BUILDING + r"(.+?单元)$")
_CN_ROOM = re.compile(_BUILDING + r"(.+?(?:室|房))$")


def parse_scope_words(text: str, records: Iterable[UnitRecord]) -> Scope:
    """The scope `text` names (see the module), each name checked against the roll."""
    raw = (text or "").strip()
    if not raw or raw in EVERYONE:
        return Scope("all")
    if raw.partition(":")[0].strip() in SCOPE_KINDS:
        return Scope.parse(raw)
    roll = _Roll(tuple(records))
    buildings: list[str] = []
    entrances: list[str] = []
    units: list[str] = []
    for token in (t for t in _SEPARATORS.split(raw) if t):
        if token in EVERYONE:
            return Scope("all")
        kind, value = roll.find(token)
        {"building": buildings, "entrance": entrances, "unit": units}[kind].append(value)
    return roll.combine(buildings, entrances, units)


class _Roll:
    def __init__(self, records: tuple[UnitRecord, ...]):
        self.records = records
        self.buildings = {normalise_building(r.building) for r in records}
        self.entrances = {f"{normalise_building(r.building)}-{normalise_entrance(r.entrance)}"
                          for r in records if normalise_entrance(r.entrance)}
        # Each flat by its own building, entrance and room, never its label cut at "-": a
        # room may hold one (building 3, no entrance, room 1-101 has the label 3-1-101).
        self.units: dict[tuple[str, str, str], str] = {}
        for r in records:
            self.units.setdefault(self._unit_key(r.building, r.entrance, r.room), r.label)

    @staticmethod
    def _unit_key(building: str, entrance: str, room: str) -> tuple[str, str, str]:
        return normalise_building(building), normalise_entrance(entrance), normalise_room(room)

    def find(self, token: str) -> tuple[str, str]:
        """(kind, canonical value) of one name, or a refusal naming it."""
        match = _CN_UNIT.match(token) or _CN_ENTRANCE.match(token) or _CN_ROOM.match(token)
        parts = list(match.groups()) if match else token.split("-")
        if any(not p.strip() for p in parts):
            raise Refusal(_("看不懂“%(value)s”：请写楼栋、单元或房号，例如 3号楼、3号楼1单元、"
                            "3号楼1单元1502室"), value=token)
        if len(parts) == 1:
            building = normalise_building(parts[0])
            if building in self.buildings:
                return "building", building
        elif len(parts) == 2 and not (match and match.re is _CN_ROOM):
            entrance = f"{normalise_building(parts[0])}-{normalise_entrance(parts[1])}"
            if entrance in self.entrances:
                return "entrance", entrance
        if len(parts) >= 2 and (match is None or match.re is not _CN_ENTRANCE):
            label = self._unit(parts, typed_dashes=match is None)
            if label is not None:
                return "unit", label
        raise Refusal(_("业主名册中没有“%(value)s”"), value=token)

    def _unit(self, parts: list[str], typed_dashes: bool) -> str | None:
        """The label of the flat the parts name, else None. In words they are building,
        entrance and room, or building and room; typed with "-" ("3-1-101") the first is the
        building (no building or entrance holds "-": votes.core.roll_labels), then an
        entrance and the room, or the room alone, which may hold "-" (3号楼1-101室). The
        import refuses two flats printing one label, so at most one reading is a flat."""
        if not typed_dashes:
            readings = [tuple(parts) if len(parts) == 3 else (parts[0], "", parts[1])]
        else:
            building, rest = parts[0], parts[1:]
            readings = [(building, rest[0], "-".join(rest[1:]))] if len(rest) > 1 else []
            readings.append((building, "", "-".join(rest)))
        for reading in readings:
            label = self.units.get(self._unit_key(*reading))
            if label is not None:
                return label
        return None

    def combine(self, buildings: list[str], entrances: list[str], units: list[str]) -> Scope:
        def ordered(values) -> tuple[str, ...]:
            return tuple(sorted(set(values), key=natural_key))

        if not entrances and not units:
            return Scope("building", ordered(buildings))
        if not buildings and not units:
            return Scope("entrance", ordered(entrances))
        if not units and all(normalise_entrance(r.entrance) for r in self.records
                             if normalise_building(r.building) in buildings):
            whole = [f"{normalise_building(r.building)}-{normalise_entrance(r.entrance)}"
                     for r in self.records if normalise_building(r.building) in buildings]
            return Scope("entrance", ordered([*entrances, *whole]))
        chosen = (Scope("building", ordered(buildings)), Scope("entrance", ordered(entrances)))
        labels = [r.label for r in self.records if any(s.contains(r) for s in chosen)]
        return Scope("unit", ordered([*labels, *units]))


def suffixed(text: str, suffix: str) -> str:
    # Labels arrive normalised ("3号楼" and "A座" as "3" and "A"): numbers read "3号楼",
    # letter-named buildings "A座"; anything else (e.g. "综合楼") stays as it is.
    if suffix == "号楼" and text.isascii() and text.isalpha():
        suffix = "座"
    return f"{text}{suffix}" if text and text[-1].isascii() and text[-1].isalnum() else text


def flat_words(building: str, entrance: str, room: str) -> str:
    """A flat as owners read it: 3号楼1单元101室. The one spelling of a flat every document
    and page prints (notices, result notice, letters, owner pages, the board): a roll row
    "Ｂ座１２３号楼 / 1单元 / ８０８室" printed "B座123号楼1单元８０８室" on the notice but
    its stored parts on the result notice, two spellings of one flat for an owner comparing
    them. Each part is read as the flat's key reads it (full-width folded, spaces gone)."""
    return "".join(flat_parts(building, entrance, room))


def flat_parts(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    """flat_words' three parts (3号楼, 1单元, 101室; an empty entrance stays empty)."""
    names = flat_names(building, entrance, room)
    return tuple(suffixed(name, suffix) for name, suffix in zip(names, ("号楼", "单元", "室")))


def flat_names(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    """A flat's building, entrance and room as flat_words reads them, without the words it
    adds (3, 1, 101): what a page in another language puts in its own words."""
    return (_name(building, normalise_building(building)),
            _name(entrance, normalise_entrance(entrance)), _name(room, printed_room(room)))


def _name(text: str, canonical: str) -> str:
    # A canonical form ending in a letter or digit takes the suffix again ("B座123" of
    # "B座123号楼" is B座123号楼); one in words keeps its own ending, which the canonical
    # form may have cut as a suffix ("综合楼" is not "综合", "地下室" not "地下").
    if not canonical or (canonical[-1].isascii() and canonical[-1].isalnum()):
        return canonical
    return squeezed(text)


def scope_text(scope: str, flats: Iterable = ()) -> str:
    """The scope (列支范围) as owners read it: "3号楼、5号楼", "3号楼1单元", "全小区".

    `flats` (frozen units, the roll's records, or rows: anything with building, entrance and
    room) are the flats a `unit:` scope may name: each unit prints by its own labels. A
    unit's label joins them with "-" and a room may hold one (building 3, no entrance, room
    1-101 is 3-1-101, read 3号楼1-101室, not 3号楼1单元101室)."""
    return "、".join(_scope_labels(Scope.parse(scope), flats)) or "全小区"


# A scope of single flats (a riser: the 01 flats of every floor of ten buildings, 250 of
# them) printed whole shrank the notice to half size, unreadable; the board lists it all.
MAX_SCOPE_ON_NOTICE = 12
_SCOPE_COUNTED = {"unit": "户", "entrance": "个单元", "building": "栋楼"}


def notice_scope_text(scope: str, flats: Iterable = ()) -> str:
    """scope_text, its first MAX_SCOPE_ON_NOTICE places only, for the printed notice."""
    s = Scope.parse(scope)
    labels = _scope_labels(s, flats)
    if len(labels) <= MAX_SCOPE_ON_NOTICE:
        return "、".join(labels) or "全小区"
    return ("、".join(labels[:MAX_SCOPE_ON_NOTICE])
            + f"……共 {len(labels)} {_SCOPE_COUNTED[s.kind]}（全部范围见公示栏）")


def _scope_labels(s: Scope, flats: Iterable = ()) -> list[str]:
    if s.kind == "all":
        return []
    if s.kind == "building":
        return [suffixed(value, "号楼") for value in s.values]
    if s.kind == "entrance":  # neither a building nor an entrance holds "-" (roll_labels)
        return ["".join(suffixed(p, suffix) for p, suffix in zip(value.split("-", 1),
                                                                 ("号楼", "单元")))
                for value in s.values]
    named = set(s.values)
    words: dict[str, str] = {}
    for flat in flats:
        label = roll_unit_label(flat.building, flat.entrance, flat.room)
        if label in named:
            words.setdefault(label, flat_words(flat.building, flat.entrance, flat.room))
    return [words.get(value) or _label_words(value) for value in s.values]


def _label_words(value: str) -> str:
    """A unit's label read without its flat (none given, or not on the roll): building,
    entrance and room as "-" cuts them; a room holding a dash reads wrong."""
    parts = value.split("-", 2)
    suffixes = ("号楼", "室") if len(parts) == 2 else ("号楼", "单元", "室")
    return "".join(suffixed(p, suffixes[i]) for i, p in enumerate(parts))
