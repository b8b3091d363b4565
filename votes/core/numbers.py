"""Exact decimal input and output: areas in centi-m², money in fen."""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"^(\d+)(?:\.(\d{1,2}))?$")


def _parse_2dp(text: str) -> int | None:
    match = _DECIMAL.match(text.strip())
    if not match:
        return None
    whole, frac = match.groups()
    return int(whole) * 100 + int((frac or "").ljust(2, "0"))


def parse_area(text: str) -> int:
    """Parse an area in m² (> 0, at most 2 decimals) into centi-m²; ValueError otherwise."""
    value = _parse_2dp(str(text))
    if value is None or value <= 0:
        raise ValueError("面积必须是大于0且最多两位小数的数字 "
                         "(area must be a positive number with at most 2 decimals)")
    return value


def parse_yuan(text: str) -> int:
    """Parse an amount in yuan (>= 0, at most 2 decimals, commas allowed) into fen."""
    value = _parse_2dp(str(text).replace(",", "").replace("，", ""))
    if value is None:
        raise ValueError("金额必须是不小于0且最多两位小数的数字 "
                         "(amount must be a non-negative number with at most 2 decimals)")
    return value


def _format_2dp(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def format_area(centi: int) -> str:
    """Centi-m² as m² with 2 decimals: 8950 -> "89.50"."""
    return _format_2dp(centi)


def format_yuan(fen: int) -> str:
    """Fen as yuan with 2 decimals: 35600000 -> "356000.00"."""
    return _format_2dp(fen)


def format_percent(part: int, whole: int) -> str:
    """part/whole as a percentage with 2 decimals, rounded half up (display only)."""
    if whole == 0:
        return "0.00%"
    basis_points = (part * 10000 * 2 + whole) // (2 * whole)
    return f"{basis_points // 100}.{basis_points % 100:02d}%"
