"""A roll XLSX whose cells are formulas: read as Excel last computed them, and refused where
the file holds no computed value (written by a script, never opened and saved in Excel/WPS)
instead of importing an empty area or an unknown balance."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import func, select

from tests.factories import HEADER_ZH, resident_id

SHEET = "xl/worksheets/sheet1.xml"


def _create(runner, code="SUN"):
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0


def _workbook(rows, header=HEADER_ZH) -> bytes:
    """rows: lists of cells in HEADER_ZH order; a text starting with '=' is a formula, which
    openpyxl writes without a computed value."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(room="101", person=1, area=89.5, balance=5000, name="张三"):
    return ["1", "1", room, area, "登记", name, resident_id(person), "个人", "13912345678",
            balance]


def _cache(data: bytes, values: dict[str, tuple[str | None, str]]) -> bytes:
    """The same file as Excel would save it: each formula cell named in values gets the
    computed value (cell type, text) that Excel stores beside the formula."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == SHEET:
                xml = body.decode()
                for cell, (kind, text) in values.items():
                    typed = f' t="{kind}"' if kind else ""
                    xml, n = re.subn(rf'<c r="{cell}"( t="n")?>(<f>[^<]*</f>)<v ?/>',
                                     rf'<c r="{cell}"{typed}>\2<v>{text}</v>', xml)
                    assert n == 1, cell
                body = xml.encode()
            dst.writestr(info, body)
    return out.getvalue()


def _import(runner, tmp_path, data: bytes, *replace: str):
    path = tmp_path / "roll.xlsx"
    path.write_bytes(data)
    return runner.invoke(args=["roll", "import", "--community", "SUN", *replace, str(path)])


def _units(app):
    from votes.extensions import db
    from votes.models import Unit

    with app.app_context():
        return {u.room: (u.area, u.fund_balance)
                for u in db.session.scalars(select(Unit).order_by(Unit.room))}


def test_openpyxl_writes_formulas_without_a_computed_value():
    data = _workbook([_row(balance="=1000*5")])
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
    assert re.search(r'<c r="J2"( t="n")?><f>1000\*5</f><v ?/></c>', xml), xml


def test_balance_and_area_formulas_without_values_are_refused_naming_each_cell(app, runner,
                                                                             tmp_path):
    from votes.extensions import db
    from votes.models import Unit

    _create(runner)
    data = _workbook([_row(), _row("102", 2, area="=80+9.5", name="李四"),
                      _row("103", 3, balance="=D4*50", name="王五")])
    result = _import(runner, tmp_path, data)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "名册有 2 个公式单元格没有保存计算结果，未导入任何数据" in result.output
    assert ("第 3 行：“面积”（单元格 D3）是公式，但文件里没有保存计算结果：请在 Excel/WPS 中"
            "打开并保存后再导入，或把公式换成数值") in result.output
    assert "第 4 行：“维修资金余额”（单元格 J4）是公式" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_formulas_with_computed_values_import_as_their_values(app, runner, tmp_path):
    _create(runner)
    data = _workbook([_row(), _row("102", 2, area="=80+9.5", name="李四"),
                      _row("103", 3, balance="=D4*50", name="王五"),
                      _row("104", 4, balance='=IF(D5>100,D5*50,"")', name="赵六")])
    data = _cache(data, {"D3": (None, "89.5"), "J4": (None, "4475"), "J5": ("str", "")})
    result = _import(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    # A formula whose computed value is empty text is an empty cell, as Excel shows it.
    assert _units(app) == {"101": (8950, 500000), "102": (8950, 500000),
                           "103": (8950, 447500), "104": (8950, None)}


def test_every_column_read_is_checked_and_ignored_columns_are_not(app, runner, tmp_path):
    _create(runner)
    header = HEADER_ZH + ["备注"]
    # A formula in a column the roll does not read (备注) does not matter.
    ok = _workbook([_row() + ['=CONCAT("a","b")']], header=header)
    assert _import(runner, tmp_path, ok).exit_code == 0
    # An entrance (part of the flat's name) or a phone read as empty would be wrong too.
    bad = _workbook([["1", "=1", "101", 89.5, "登记", "张三", resident_id(1), "个人",
                      '="139"&"12345678"', 5000]], header=header)
    result = _import(runner, tmp_path, bad, "--replace")
    assert result.exit_code == 1
    assert "第 2 行：“单元”（单元格 B2）是公式" in result.output
    assert "第 2 行：“手机号”（单元格 I2）是公式" in result.output


def test_a_row_of_formulas_alone_is_not_dropped_as_blank(app, runner, tmp_path):
    """The last rows of a sheet are trimmed when empty: formulas without values are not."""
    _create(runner)
    data = _workbook([_row(), ["=A2", "=B2", '="102"', "=D2", "=E2", "=F2", "=G2", "=H2",
                               "=I2", "=J2"]])
    result = _import(runner, tmp_path, data)
    assert result.exit_code == 1
    assert "第 3 行：“楼栋”（单元格 A3）是公式" in result.output
    assert "名册有 10 个公式单元格" in result.output


def test_header_formula_without_value_is_refused(app, runner, tmp_path):
    _create(runner)
    header = HEADER_ZH[:-1] + ['="维修资金"&"余额"']
    result = _import(runner, tmp_path, _workbook([_row()], header=header))
    assert result.exit_code == 1
    assert "第 1 行：表头单元格 J1 是公式，但文件里没有保存计算结果" in result.output


def test_web_preview_lists_the_cells_and_offers_no_import(app, client, runner, tmp_path):
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    data = _workbook([_row(balance="=4000+1000")])
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(data), "roll.xlsx")})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<td>2</td><td>“维修资金余额”（单元格 J2）是公式" in page
    assert 'name="token"' not in page


def test_sheet_xml_without_cell_references_or_with_a_prefix(app, runner, tmp_path):
    """Other writers omit r="…" on cells and rows, or prefix the namespace (<x:c>)."""
    _create(runner)
    data = _workbook([_row(), _row("102", 2, balance="=1+1", name="李四")])
    src = zipfile.ZipFile(io.BytesIO(data))
    xml = src.read(SHEET).decode()
    xml = re.sub(r' r="[A-Z]+[0-9]+"', "", xml)  # cells
    xml = re.sub(r'<row r="\d+"', "<row", xml)
    xml = xml.replace('xmlns="http://schemas', 'xmlns:x="http://schemas')
    xml = re.sub(r"<(/?)(?!\?)([a-zA-Z])", r"<\1x:\2", xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml.encode() if info.filename == SHEET else src.read(info))
    result = _import(runner, tmp_path, out.getvalue())
    assert result.exit_code == 1, result.output
    assert "第 3 行：“维修资金余额”（单元格 J3）是公式" in result.output


def test_a_computed_value_is_read_as_excel_shows_it(app, runner, tmp_path):
    """Excel stores a formula's result as the binary double (30.1+45.17 is
    75.27000000000001) and shows it to 15 significant digits (75.27): a roll whose areas
    add 套内 and 公摊 was refused as having more than two decimals, quoting a number the
    committee never sees in its sheet."""
    _create(runner)
    data = _workbook([_row(area="=30.1+45.17", balance="=0.1+0.2"),
                      _row("102", 2, area=89.99999999999999, name="李四")])
    data = _cache(data, {"D2": (None, "75.27000000000001"), "J2": (None, "0.30000000000000004")})
    result = _import(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert _units(app) == {"101": (7527, 30), "102": (9000, 500000)}
