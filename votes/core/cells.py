"""Spreadsheet cells that cannot run: text exported to CSV/XLSX is never read as a formula."""

from __future__ import annotations

from typing import Iterable

# Excel, LibreOffice and WPS start a formula at these (full-width forms too, which Chinese
# input methods produce); tab and CR let a cell start with one after the app trims it.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe.

    '=HYPERLINK("http://x")' -> "'=HYPERLINK(\"http://x\")"; other text and every
    non-text value (numbers stay numbers) is returned unchanged."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    """safe_cell applied to every cell of a row."""
    return [safe_cell(v) for v in values]
