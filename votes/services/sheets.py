"""Rows of the XLSX exports: text stays text, numbers stay numbers.

A CSV cell can only say it is text with an apostrophe the reader then sees (core.cells); a
workbook cell says it itself. So a sheet stores text as typed: a basement flat -1号楼 -1室
reads -1, not '-1, and a name typed as "=HYPERLINK(...)" is a text cell that never runs."""

from __future__ import annotations

from typing import Iterable

from votes.core.cells import sheet_text, starts_formula


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
