"""Rows of the XLSX exports: text stays text, numbers stay numbers.

A CSV cell can only say it is text with an apostrophe the reader then sees (core.cells); a
workbook cell says it itself. So a sheet stores text as typed: a basement flat -1号楼 -1室
reads -1, not '-1, and a name typed as "=HYPERLINK(...)" is a text cell that never runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from votes.core.cells import sheet_text, starts_formula
from votes.core.report_text import columns


def sheet_row(ws, values: Iterable) -> list:
    """The values for ws.append(). Text that a spreadsheet would take for a formula is a
    cell of type text (openpyxl makes "=..." a formula), marked with the quote prefix, so
    Excel, WPS and LibreOffice keep it text when someone edits it."""
    from openpyxl.cell import Cell

    row = []
    for value in sheet_text(values):
        if starts_formula(value):
            cell = Cell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            value = cell
        row.append(value)
    return row


# A column no wider than this many character widths (about 25 Chinese characters): wider,
# a sheet of eight columns no longer prints legibly; its longer text wraps in the cell.
MAX_WIDTH = 50
MIN_WIDTH = 6


def shown_width(value, number_format: str = "General") -> int:
    """How many widths of "0" a value takes in Excel's default font (a Chinese character
    about two)."""
    if value is None:
        return 0
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, float, Decimal)) and "0.00" in number_format:
        text = f"{value:,.2f}"
    else:
        text = str(value)
    return len(text) if text.isascii() else columns(text)


def fit_columns(ws, header_row: int = 1) -> None:
    """Each column as wide as its widest cell from `header_row` down (rows above, a title,
    run across), up to MAX_WIDTH, a cell holding more wrapped onto further lines of its row:
    fixed widths cut a building's long name at the next column (64 + 64 + 64 characters
    of a flat's label in a column 10 wide), on screen and on paper. The header row is
    printed at the top of every page."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    long_cells = []
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            value = cell.value
            if value is None:
                continue
            shown = shown_width(value, "General" if isinstance(value, str)
                                else cell.number_format)
            if shown + 2 > MAX_WIDTH:
                long_cells.append(cell)
            if shown > widths.get(cell.column, 0):
                widths[cell.column] = shown
    wrap = Alignment(wrap_text=True, vertical="top")
    for cell in long_cells:
        cell.alignment = wrap
    for column, shown in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = \
            max(MIN_WIDTH, min(MAX_WIDTH, shown + 2))
    ws.print_title_rows = f"{header_row}:{header_row}"
