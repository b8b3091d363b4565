"""Units of the roll and the scope of a proposal, as the core sees them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterable, TypeVar

from votes.core.labels import Labelled
from votes.core.refusal import Refusal, _

T = TypeVar("T")


class AreaBasis(Labelled):
    """How a unit's area was established (SPC interpretation art. 8), in order of precedence."""

    REGISTERED = "registered"
    SURVEYED = "surveyed"
    CONTRACT = "contract"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"registered": "登记", "surveyed": "实测", "contract": "合同"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"预测": "contract"}


class OwnerKind(Labelled):
    PERSON = "person"
    COMPANY = "company"
    DEVELOPER = "developer"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"person": "个人", "company": "单位", "developer": "开发建设单位"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"开发商": "developer", "建设单位": "developer"}


_SPACES = re.compile(r"\s+")
# The suffixes one round of _strip_affixes removes, the longer first where one ends another.
_BUILDING_SUFFIX = ("号楼", "栋", "幢", "座", "楼", "号", "#")
_ENTRANCE_SUFFIX = ("单元", "#")
_ROOM_SUFFIX = ("室", "号", "房")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"^(?:([一二两三四五六七八九])百)?零?(?:([一二两三四五六七八九])?(十))?"
                        r"([一二三四五六七八九])?$")


_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _squeeze(text: str) -> str:
    # NFKC turns full-width digits and letters into ASCII; dropping spaces and invisible
    # characters can bring marks together that NFKC composes, so repeat until stable.
    value = text or ""
    for _round in range(4):
        folded = unicodedata.normalize("NFKC", value)
        folded = "".join(c for c in folded if not c.isspace()
                         and unicodedata.category(c) not in ("Cc", "Cf"))
        if folded == value:
            break
        value = folded
    return value.translate(_UPPER)


def squeezed(text: str) -> str:
    """A label as its key reads it before affixes go: full-width folded, spaces and
    invisible characters dropped, Latin letters upper-cased ('Ａ座 ' -> 'A座')."""
    return _squeeze(text)


def printed_room(text: str) -> str:
    """A room as a printed label names it: squeezed, its 室/号/房 off, its digits as the
    roll writes them (a parking space P-002 is not P-2, as normalise_room reads it)."""
    return _strip_affixes(_squeeze(text), _ROOM_SUFFIX)


def _strip_affixes(value: str, suffixes: tuple[str, ...], prefix: str = "") -> str:
    """Rounds of: one suffix off the end, then the prefix off the start; until a round
    removes nothing or would leave nothing. The bounds move over the text, which is cut
    once: a label of n suffixes (a forged roll) is n rounds, each no longer a search and a
    copy of the whole label (quadratic: seconds for a label of 10 kB in a verifier)."""
    start, end = 0, len(value)
    while True:
        new_start, new_end = start, end
        for suffix in suffixes:
            if value.endswith(suffix, new_start, new_end):
                new_end -= len(suffix)
                break
        if prefix and value.startswith(prefix, new_start, new_end):
            new_start += len(prefix)
        if new_start >= new_end or (new_start, new_end) == (start, end):
            return value[start:end]
        start, end = new_start, new_end


def chinese_number(text: str) -> int | None:
    """'三' -> 3, '十二' -> 12, '二十' -> 20, '一百零五' -> 105, '一〇一' -> 101; else None."""
    if not text or any(c not in _CN_DIGITS and c not in "十百" for c in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    match = _CN_NUMBER.match(text)
    if not match or text.endswith("零"):
        return None
    hundreds, tens, ten, ones = match.groups()
    value = _CN_DIGITS[hundreds] * 100 if hundreds else 0
    if ten:
        value += _CN_DIGITS[tens] * 10 if tens else 10
    return value + (_CN_DIGITS[ones] if ones else 0)


def _number_part(value: str, chinese: bool) -> str:
    if chinese and value and all(c in _CN_DIGITS for c in value):
        # Digit by digit ('一〇一' is 101), written out without int(): a label may be
        # thousands of numerals long, and int() refuses more than 4,300 digits.
        return "".join(str(_CN_DIGITS[c]) for c in value).lstrip("0") or "0"
    if chinese:
        number = chinese_number(value)
        if number is not None:
            return str(number)
    if value.isascii() and value.isdigit():
        return value.lstrip("0") or "0"
    return value


@lru_cache(maxsize=4096)  # a roll has few distinct buildings; sorting asks again and again
def normalise_building(text: str) -> str:
    """A building label in canonical form: '3号楼', '3栋', '３幢', ' 03 ', '三号楼', '3#' -> '3'.

    Full-width characters become ASCII, spaces go, Latin letters are upper-cased ('a座' ->
    'A'), a leading 第 and the suffixes 号楼/栋/幢/座/楼/号/# are dropped, a Chinese numeral
    becomes digits and leading zeros of a number go. Idempotent."""
    value = _strip_affixes(_squeeze(text), _BUILDING_SUFFIX, "第")
    return _number_part(value, chinese=True)


@lru_cache(maxsize=4096)
def normalise_entrance(text: str) -> str:
    """An entrance (stairwell) label in canonical form: '1单元', '一单元', '01' -> '1'; empty
    stays empty. Same folding as normalise_building with the suffix 单元. Idempotent."""
    value = _strip_affixes(_squeeze(text), _ENTRANCE_SUFFIX, "第")
    return _number_part(value, chinese=True)


@lru_cache(maxsize=16384)  # rooms repeat across buildings: 101, 102, ... in each
def normalise_room(text: str) -> str:
    """A room label in canonical form: '101室', '１０１', ' 0101 ' -> '101'.

    Chinese numerals are left alone in rooms (they are rare there and '一〇一' is better
    refused by a human than guessed). Idempotent."""
    value = _strip_affixes(_squeeze(text), _ROOM_SUFFIX)
    return _number_part(value, chinese=False)


def _escape(part: str) -> str:
    return part.replace("\\", "\\\\").replace("/", "\\/")


@lru_cache(maxsize=1024)  # an import asks for each row's key twice in a row
def unit_key(building: str, entrance: str, room: str) -> str:
    """The canonical key of a unit: two spellings of one flat ('1/1/101' and
    '1号楼/1单元/101') give the same key, different flats different keys.

    The parts are normalised (normalise_building, normalise_entrance, normalise_room) and
    joined with '/', escaped so that the key is injective on the normalised parts."""
    return f"{_building_part(building)}/{_entrance_part(entrance)}/{_room_part(room)}"


# A roll of 100,000 units has that many keys but only hundreds of distinct parts: each
# part is normalised and escaped once.
@lru_cache(maxsize=4096)
def _building_part(text: str) -> str:
    return _escape(normalise_building(text))


@lru_cache(maxsize=4096)
def _entrance_part(text: str) -> str:
    return _escape(normalise_entrance(text))


@lru_cache(maxsize=16384)
def _room_part(text: str) -> str:
    return _escape(normalise_room(text))


def has_control(text: str) -> bool:
    """Whether the text holds a control character (NUL, line breaks, ...): labels must not."""
    return any(unicodedata.category(c) == "Cc" for c in text)


_RUNS = re.compile(r"\d+|\D+")


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers, so "2" sorts before "10"."""
    # isdecimal, not isdigit: "²" is a digit that \d does not match.
    return tuple(_number_key(part) if part.isdecimal() else (1, 0, part)
                 for part in _RUNS.findall(text))


def _number_key(digits: str) -> tuple:
    # A number's key without int(): its digits without leading zeros, by length and then
    # digit by digit. Labels and unit ids are any strings, and int() refuses a run of more
    # than 4,300 digits (the roll of a verified bundle may hold one).
    if not digits.isascii():  # other scripts' decimal digits, e.g. '٣' or '３'
        digits = "".join(str(unicodedata.decimal(c)) for c in digits)
    digits = digits.lstrip("0")
    return (0, len(digits), digits)


# A roll of 100,000 units has a few hundred distinct buildings, entrances and rooms, and
# every tally and verification sorts it: their keys are computed once each.
@lru_cache(maxsize=8192)
def _building_key(text: str) -> tuple:
    return natural_key(normalise_building(text))


@lru_cache(maxsize=8192)
def _entrance_key(text: str) -> tuple:
    return natural_key(normalise_entrance(text))


@lru_cache(maxsize=8192)
def _room_key(text: str) -> tuple:
    return natural_key(text)


def spelled(building: str, entrance: str, room: str) -> str:
    """A unit as the roll spells it, for a message: '1号楼 / 1单元 / 102'."""
    return " / ".join(part for part in (building, entrance, room) if part)


def repeated_flats(units: Iterable[T], parts: Callable[[T], tuple[str, str, str]]
                   ) -> list[tuple[T, T]]:
    """(first, repeat) for every unit naming a flat an earlier one names: two spellings of
    it ('1/1/102' and '1号楼/1单元/102'), compared by unit_key. `parts` gives a unit's
    (building, entrance, room). The roll import refuses such a roll; the freeze and the
    verifier's step 5.4 look again, for rolls imported before it did."""
    first: dict[str, T] = {}
    repeats = []
    for unit in units:
        seen = first.setdefault(unit_key(*parts(unit)), unit)
        if seen is not unit:
            repeats.append((seen, unit))
    return repeats


def unit_label(building: str, entrance: str, room: str) -> str:
    """A unit's label as a `unit:` scope names it: 3-1-1502, or 3-1502 without an entrance."""
    parts = (normalise_building(building), normalise_entrance(entrance), room)
    return "-".join(p for p in parts if p)


@dataclass(frozen=True)
class UnitRecord:
    """One exclusive part: labels, area in centi-m², basis and its owners' pseudonymous keys."""

    unit_id: str
    building: str
    entrance: str
    room: str
    area: int
    area_basis: AreaBasis
    owner_keys: frozenset[str]
    developer: bool = False
    fund_balance: int | None = None
    kind: str = "dwelling"  # votes.core.local_rules.UnitKind

    @property
    def label(self) -> str:
        return unit_label(self.building, self.entrance, self.room)

    @property
    def sort_key(self) -> tuple:
        return (_building_key(self.building), _entrance_key(self.entrance),
                _room_key(self.room), natural_key(self.unit_id))


def sorted_units(units: Iterable[UnitRecord]) -> list[UnitRecord]:
    """sorted(units, key=sort_key), the same list. The unit id's key, which no cache spares
    (every id differs; about a tenth of verifying 100,000 ballots), is only computed where
    units share a building, entrance and room: the sort is stable, so sorting each such
    run by it gives what one sort by the whole key gives."""
    placed = [(u, (_building_key(u.building), _entrance_key(u.entrance), _room_key(u.room)))
              for u in units]
    placed.sort(key=lambda p: p[1])
    out, start = [], 0
    while start < len(placed):
        end = start + 1
        while end < len(placed) and placed[end][1] == placed[start][1]:
            end += 1
        if end - start == 1:
            out.append(placed[start][0])
        else:
            out += sorted((u for u, _ in placed[start:end]), key=lambda u: natural_key(u.unit_id))
        start = end
    return out


SCOPE_KINDS = ("all", "building", "entrance", "unit")


@dataclass(frozen=True)
class Scope:
    """Whose units a proposal covers (列支范围): all, buildings, entrances or single units."""

    kind: str
    values: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """Parse 'all', 'building:3,5', 'entrance:3-1', 'unit:3-1-1502' (ValueError if bad)."""
        raw = (text or "").strip()
        if raw == "all":
            return cls("all")
        kind, sep, rest = raw.partition(":")
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if not sep or kind not in SCOPE_KINDS[1:] or not values:
            raise Refusal(_("表决范围“%(scope)s”无效，应为 all、building:3,5、entrance:3-1 "
                            "或 unit:3-1-1502"), scope=text)
        if kind == "building":
            values = tuple(normalise_building(v) for v in values)
        elif kind == "entrance":
            for v in values:
                if "-" not in v:
                    raise Refusal(_("单元范围“%(value)s”应写作 楼栋-单元，例如 3-1"), value=v)
            values = tuple(f"{normalise_building(b)}-{normalise_entrance(e)}"
                           for b, e in (v.split("-", 1) for v in values))
        return cls(kind, values)

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{','.join(self.values)}"

    def contains(self, unit: UnitRecord) -> bool:
        """Whether the unit belongs to this scope."""
        return self.holds(unit.building, unit.entrance, unit.room)

    def holds(self, building: str, entrance: str, room: str) -> bool:
        """Whether the unit with these labels (as written in a roll) belongs to this scope."""
        if self.kind == "all":
            return True
        building = normalise_building(building)
        if self.kind == "building":
            return building in self._members
        if self.kind == "entrance":
            return f"{building}-{normalise_entrance(entrance)}" in self._members
        return unit_label(building, entrance, room) in self._members

    @cached_property
    def _members(self) -> frozenset[str]:
        # A set, not the tuple: a `unit:` scope may name thousands of units, and a roll
        # checked unit by unit against a tuple is quadratic (step 5.9 on a forged bundle).
        return frozenset(self.values)

    def select(self, units: Iterable[UnitRecord]) -> tuple[UnitRecord, ...]:
        """The units in scope, in stable natural order."""
        return tuple(sorted_units(u for u in units if self.contains(u)))
