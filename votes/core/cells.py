"""Spreadsheet cells that cannot run: text exported to CSV/XLSX is never read as a formula."""

from __future__ import annotations

import re
from typing import Iterable

# Excel, LibreOffice and WPS start a formula at these (full-width forms too, which Chinese
# input methods produce); tab and CR let a cell start with one after the app trims it.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Control characters an XLSX cell cannot hold (openpyxl raises IllegalCharacterError for
# them): tab, line feed and carriage return are the only ones a sheet keeps.
_NOT_IN_SHEETS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_formula(value) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.startswith(_TRIGGERS)


def safe_cell(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe.

    '=HYPERLINK("http://x")' -> "'=HYPERLINK(\"http://x\")"; other text and every
    non-text value (numbers stay numbers) is returned unchanged."""
    if starts_formula(value):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    """safe_cell applied to every cell of a row."""
    return [safe_cell(v) for v in values]


def sheet_text(values: Iterable) -> list:
    """The row without the control characters an XLSX sheet cannot store (a vertical tab
    pasted from Word in a title or a note would make the whole export fail); other values
    unchanged. A sheet needs no apostrophe: services.sheets stores text as text."""
    return [_NOT_IN_SHEETS.sub("", v) if isinstance(v, str) else v for v in values]
