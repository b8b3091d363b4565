"""Reading an owner roll file (CSV or XLSX) into rows keyed by canonical column names."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from votes.i18n import _
from votes.services.errors import DomainError, Problem
from votes.services.roll_hidden import refuse_hidden
from votes.services.roll_xlsx import UNCACHED, Number, read_sheet

COLUMNS = {
    "building": ("building", "楼栋", "楼号", "楼栋号"),
    "entrance": ("entrance", "单元", "单元号"),
    "room": ("room", "房号", "房间号", "室"),
    "area": ("area", "面积", "建筑面积", "专有面积"),
    "area_basis": ("area_basis", "面积依据"),
    "owner_name": ("owner_name", "业主姓名", "姓名", "业主名称"),
    "owner_id": ("owner_id", "证件号码", "身份证号", "身份证号码"),
    "owner_kind": ("owner_kind", "业主类型"),
    "phone": ("phone", "手机号", "手机", "联系电话"),
    # 分户账余额 is what the fund office's books and the notices call it; older sheets say
    # 维修资金余额.
    "fund_balance": ("fund_balance", "分户账余额", "维修资金余额"),
    # 首期交存额 is the 30 % rule's own term; committees' older sheets say 首次交存金额.
    "first_deposit": ("first_deposit", "首期交存额", "首次交存金额", "首次交存额"),
    "unit_kind": ("unit_kind", "房屋类型", "房屋用途", "用途"),
}
REQUIRED = ("building", "room", "area", "area_basis", "owner_name", "owner_id", "owner_kind")
_ALIASES = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}


@dataclass(frozen=True)
class RollRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]
    numeric: frozenset[str] = frozenset()  # columns whose XLSX cell held a number


def read_roll(path: str | Path, data: bytes | None = None) -> list[RollRow]:
    """Read the file; raise DomainError naming every header problem."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DomainError(_("无法读取文件 %(path)s：%(reason)s", path=str(path),
                                reason=exc.strerror)) from None
    uncached: list[tuple[int, int]] = []
    merged: list[tuple[str, int, int, int, int]] = []
    sheet = None
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".txt", ""):
        raise DomainError(_("不支持的文件类型 %(suffix)s：请使用 CSV 或 XLSX", suffix=path.suffix))
    spreadsheet = _is_workbook(path.suffix.lower(), data)
    if spreadsheet:
        sheet = read_sheet(data)
        table, uncached, merged = sheet.rows, sheet.uncached, sheet.merged
    else:
        table = csv_rows(data)
    if not table:
        raise DomainError(_("文件是空的"))
    header, problems = _map_header(table[0])
    if problems:
        raise DomainError(_("名册表头有误，未导入任何数据"), problems=problems)
    if uncached:
        _refuse_uncached(uncached, header, table[0])
    if merged:
        _refuse_merged(merged, header, table[0])
    if sheet is not None and (sheet.hidden_rows or sheet.hidden_columns):
        refuse_hidden(sheet.hidden_rows, sheet.hidden_columns, header, table)
    rows = []
    none: frozenset[str] = frozenset()
    columns = list(header.items())
    width = max(header) + 1
    for number, cells in enumerate(table[1:], start=2):
        if spreadsheet:
            values = {name: _cell(cells[index] if index < len(cells) else "")
                      for index, name in columns}
            numeric = frozenset(name for index, name in columns
                                if index < len(cells) and isinstance(cells[index], Number))
        else:
            # CSV cells are always text, so _cell() is just strip(); only spreadsheet cells
            # can hold numbers (100,000 rows: per-cell calls were a tenth of the import).
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            values = {name: cells[index].strip() for index, name in columns}
            numeric = none
        if any(values.values()):
            rows.append(RollRow(number, values, numeric))
    if not rows:
        raise DomainError(_("名册没有数据行"))
    return rows


ZIP = b"PK\x03\x04"  # an .xlsx is a ZIP
OLE2 = b"\xd0\xcf\x11\xe0"  # an .xls (Excel 97-2003) or an .et (WPS)


def _is_workbook(suffix: str, data: bytes) -> bool:
    """Whether to read the file as XLSX: by what it holds, not by its name. A workbook
    saved under a .csv name was refused as in an unknown text encoding, and a CSV under a
    .xlsx name as an XLSX that would not open, for files that read as what they are."""
    if data.startswith(OLE2):
        raise DomainError(_("这是旧版 Excel（.xls）或 WPS（.et）表格文件，无法读取：请在 Excel/WPS "
                            "中“另存为” XLSX 或 CSV（UTF-8）后再导入"))
    if data.startswith(ZIP):
        return True
    # Not a ZIP under an XLSX name: read it as a CSV if it is text, else it stays a
    # damaged XLSX (无法打开 XLSX 文件) rather than a binary file in "an unknown encoding".
    return suffix in (".xlsx", ".xlsm") and not _is_text(data)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data and not data.startswith(UTF16):
        return False
    return _decoded(data) is not None


# Excel's and WPS's "Unicode 文本 (*.txt)": UTF-16 (little-endian) with its byte-order mark.
UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decoded(data: bytes) -> str | None:
    """The file's text, or None when it is in none of the encodings a roll is saved in."""
    if data.startswith(UTF16):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.count(b"\x00") * 4 > len(data):
        # UTF-16 without its mark: GB18030 reads it, as a header missing every column.
        return None
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _map_header(cells: list) -> tuple[dict[int, str], list[Problem]]:
    header: dict[int, str] = {}
    problems = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(cells):
        if raw is UNCACHED:
            problems.append(Problem(1, _(
                "表头单元格 %(cell)s 是公式，但文件里没有保存计算结果：请在 Excel/WPS 中打开并保存后"
                "再导入，或把公式换成文字", cell=_cell_name(1, index))))
            continue
        label = _cell(raw)
        if not label:
            continue
        name = _ALIASES.get(label.lower())
        if name is None:
            continue  # extra columns (notes, etc.) are ignored
        if name in seen:
            problems.append(Problem(1, _("列 %(label)s 重复", label=label)))
        seen[name] = index
        header[index] = name
    for name in REQUIRED:
        if name not in seen:
            from votes.services.labels import column_label

            problems.append(Problem(1, _("缺少必填列 %(column)s",
                                         column=column_label(COLUMNS[name]))))
    return header, problems


def _refuse_uncached(cells: list[tuple[int, int]], header: dict[int, str], labels: list) -> None:
    """A formula cell whose result the file does not hold (written by a script, never
    opened in Excel/WPS) reads as empty: an area or a balance would be imported as missing,
    so a roll with one in a column we read is refused, every such cell named."""
    problems = [
        Problem(row + 1, _("“%(column)s”（单元格 %(cell)s）是公式，但文件里没有保存计算结果：请在 "
                           "Excel/WPS 中打开并保存后再导入，或把公式换成数值",
                           column=_cell(labels[column]), cell=_cell_name(row + 1, column)))
        for row, column in sorted(cells) if row > 0 and column in header]
    if problems:
        raise DomainError(_("名册有 %(n)s 个公式单元格没有保存计算结果，未导入任何数据",
                            n=len(problems)), problems=problems)


def _refuse_merged(ranges: list[tuple[str, int, int, int, int]], header: dict[int, str],
                   labels: list) -> None:
    """A merged range holds its value in its first cell only: the rows below a building's
    merged cell read as 楼栋为空, for cells the committee sees filled in. A roll whose
    merged ranges cover a cell of a column we read, below the header, is refused, every
    such range named, with how to fix it.

    The cells are not filled down from the first: what a merge meant is a guess, and the
    roll decides who votes and with what area. A merged balance or area over several flats
    may be their total, not each one's; a merged building may reach over a blank row or
    another block's rows; and only the first cell has the value in the file, as any other
    reader of it (a CSV saved from it) finds. Unmerging and filling is a minute in Excel/WPS,
    and the roll imported is then what the file says."""
    problems = []
    for ref, first_row, first_col, last_row, last_col in ranges:
        columns = [_cell(labels[column]) for column in range(first_col, last_col + 1)
                   if column in header and last_row >= 1
                   and (column != first_col or last_row > max(first_row, 0))]
        if columns:
            problems.append(Problem(max(first_row, 1) + 1, _(
                "单元格 %(cells)s 是合并单元格（“%(columns)s”列）：合并后只有第一个单元格有值，"
                "其余单元格读作空白。请在 Excel/WPS 中取消合并，把值填入每个单元格后再导入",
                cells=ref, columns=_("、").join(columns))))
    if problems:
        raise DomainError(_("名册有 %(n)s 处合并单元格，未导入任何数据", n=len(problems)),
                          problems=problems)


def _cell_name(row: int, index: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)}{row}"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(iter_csv_rows(data))


def iter_csv_rows(data: bytes) -> Iterator[list[str]]:
    """csv_rows one row at a time, for a reader that may stop early (a ballots file)."""
    text = _decoded(data)
    if text is None:
        raise DomainError(_("无法识别文件编码：请保存为 UTF-8 或 GB18030"))
    # Excel's and WPS's "text (tab delimited)" (*.txt) separates the cells by tabs: its
    # header read as one cell was refused as missing every column it names. The first line
    # decides (a tab inside a cell of a comma-separated file leaves it comma-separated).
    first = text.partition("\n")[0]
    tabs = "\t" in first and "," not in first
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tabs else ",")
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise DomainError(_("第 %(line)s 行附近有超过 %(limit)s 个字符的单元格，可能是引号未闭合",
                                line=reader.line_num, limit=csv.field_size_limit())) from None
        raise DomainError(_("CSV 文件第 %(line)s 行格式错误", line=reader.line_num)) from None
