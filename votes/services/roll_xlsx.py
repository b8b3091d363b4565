"""The first sheet of an owner roll's XLSX, as Excel last computed its values.

An ordinary sheet (every cell names its own position, all within bounds and about as many
cells as its rectangle holds, no error values) is read by calamine in a child process
(votes/services/roll_calamine.py): a city's roll of 100,000 flats in about a second, where
openpyxl took 9-13 s. Any other sheet, or one calamine fails on, is read by openpyxl, cell by
cell within the bounds. Both readers give the same values (tests/test_roll_xlsx.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import NamedTuple

from votes.core.bidi import shown
from votes.i18n import _
from votes.services import roll_calamine
from votes.services.errors import DomainError
from votes.services.roll_xlsx_rows import last_row_held


# An owner roll is a few MB of sheet XML; a zip bomb is far more, or far more compressed.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ROWS = 200_000
MAX_COLUMNS = 100


def check_archive(data: bytes) -> None:
    """Refuse an XLSX whose ZIP would expand too far, before any XML is parsed."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # zipfile raises many types for a damaged archive (even NotImplementedError)
        raise DomainError(_("无法打开 XLSX 文件")) from None
    total = sum(m.file_size for m in members)
    squeezed = max(sum(m.compress_size for m in members), 1)
    if total > MAX_UNCOMPRESSED or (total > 1024 * 1024 and total / squeezed > MAX_RATIO):
        raise DomainError(_("XLSX 文件解压后过大，拒绝读取；请另存为 CSV 后上传"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            long_token = any(_longest_token_over(archive, member, MAX_TOKEN)
                             for member in members
                             if member.filename.lower().endswith((".xml", ".rels")))
    except Exception:  # a damaged member (bad header, bad deflate data, bad CRC)
        raise DomainError(_("无法打开 XLSX 文件")) from None
    if long_token:
        raise DomainError(_("XLSX 文件中有异常长的内容，拒绝读取；请另存为 CSV 后上传"))


# The most bytes between two "<" in a part's XML. A cell holds at most 32,767 characters
# (about 100 KB); the expat this Python has (2.5) takes quadratic time over one long token:
# a 1 MB upload holding a 200 MB comment would keep a worker busy for 25 minutes.
MAX_TOKEN = 1024 * 1024


def _longest_token_over(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bool:
    """Whether the part holds more than `limit` bytes without a "<" anywhere."""
    run = 0  # bytes since the last "<", carried from one chunk to the next
    with archive.open(member) as source:
        while chunk := source.read(1 << 20):
            parts = chunk.split(b"<")
            if len(parts) == 1:
                run += len(chunk)
            elif run + len(parts[0]) > limit or max(map(len, parts[1:-1]), default=0) > limit:
                return True
            else:
                run = len(parts[-1])
            if run > limit:
                return True
    return False


class Number(str):
    """Text of a cell that Excel held as a number (it may have lost digits)."""


class _Uncached:
    def __repr__(self) -> str:
        return "UNCACHED"


UNCACHED = _Uncached()  # a formula cell the file holds no computed value for


class Sheet(NamedTuple):
    rows: list[list]
    uncached: list[tuple[int, int]]
    merged: list[tuple[str, int, int, int, int]]  # see _scan
    hidden_rows: frozenset[int] = frozenset()  # 1-based, as the sheet numbers them
    hidden_columns: tuple[tuple[int, int], ...] = ()  # 1-based (first, last) ranges


def sheet_rows(data: bytes) -> tuple[list[list], list[tuple[int, int]]]:
    """The first sheet's values (as Excel last computed them; numbers as Number, empty
    cells None), and where (0-based row and column) a formula's result is missing: such a
    cell holds UNCACHED instead of None."""
    sheet = read_sheet(data)
    return sheet.rows, sheet.uncached


def read_sheet(data: bytes) -> Sheet:
    """sheet_rows, and the sheet's merged ranges."""
    check_archive(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = roll_calamine.first_sheet(archive)
            if sheet is not None and last_row_held(archive, sheet[1], MAX_ROWS) > MAX_ROWS:
                raise DomainError(_("XLSX 文件超过 %(n)s 行", n=MAX_ROWS))  # before parsing it
            rows = None
            if sheet is not None and roll_calamine.ordinary(archive, sheet[1], MAX_ROWS + 1,
                                                            MAX_COLUMNS):
                rows = roll_calamine.read(data, sheet[0], _value)  # its values are final
            if rows is None:
                rows, member = _openpyxl_rows(data)
                rows = [[_unescaped(v) if type(v) is str else _value(v) for v in row]
                        for row in rows]
            else:
                member = sheet[1]
            has_formula, merged, hidden_rows, hidden_columns = _scan(archive, member)
            missing = _uncached_formulas(archive, member, has_formula)
            sheets = _sheets(archive)
    except DomainError:
        raise
    except Exception:  # the readers raise many types for a damaged file
        raise DomainError(_("无法打开 XLSX 文件")) from None
    uncached = []
    for row, column in missing:
        while len(rows) <= row:
            rows.append([])
        cells = rows[row]
        if len(cells) <= column:
            cells.extend([None] * (column + 1 - len(cells)))
        if cells[column] is None:
            cells[column] = UNCACHED
            uncached.append((row, column))
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    _refuse_unseen_first_sheet(sheets, bool(rows))
    if len(rows) > MAX_ROWS:
        raise DomainError(_("XLSX 文件超过 %(n)s 行", n=MAX_ROWS))
    return Sheet(rows, uncached, merged, hidden_rows, hidden_columns)


def _sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, state) of the workbook's sheets in order, as xl/workbook.xml lists them;
    empty when it cannot be read (the readers found the sheet their own way)."""
    from openpyxl.xml.functions import fromstring

    try:
        listed = fromstring(archive.read("xl/workbook.xml")).find(
            f"{roll_calamine._NS_MAIN}sheets")
    except Exception:  # no such part, or not XML: nothing to say of the sheets
        return []
    return [(sheet.get("name", ""), sheet.get("state", "visible")) for sheet in listed or ()]


def _refuse_unseen_first_sheet(sheets: list[tuple[str, str]], has_rows: bool) -> None:
    """The roll is the first sheet. Said so when the committee cannot see that it is: a
    first sheet that is hidden (its rows would be imported unseen, or refused as missing
    every column), or an empty first sheet before others (refused as 文件是空的, with the
    roll in plain sight on the next tab)."""
    if not sheets:
        return
    name, state = sheets[0]
    if state != "visible":
        raise DomainError(_("名册从第一个工作表读取，而第一个工作表“%(name)s”是隐藏的：请在 "
                            "Excel/WPS 中把名册所在的工作表移到最前面后保存，再导入",
                            name=shown(name, 40)))
    if not has_rows and len(sheets) > 1:
        raise DomainError(_("名册从第一个工作表读取，而第一个工作表“%(name)s”是空的：请在 "
                            "Excel/WPS 中把名册所在的工作表移到最前面后保存，再导入",
                            name=shown(name, 40)))


def _openpyxl_rows(data: bytes) -> tuple[list[list], str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    # Bounded: a sheet that claims a cell at XFD1048576 would otherwise be padded out to
    # seventeen billion empty cells.
    rows = [list(row) for row in sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS,
                                                 values_only=True)]
    member = sheet._worksheet_path  # openpyxl keeps no public name for the sheet's part
    workbook.close()
    return rows, member


# How a formula element opens in sheet XML, with or without a namespace prefix (<f>, <x:f t=...>).
# A sheet with neither "<f" nor ":f" (nearly every roll) is passed over at memchr's speed; the
# regular expression, in C, looks at the rest. A look in Python at each "f " found took 15 s
# of a worker's time for a 1 MB upload whose sheet was 200 MB of "f f f".
_FORMULA_TAG = re.compile(rb"<f[\s/>]|:f[\s/>]")


def _has_formula(text: bytes) -> bool:
    return (b"<f" in text or b":f" in text) and _FORMULA_TAG.search(text) is not None


def _uncached_formulas(archive: zipfile.ZipFile, member: str,
                       has_formula: bool | None = None) -> list[tuple[int, int]]:
    """Cells (0-based row, column; within the bounds read) of the sheet part `member` that
    hold a formula but no computed value: no <v>, or an empty one that is not a formula's
    empty text (t="str"). A file Excel or WPS saved has values throughout; openpyxl and
    other scripts write formulas without. A sheet with no formula at all (nearly every
    roll) costs one pass over its decompressed bytes, not a second parse."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.functions import iterparse

    if has_formula is None:
        has_formula = _scan(archive, member)[0]
    if not has_formula:
        return []
    found = []
    row = column = 0
    with archive.open(member) as source:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            name = tag[tag.rfind("}") + 1:]
            if event == "start":
                if name == "row":  # as openpyxl counts rows without r="…"
                    number = element.get("r")
                    row = int(number) if number else row + 1
                    column = 0
                    if row > MAX_ROWS + 1:
                        break
                continue
            if name == "c":
                reference = element.get("r")
                if reference:
                    at, column = coordinate_to_tuple(reference)
                else:
                    at, column = row, column + 1
                prefix = tag[:len(tag) - 1]
                if (element.find(prefix + "f") is not None and column <= MAX_COLUMNS
                        and 1 <= at <= MAX_ROWS + 1):
                    value = element.find(prefix + "v")
                    if value is None or not (value.text or element.get("t") == "str"):
                        found.append((at - 1, column - 1))
                element.clear()
            elif name == "row":
                element.clear()
    return found


# <mergeCell ref="A2:A5"/>, with or without a namespace prefix. The attributes' length is
# bounded so that a part full of "<mergeCell " is searched in linear time.
_MERGE = re.compile(rb'<(?:[A-Za-z_][-.\w]{0,30}:)?mergeCell\s[^>]{0,200}?\bref='
                    rb'["\']([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)["\']')


# A <row …> or <col …> start tag, with or without a namespace prefix, its attributes bounded
# (and stopping at "<") so that a part full of "<row " is searched in linear time; and the
# attributes of one that say how it is shown.
_ROW_TAG = re.compile(rb'<(?:[A-Za-z_][-.\w]{0,30}:)?row\s([^<>]{0,4000})>')
_COL_TAG = re.compile(rb'<(?:[A-Za-z_][-.\w]{0,30}:)?col\s([^<>]{0,4000})>')
_SHOWN = re.compile(rb'(?:^|\s)(r|hidden|ht|min|max|width)\s*=\s*["\']([^"\'<>]{0,40})["\']')
# A height or width of 0 (as float() reads one): with "hidden", what makes a part's rows
# worth a look. Nearly every roll has neither, and its 100,000 rows are not looked at one
# by one.
_ZERO = re.compile(rb'(?:ht|width)\s*=\s*["\']\s*[+-]?[0.]+(?:[eE][+-]?[0-9]+)?\s*["\']')
_TAIL = 4352  # more than a tag the expressions above match spans


class _Scan(NamedTuple):
    formula: bool
    merged: list[tuple[str, int, int, int, int]]
    hidden_rows: frozenset[int]
    hidden_columns: tuple[tuple[int, int], ...]


def _unseen(attributes: bytes, size: bytes) -> dict[bytes, bytes] | None:
    """A row's or a column's attributes, when Excel and WPS do not show it: hidden (a
    filter hides rows so too), or of height (width) 0."""
    found = dict(_SHOWN.findall(attributes))
    if found.get(b"hidden", b"").lower() in (b"1", b"true"):
        return found
    try:
        return found if size in found and float(found[size]) == 0 else None
    except ValueError:
        return None


def _scan(archive: zipfile.ZipFile, member: str) -> _Scan:
    """One pass over the sheet part `member`'s decompressed bytes (its decompression is
    most of a pass's time): whether it may hold a formula, its merged ranges in sheet
    order as (reference, first row, first column, last row, last column), 0-based (only a
    range's first cell holds its value in the file; the others read as empty, where Excel
    shows them filled), and the rows and columns Excel and WPS do not show. A hidden row
    with no r="…" (no program writes one) is row 0: somewhere."""
    from openpyxl.utils.cell import range_boundaries

    formula = False
    found: dict[bytes, None] = {}
    rows: set[int] = set()
    columns: set[tuple[int, int]] = set()
    with archive.open(member) as source:
        tail = b""
        while chunk := source.read(1 << 20):
            text = tail + chunk
            formula = formula or _has_formula(text)
            if b"mergeCell" in text:
                found.update(dict.fromkeys(_MERGE.findall(text)))
            unseen = b"hidden" in text or _ZERO.search(text) is not None
            for attributes in _ROW_TAG.findall(text) if unseen else ():
                if (row := _unseen(attributes, b"ht")) is not None:
                    number = row.get(b"r", b"")
                    rows.add(int(number) if number.isdigit() and len(number) <= 7 else 0)
            for attributes in _COL_TAG.findall(text) if unseen else ():
                if (col := _unseen(attributes, b"width")) is not None:
                    first, last = col.get(b"min", b""), col.get(b"max", b"")
                    if first.isdigit() and len(first) <= 5:
                        last = last if last.isdigit() and len(last) <= 5 else first
                        columns.add((int(first), int(last)))
            tail = text[-_TAIL:]
    ranges = []
    for ref in found:
        text = ref.decode().upper()
        col_a, row_a, col_b, row_b = range_boundaries(text)
        ranges.append((text, min(row_a, row_b) - 1, min(col_a, col_b) - 1,
                       max(row_a, row_b) - 1, max(col_a, col_b) - 1))
    return _Scan(formula, ranges, frozenset(rows), tuple(sorted(columns)))


# A character XML cannot hold as itself (a carriage return, which XML reads as a line feed)
# is written _x000D_ in a cell's text, and "_x005F_" is a "_" that begins such text. Excel,
# WPS and calamine show the character; openpyxl keeps the escape (a name pasted with its line
# ending read as "张三_x000D_"). As calamine reads them: a surrogate is left as written.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescaped(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: m.group(0) if 0xD800 <= int(m.group(1), 16) <= 0xDFFF
                        else chr(int(m.group(1), 16)), text)


def _value(value):
    # Excel stores 89.5 as a float; keep its shortest decimal text so "at most 2 decimals"
    # is judged on what the user typed, not on binary noise. A formula's result is stored
    # as the exact double (30.1+45.17 is 75.27000000000001); Excel shows, and lets one type,
    # 15 significant digits, so the value is first cut to those: 75.27, as the sheet shows.
    if isinstance(value, float):
        value = float(f"{value:.15g}")
        return Number(repr(value) if not value.is_integer() else str(int(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return Number(str(value))
    return value
