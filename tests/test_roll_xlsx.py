"""A roll's XLSX read fast (calamine) where the sheet is ordinary, by openpyxl otherwise, with
the same values either way (votes/services/roll_xlsx.py)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votes.services import roll_calamine, roll_xlsx
from votes.services.errors import DomainError
from votes.services.roll_file import read_roll

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _edit_sheet(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, edit(body.decode()).encode() if info.filename == SHEET else body)
    return out.getvalue()


def _by_openpyxl(data: bytes, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(roll_calamine, "ordinary", lambda *a: False)
        return roll_xlsx.sheet_rows(data)


def _blank_as_empty(read):
    """calamine reads a cell of only spaces as empty, openpyxl as its spaces; the roll reads
    both as empty (its cells are stripped)."""
    rows, uncached = read
    rows = [[None if type(v) is str and not v.strip() else v for v in row] for row in rows]
    while rows and all(v is None for v in rows[-1]):  # a last row of only spaces: none
        rows.pop()
    return rows, uncached


def _trimmed(read):
    """The rows without their empty cells at the end (openpyxl gives every row as many
    cells as it was asked to read; calamine as many as the sheet's widest row)."""
    rows, uncached = read
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out, uncached


def _path(data: bytes, monkeypatch) -> str:
    """Which reader read the sheet."""
    taken = []
    real_fast, real_slow = roll_calamine.read, roll_xlsx._openpyxl_rows
    with monkeypatch.context() as m:
        m.setattr(roll_calamine, "read",
                  lambda *a: taken.append("calamine") or real_fast(*a))
        m.setattr(roll_xlsx, "_openpyxl_rows",
                  lambda *a: taken.append("openpyxl") or real_slow(*a))
        try:
            roll_xlsx.sheet_rows(data)
        except DomainError:  # XML no reader takes (a second r on a cell): refused in words
            pass
    return "+".join(taken)


ROLL = [["楼栋", "单元", "房号", "面积", "面积依据", "业主姓名", "证件号码", "业主类型", "手机号",
         "维修资金余额"],
        ["1", "1", "101", 89.5, "登记", "张三", "110101199001011234", "个人", None, 5000],
        [1, None, 102, 100, "登记", "李四", "110101199001011235", "个人", "13912345678", 0.1],
        [2.0, "2", " 201 ", 120.25, "测绘", "某公司", "91110000MA01234567", "单位", None, None]]


def test_an_ordinary_roll_is_read_by_calamine_with_openpyxls_values(monkeypatch):
    data = _workbook(ROLL)
    assert _path(data, monkeypatch) == "calamine"
    fast = roll_xlsx.sheet_rows(data)
    assert _trimmed(fast) == _trimmed(_by_openpyxl(data, monkeypatch))
    rows, uncached = fast
    assert uncached == []
    assert rows[1][2] == "101" and rows[2][2] == "102" and isinstance(rows[2][2], roll_xlsx.Number)
    assert rows[1][3] == "89.5" and rows[3][3] == "120.25" and rows[1][8] is None
    assert [r.values["room"] for r in read_roll("r.xlsx", data)] == ["101", "102", "201"]


cell = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    # Whole seconds: the two readers round half a millisecond differently (a time of day no
    # roll column holds).
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
    .map(lambda moment: moment.replace(microsecond=0)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell, min_size=1, max_size=8), min_size=1, max_size=12))
def test_both_readers_agree_on_any_sheet(monkeypatch, rows):
    data = _workbook(rows)
    fast = _trimmed(_blank_as_empty(roll_xlsx.sheet_rows(data)))
    slow = _trimmed(_blank_as_empty(_by_openpyxl(data, monkeypatch)))

    def text(table):  # what the roll reads of a cell: its text
        return [[None if v is None else str(v) for v in row] for row in table[0]]

    assert text(fast) == text(slow)
    assert fast[1] == slow[1]


@pytest.mark.parametrize("make", [
    # (one at XFD1048576 is refused before either reader: tests/test_roll_xlsx_rows.py)
    pytest.param(lambda rows: _workbook_with(rows, XFD1="far"), id="a cell at XFD1"),
    pytest.param(lambda rows: _workbook_with(rows, CW2="far"), id="a column past the 100th"),
    pytest.param(lambda rows: _workbook_with(rows, CV3000="far"), id="a sparse rectangle"),
    pytest.param(lambda rows: _edit_sheet(_workbook(rows), lambda xml: re.sub(
        r'<c r="B2"( t="\w+")?>', '<c t="e" r="B2">', xml)), id="an error value (#REF!)"),
    pytest.param(lambda rows: _edit_sheet(_workbook(rows), lambda xml: xml.replace(
        '<c r="B2"', "<c", 1)), id="a cell without its position"),
    pytest.param(lambda rows: _edit_sheet(_workbook(rows), lambda xml: xml.replace(
        '<c r="B2"', '<c s="0" r="B2"', 1)), id="a position not first"),
    pytest.param(lambda rows: _edit_sheet(_workbook(rows), lambda xml: xml.replace(
        '<c r="B2"', '<c r="B2" r="XFD1048576"', 1)), id="a second position"),
    pytest.param(lambda rows: _edit_sheet(_workbook(rows), lambda xml: xml.replace(
        '<c r="B2"', '<c r="B2"r="XFD1048576"', 1)), id="a second position, no space"),
])
def test_a_sheet_calamine_could_not_hold_or_reads_otherwise_goes_to_openpyxl(make,
                                                                               monkeypatch):
    data = make(ROLL)
    assert _path(data, monkeypatch) == "openpyxl"


def _workbook_with(rows, **cells) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_workbook(rows)))
    for at, value in cells.items():
        wb.active[at] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_error_value_reads_as_its_text_and_the_roll_refuses_it(monkeypatch):
    """calamine reads #REF! as an empty cell: a balance would then be unknown (booked whole as
    a shortfall at the settlement) instead of refused."""
    data = _edit_sheet(_workbook(ROLL), lambda xml: re.sub(
        r'<c r="J2"( t="\w+")?><v>5000</v>', '<c r="J2" t="e"><v>#REF!</v>', xml))
    rows, _ = roll_xlsx.sheet_rows(data)
    assert rows[1][9] == "#REF!"


def _with_shared_strings(data: bytes, count: int) -> bytes:
    """The workbook with its first cell's text in a shared-strings part that says it holds
    `count` strings."""
    src = zipfile.ZipFile(io.BytesIO(data))
    first = re.search(r'<c r="A1" t="inlineStr"><is><t>([^<]*)</t></is></c>',
                      src.read(SHEET).decode()).group(1)
    edits = {
        SHEET: lambda xml: re.sub(r'<c r="A1" t="inlineStr"><is><t>[^<]*</t></is></c>',
                                  '<c r="A1" t="s"><v>0</v></c>', xml),
        "[Content_Types].xml": lambda xml: xml.replace("</Types>", (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace("</Relationships>", (
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            edit = edits.get(info.filename)
            dst.writestr(info, edit(body.decode()).encode() if edit else body)
        dst.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org'
            f'/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}"><si><t>{first}</t>'
            "</si></sst>").encode())
    return out.getvalue()


def test_a_file_that_makes_calamine_abort_is_read_by_openpyxl_and_the_server_lives_on(
        monkeypatch, caplog):
    """A shared-strings part claiming two billion strings: calamine reserved 48 GB for them
    and its process aborted (no exception to catch). It runs in a child: this process goes
    on, and openpyxl reads the sheet."""
    honest = _with_shared_strings(_workbook(ROLL), 1)
    assert _path(honest, monkeypatch) == "calamine"
    lying = _with_shared_strings(_workbook(ROLL), 2_000_000_000)
    with caplog.at_level("WARNING", logger="votes.services.roll_calamine"):
        assert _path(lying, monkeypatch) == "calamine+openpyxl"
    # An operator sees why a roll took the slow way (gunicorn's error log).
    assert "calamine's process failed (status -6, memory allocation of" in caplog.text
    assert _trimmed(roll_xlsx.sheet_rows(lying)) == _trimmed(roll_xlsx.sheet_rows(honest))
    assert [r.values["room"] for r in read_roll("r.xlsx", lying)] == ["101", "102", "201"]


# The root element of a sheet as Excel saves it (WPS's too declares xmlns:r): a namespace
# declaration, not a position, and the sheet is as ordinary as openpyxl's.
EXCEL_ROOT = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac xr xr2 xr3" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
    'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
    'xr:uid="{00000000-0001-0000-0000-000000000000}">')


def _as_excel_saves_it(xml: str) -> str:
    xml = re.sub(r"<worksheet [^>]*>", EXCEL_ROOT, xml, count=1)
    xml = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:10" x14ac:dyDescent="0.25"', xml)
    return xml.replace("</sheetData>", '</sheetData><pageMargins left="0.7" right="0.7" '
                       'top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                       '<pageSetup paperSize="9" orientation="portrait" r:id="rId1"/>')


def test_a_sheet_as_excel_or_wps_saves_it_is_read_by_calamine(monkeypatch):
    data = _edit_sheet(_workbook(ROLL), _as_excel_saves_it)
    assert _path(data, monkeypatch) == "calamine"
    assert _trimmed(roll_xlsx.sheet_rows(data)) == _trimmed(_by_openpyxl(data, monkeypatch))
    # The declaration is let through only as itself: on a cell it is one r too many.
    odd = _edit_sheet(data, lambda xml: xml.replace(
        '<c r="B2"', '<c r="B2" xmlns:r="XFD1048576"', 1))
    assert _path(odd, monkeypatch) == "openpyxl"


def test_a_sheet_named_twice_in_the_workbooks_relations_is_checked_where_it_is_read(monkeypatch):
    """Two relations with the first sheet's Id: calamine and openpyxl both read the second
    one's part. The guard and the search for formulas without a value must look at that
    part too, not at the first (a balance formula there was read as an empty cell)."""
    from openpyxl import Workbook

    wb = Workbook()
    for sheet, balance in ((wb.active, 5000), (wb.create_sheet("B"), "=1000*5")):
        for row in ROLL[:2]:
            sheet.append(row)
        sheet["J2"] = balance
    out = io.BytesIO()
    wb.save(out)
    rels = "xl/_rels/workbook.xml.rels"
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == rels:
                body = body.replace(b"</Relationships>", (
                    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
                    b'2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml" '
                    b'Id="rId1" /></Relationships>'))
            dst.writestr(info, body)
    data = out.getvalue()
    assert _path(data, monkeypatch) == "openpyxl"
    rows, uncached = roll_xlsx.sheet_rows(data)
    assert uncached == [(1, 9)] and rows[1][9] is roll_xlsx.UNCACHED


def test_escaped_characters_in_text_read_as_excel_shows_them(monkeypatch):
    """Excel writes a carriage return in a cell's text as _x000D_ (a name pasted with its line
    ending), in shared strings and inline ones alike; calamine reads the character, and so
    must openpyxl's path: the roll's name is 张三, not 张三_x000D_."""
    data = _with_shared_strings(_workbook(ROLL), 1)
    data = _edit_sheet(data, lambda xml: xml.replace(
        "<t>张三</t>", '<t xml:space="preserve">张三_x000D_\n</t>').replace(
        "<t>李四</t>", "<t>_x005F_x000D_李_x000d_四_xD83D_</t>"))
    for read in (roll_xlsx.sheet_rows(data), _by_openpyxl(data, monkeypatch)):
        rows, _ = read
        assert rows[1][5] == "张三\r\n"
        assert rows[2][5] == "_x000D_李\r四_xD83D_"
    assert [r.values["owner_name"] for r in read_roll("r.xlsx", data)] == [
        "张三", "_x000D_李\r四_xD83D_", "某公司"]


def test_calamine_reads_under_a_memory_cap_lower_than_its_own(tmp_path):
    """A server already capped below CHILD_MEMORY (a container's limit, systemd's LimitAS=):
    the child may not raise its hard limit, and asking for it failed every time, each
    roll then read by openpyxl. It takes the lower cap instead."""
    import subprocess
    import sys

    path = tmp_path / "roll.xlsx"
    path.write_bytes(_workbook(ROLL))
    script = (
        "import resource, sys\n"
        "cap = %d\n"
        "resource.setrlimit(resource.RLIMIT_AS, (cap, cap))\n"
        "from votes.services import roll_calamine\n"
        "rows = roll_calamine.read(open(sys.argv[1], 'rb').read(), 'Sheet', str)\n"
        "print(rows[1][5] if rows else rows)\n") % (roll_calamine.CHILD_MEMORY - 2 ** 28)
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, check=True, timeout=60)
    assert done.stdout.strip() == "张三", done.stderr


def test_a_text_in_many_cells_reaches_the_server_once():
    """calamine copies a shared string into every cell that shows it: a 16 KB file whose one
    string of 32,767 characters fills 7,000 cells was 700 MB of pickle, and the web worker's
    own memory went to 1.4 GB reading it back. The child sends each text once, as openpyxl
    holds it."""
    text = "张" * 1000
    data = _with_shared_strings(_workbook([[text] + [None] * 9] * 50), 1)
    data = _edit_sheet(data, lambda xml: re.sub(
        r'<c r="A(\d+)" t="inlineStr"><is><t>[^<]*</t></is></c>',
        r'<c r="A\1" t="s"><v>0</v></c>', xml))
    src = zipfile.ZipFile(io.BytesIO(data))
    name = roll_calamine.first_sheet(src)[0]
    rows = roll_calamine.read(data, name, str)
    assert len(rows) == 50 and all(row[0] is rows[0][0] for row in rows)


def test_a_sheet_full_of_fs_is_searched_for_formulas_quickly():
    """The search for formula tags (<f>, <x:f>) before a sheet is parsed a second time: a
    sheet of 40 MB of "f " (a comment; 250 KB compressed) took 3 s of the worker's time."""
    import random
    import time

    rng = random.Random(1)
    filler = "".join("f " * 250 + rng.choice("abcdefghij") for _ in range(40_000_000 // 501))
    data = _edit_sheet(_workbook(ROLL), lambda xml: xml.replace(
        "<sheetData>", f"<sheetData><!--{filler}-->", 1))
    archive = zipfile.ZipFile(io.BytesIO(data))
    for text in (b"<c><f>1</f>", b"<x:f t='shared'/>", b"<x:c><x:f\n>"):
        assert roll_xlsx._has_formula(text)
    for text in (b"f f", b"<fa>", b"if>", b"<x:filter>"):
        assert not roll_xlsx._has_formula(text)
    start = time.process_time()
    assert roll_xlsx._uncached_formulas(archive, SHEET) == []
    assert time.process_time() - start < 1


def test_a_part_with_one_overlong_token_is_refused_at_once(tmp_path):
    """expat 2.5 takes quadratic time over one long token: a 200 MB comment, zipped to about
    1 MB, kept openpyxl busy for some 25 minutes. More than 1 MB without a "<" is refused
    before any XML is parsed; a long cell text (32,767 characters) is not."""
    import time

    import random

    noise = random.Random(8).randbytes(700_000).hex()  # 1.4 MB that zips only to half
    long_text = _workbook([["楼栋", "房号"], ["1", noise[:32767]]])
    roll_xlsx.check_archive(long_text)
    for where in ("comment", "cell"):
        if where == "comment":
            data = _edit_sheet(long_text, lambda xml: xml.replace(
                "<sheetData>", "<!--" + noise + "--><sheetData>", 1))
        else:
            data = _edit_sheet(long_text, lambda xml: xml.replace(noise[:32767], noise))
        started = time.process_time()
        with pytest.raises(DomainError, match="异常长"):
            read_roll("r.xlsx", data)
        assert time.process_time() - started < 2
