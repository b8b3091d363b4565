"""A roll's XLSX of a million rows is refused before either reader parses it.

A sheet's rows beyond 200,000 went to openpyxl, which parsed 200,001 of them before the
roll was refused as too long: 23-30 s of a worker's time (gunicorn's timeout is 30 s) for a
2.6-7 MB upload. And rows only formatted (a border, a style down to row 1,000,000, as a
committee's template has) are no rows of the roll: such a sheet is read, and at calamine's
speed. Which reader ran is counted through its seam; no timing is asserted."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.factories import make_roll_xlsx, sample_rows
from votes.services import roll_calamine, roll_xlsx

SHEET = "xl/worksheets/sheet1.xml"
LAST = len(sample_rows()) + 1  # the header and the sample roll's rows


def _with_rows(tmp_path, rows: str) -> bytes:
    """The sample roll as an XLSX, with `rows` (sheet XML) after its own."""
    data = make_roll_xlsx(tmp_path / "roll.xlsx").read_bytes()
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == SHEET:
                body = body.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            dst.writestr(info, body)
    (tmp_path / "roll.xlsx").write_bytes(out.getvalue())
    return out.getvalue()


def _rows(first: int, count: int, template: str) -> str:
    return "".join(template.format(n=n) for n in range(first, first + count))


FORMATTED_ROW = '<row r="{n}" s="3" customFormat="1"/>'
FORMATTED_CELLS = '<row r="{n}"><c r="A{n}" s="3"/><c r="B{n}" s="3"/></row>'
HELD = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>9</t></is></c><c r="C{n}"><v>{n}</v></c></row>'


@pytest.fixture
def readers(monkeypatch):
    """Which reader was asked to parse the sheet, in order."""
    asked = []
    fast, slow = roll_calamine.read, roll_xlsx._openpyxl_rows
    monkeypatch.setattr(roll_calamine, "read", lambda *a: asked.append("calamine") or fast(*a))
    monkeypatch.setattr(roll_xlsx, "_openpyxl_rows",
                        lambda *a: asked.append("openpyxl") or slow(*a))
    return asked


def _import(runner, tmp_path):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    return runner.invoke(args=["roll", "import", "--community", "SUN",
                               str(tmp_path / "roll.xlsx")])


@pytest.mark.parametrize("empty", [FORMATTED_ROW, FORMATTED_CELLS], ids=["rows", "cells"])
def test_a_million_formatted_rows_after_the_roll_are_no_rows_of_it(app, runner, tmp_path,
                                                                   readers, empty):
    _with_rows(tmp_path, _rows(LAST + 1, 1_000_000, empty))
    result = _import(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "已导入业主名册" in result.output, result.output
    assert readers == ["calamine"]


@pytest.mark.parametrize("count", [200_001 - LAST + 1, 1_000_000])
def test_a_sheet_of_more_rows_holding_values_is_refused_before_it_is_parsed(
        app, runner, tmp_path, readers, count):
    _with_rows(tmp_path, _rows(LAST + 1, count, HELD))
    result = _import(runner, tmp_path)
    assert result.exit_code == 1, result.output
    assert "XLSX 文件超过 200000 行" in result.output, result.output
    assert readers == []


def test_200000_rows_holding_values_are_not_refused_as_too_many(tmp_path, readers):
    """The limit itself: its last row is read (the roll then judges its cells)."""
    data = _with_rows(tmp_path, _rows(LAST + 1, 200_000 - LAST, HELD))
    assert len(roll_xlsx.read_sheet(data).rows) == 200_000


def test_a_row_holding_a_value_far_below_formatted_ones_is_not_dropped(app, runner, tmp_path,
                                                                       readers):
    """openpyxl read the first 200,001 rows and stopped: a flat on row 1,000,000 below
    formatted rows was left out of the roll without a word."""
    _with_rows(tmp_path, _rows(LAST + 1, 999_000, FORMATTED_CELLS)
               + HELD.format(n=1_000_000))
    result = _import(runner, tmp_path)
    assert result.exit_code == 1, result.output
    assert "XLSX 文件超过 200000 行" in result.output, result.output
    assert readers == []


def test_rows_without_their_numbers_are_counted_as_openpyxl_counts_them(tmp_path, readers):
    """A row without r="…" is the one after the row before (no program writes one; a
    script may): 200,001 of them holding values are refused as well."""
    data = _with_rows(tmp_path, _rows(0, 200_001, "<row><c><v>{n}</v></c></row>"))
    with pytest.raises(roll_xlsx.DomainError) as refused:
        roll_xlsx.read_sheet(data)
    assert "超过 200000 行" in refused.value.message
    assert readers == []


def test_a_value_in_the_sheets_last_cell_is_refused_before_either_reader(tmp_path, readers):
    """openpyxl read the first 200,001 rows, and the roll above the cell was taken as if
    the sheet ended there."""
    data = _with_rows(tmp_path, '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far'
                                '</t></is></c></row>')
    with pytest.raises(roll_xlsx.DomainError) as refused:
        roll_xlsx.read_sheet(data)
    assert "超过 200000 行" in refused.value.message
    assert readers == []
