"""Rows and columns of a roll's XLSX that Excel and WPS do not show.

The roll a committee imports is the one it read in Excel or WPS, often a file the property
company made. A row hidden there (or filtered out, or its height 0) was imported all the
same: a flat and its owner, a voter of the double majority, that no one reviewing the sheet
saw; a hidden column was read as any other (a second 业主类型 beside the one shown is
refused as a repeated column, but a hidden one alone is not). Refused, as a hidden first
sheet and merged cells are, saying which rows or columns to show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_roll_xlsx, sample_rows


def _import(runner, path):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    return runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])


def _units(app) -> int:
    from votes.extensions import db
    from votes.models import Unit

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


def _rewrite(path, old: bytes, new: bytes) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            copy.writestr(item, data)
    path.write_bytes(out.getvalue())


def _resave(path, change):
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    change(workbook.active)
    workbook.save(path)
    return path


@pytest.mark.parametrize("how", ["hidden", "zero height"])
def test_a_hidden_row_is_refused_naming_it(app, runner, tmp_path, how):
    path = make_roll_xlsx(tmp_path / "roll.xlsx", sample_rows())
    # As Excel writes it (openpyxl leaves out a height of 0).
    _rewrite(path, b'<row r="4"', b'<row r="4" hidden="1"' if how == "hidden"
             else b'<row r="4" ht="0" customHeight="1"')
    result = _import(runner, path)
    assert result.exit_code == 1, result.output
    assert "第 4 行：第 4 行在 Excel/WPS 中是隐藏的" in result.output, result.output
    assert _units(app) == 0


def test_a_hidden_column_read_is_refused_naming_it(app, runner, tmp_path):
    def hide(ws):
        ws.column_dimensions["H"].hidden = True  # 业主类型

    path = _resave(make_roll_xlsx(tmp_path / "roll.xlsx", sample_rows()), hide)
    result = _import(runner, path)
    assert result.exit_code == 1, result.output
    assert "H 列“业主类型”在 Excel/WPS 中是隐藏的" in result.output, result.output
    assert _units(app) == 0


def test_hidden_rows_and_columns_holding_nothing_read_are_taken(app, runner, tmp_path):
    def hide(ws):
        ws.column_dimensions["L"].hidden = True  # not a column of the roll
        ws["L1"], ws["L2"] = "备注", "内部"
        ws.row_dimensions[40].hidden = True  # empty
        ws.row_dimensions[2].height = 30  # a tall row is seen

    path = _resave(make_roll_xlsx(tmp_path / "roll.xlsx", sample_rows()), hide)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert _units(app) == 7
