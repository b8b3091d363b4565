"""Exact decimal input and output: areas in centi-m², money in fen."""

from __future__ import annotations

import re

from votes.core.full_width import ascii_forms
from votes.core.refusal import Refusal, _

_DECIMAL = re.compile(r"^([0-9]+)(?:\.([0-9]{1,2}))?$", re.ASCII)
# A comma in an amount only ever separates thousands: "1,000.50". "6,4" is a decimal comma
# (6.4 in much of the world), not 64, and "12,34,5" no number at all.
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+", re.ASCII)

# Far below the database's 64-bit integers even when tens of thousands are added up:
# no exclusive part is larger than 10 km², no repair costs more than 10^12 yuan.
MAX_AREA = 10_000_000_00      # centi-m²: 10,000,000.00 m²
MAX_YUAN = 1_000_000_000_000_00  # fen: 1,000,000,000,000.00 yuan


def whole_number(text: str, digits: int = 9) -> int | None:
    """The non-negative integer written in `text` with ASCII digits only, at most `digits`
    of them (an id, a position in a list, a count of days); None otherwise.

    str.isdigit() alone is not enough: "²" and other digits pass it and int() refuses
    them, and int() of thousands of digits is refused too. Surrounding spaces are not
    stripped here: callers that accept them strip first."""
    if 0 < len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def _parse_2dp(text: str) -> int | None:
    # Full-width digits (typed with a Chinese input method) are the same digits.
    match = _DECIMAL.match(ascii_forms(text).strip())
    if not match:
        return None
    whole, frac = match.groups()
    whole = whole.lstrip("0") or "0"
    if len(whole) > 20:  # larger than any limit; int() of thousands of digits is refused
        return 10 ** 22
    return int(whole) * 100 + int((frac or "").ljust(2, "0"))


def _ungrouped(text: str, misplaced_comma: str) -> str:
    """`text` normalised, its thousands separators taken out ("，" is a comma too); refused
    with `misplaced_comma` when a comma is what keeps it from being a number ("6,4")."""
    text = ascii_forms(text).strip()
    if "," in text:
        whole, _point, fraction = text.partition(".")
        misplaced = not _GROUPED.fullmatch(whole) or "," in fraction  # none after the point
        text = text.replace(",", "")
        # Blamed on the comma only when the comma is what is wrong: in "¥1,000" or "1,000元"
        # it separates thousands, and the number is refused after for what else it holds.
        if misplaced and _parse_2dp(text) is not None:
            raise Refusal(misplaced_comma)
    return text


def parse_area(text: str) -> int:
    """Parse an area in m² (> 0, at most 2 decimals, commas allowed between groups of three
    digits as screens write areas, at most MAX_AREA) into centi-m²; ValueError otherwise."""
    text = _ungrouped(str(text), _("面积中的逗号只能用作千位分隔符（如 1,234.50），小数请用小数点"))
    value = _parse_2dp(text)
    if value is None or value <= 0:
        raise Refusal(_("面积必须是大于0且最多两位小数的数字"))
    if value > MAX_AREA:
        raise Refusal(_("面积超过上限 %(limit)s m²"), limit=format_area_grouped(MAX_AREA))
    return value


def parse_yuan(text: str) -> int:
    """Parse an amount in yuan (>= 0, at most 2 decimals, commas allowed between groups of
    three digits, at most MAX_YUAN) into fen; ValueError otherwise."""
    text = _ungrouped(str(text), _("金额中的逗号只能用作千位分隔符（如 1,000.50），小数请用小数点"))
    value = _parse_2dp(text)
    if value is None:
        raise Refusal(_("金额必须是不小于0且最多两位小数的数字"))
    if value > MAX_YUAN:
        raise Refusal(_("金额超过上限 %(limit)s 元"), limit=format_yuan(MAX_YUAN))
    return value


def _format_2dp(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _format_grouped(value: int) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100:,}.{abs(value) % 100:02d}"


def format_area(centi: int) -> str:
    """Centi-m² as m² with 2 decimals and no separators: 8950 -> "89.50". What machines
    read (CSV and XLSX cells, the bundle, the verifier's report) is written this way and
    must stay so; what people read uses format_area_grouped."""
    return _format_2dp(centi)


def format_area_grouped(centi: int) -> str:
    """Centi-m² as m² grouped like money, for notices, pages and the command line's
    messages: 3580000 -> "35,800.00", so that an area and an amount on one line or in one
    table row are written alike."""
    return _format_grouped(centi)


def format_yuan(fen: int) -> str:
    """Fen as yuan with thousands separators and 2 decimals: 35600000 -> "356,000.00"
    (parse_yuan reads it back)."""
    return _format_grouped(fen)


def format_yuan_plain(fen: int) -> str:
    """Fen as yuan with 2 decimals and no separators, for CSV cells a spreadsheet reads as
    numbers: 35600000 -> "356000.00"."""
    return _format_2dp(fen)


def format_percent(part: int, whole: int) -> str:
    """part/whole as a percentage with 2 decimals, rounded half up (display only)."""
    if whole == 0:
        return "0.00%"
    basis_points = (part * 10000 * 2 + whole) // (2 * whole)
    return f"{basis_points // 100}.{basis_points % 100:02d}%"
