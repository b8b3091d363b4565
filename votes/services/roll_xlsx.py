"""The first sheet of an owner roll's XLSX, as Excel last computed its values.

An ordinary sheet (every cell names its own position, all within bounds and about as many
cells as its rectangle holds, no error values) is read by calamine, a compiled reader, in a
child process: a city's roll of 100,000 flats in about a second, where openpyxl took 9-13 s.
Any other sheet, or one calamine fails on, is read by openpyxl, cell by cell within the
bounds. calamine holds a sheet as one rectangle of cells and believes the sizes a file
states: a single cell claimed at XFD1048576, or a shared-strings count of two billion, made
it ask for hundreds of GB and abort its process, which is why that process is a child with
its memory capped. Both readers give the same values (tests/test_roll_xlsx.py).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import date, datetime, time

from votes.i18n import _
from votes.services.errors import DomainError

log = logging.getLogger(__name__)

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
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels")) and \
                    _longest_token_over(archive, member, MAX_TOKEN):
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


def sheet_rows(data: bytes) -> tuple[list[list], list[tuple[int, int]]]:
    """The first sheet's values (as Excel last computed them; numbers as Number, empty
    cells None), and where (0-based row and column) a formula's result is missing: such a
    cell holds UNCACHED instead of None."""
    check_archive(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = _first_sheet(archive)
            rows = None
            if sheet is not None and _ordinary(archive, sheet[1]):
                rows = _calamine_rows(data, sheet[0])  # its values are final
            if rows is None:
                rows, member = _openpyxl_rows(data)
                rows = [[_unescaped(v) if type(v) is str else _value(v) for v in row]
                        for row in rows]
            else:
                member = sheet[1]
            missing = _uncached_formulas(archive, member)
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
    if len(rows) > MAX_ROWS:
        raise DomainError(_("XLSX 文件超过 %(n)s 行", n=MAX_ROWS))
    return rows, uncached


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


# calamine runs in a child process of its own, with its memory capped: it trusts sizes a
# file states (a shared-strings count of two billion, a second r="XFD1048576" on a cell)
# and a Rust allocation that fails aborts the whole process. A server worker would take
# every owner's request in its threads down with it; the child only takes itself, and
# openpyxl then reads the sheet.
_CHILD = """
import io, pickle, resource, sys
# Not above a cap the server already runs under (a container's, systemd's LimitAS=): asking
# for more than that hard limit is refused, and the child would never read a sheet.
hard = resource.getrlimit(resource.RLIMIT_AS)[1]
cap = %d if hard == resource.RLIM_INFINITY else min(%d, hard)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from python_calamine import CalamineWorkbook
workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
name = sys.argv[1]
table = None
if name in workbook.sheet_names:
    # From A1, as openpyxl counts rows and columns: the roll's row numbers in messages.
    table = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    # One text for all its cells (calamine gives each cell a copy: one shared string of
    # 32,767 characters in 7,000 cells, a 16 KB file, was 700 MB for the server to read back).
    seen = {}
    table = [[seen.setdefault(v, v) if type(v) is str else v for v in row] for row in table]
sys.stdout.buffer.write(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
"""
CHILD_MEMORY = 3 * 1024 ** 3
CHILD_SECONDS = 20  # under gunicorn's 30 s worker timeout; openpyxl is the way after it


def _calamine_rows(data: bytes, name: str) -> list[list] | None:
    """The sheet's values as _value makes openpyxl's (None for an empty cell, datetime for
    a date), read by calamine in a child process; None where it could not say (a file it
    refuses or that makes it fail), and openpyxl reads the sheet."""
    import pickle
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD % (CHILD_MEMORY, CHILD_MEMORY), name],
            input=data, capture_output=True, timeout=CHILD_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        log.warning("roll XLSX: calamine took over %s s; openpyxl reads the sheet", CHILD_SECONDS)
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("roll XLSX: calamine could not start (%s); openpyxl reads the sheet",
                    type(exc).__name__)
        return None
    if done.returncode != 0:
        # The exit status (a negative one is the signal: -6, an abort), and Rust's words for
        # a failed allocation or the error's name from the last line (MemoryError,
        # ModuleNotFoundError), never an error's text: it may quote a cell.
        stderr = done.stderr.decode(errors="replace")
        said = re.search(r"memory allocation of \d+ bytes failed", stderr)
        said = said.group(0) if said else (stderr.strip().splitlines() or [""])[-1].split(":")[0]
        log.warning("roll XLSX: calamine's process failed (status %s, %s); openpyxl reads "
                    "the sheet", done.returncode,
                    said if re.fullmatch(r"[A-Za-z0-9_. ]{1,80}", said) else "no message")
        return None
    table = pickle.loads(done.stdout)  # made by the child above from plain values only
    if table is None:
        return None
    return [[None if v == "" else
             datetime.combine(v, time()) if type(v) is date else _value(v) for v in row]
            for row in table]


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str] | None:
    """(name, part) of the workbook's first sheet, if it is a worksheet found where the
    workbook says; None otherwise (openpyxl then finds it its own way)."""
    from openpyxl.xml.functions import fromstring

    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    sheets = fromstring(archive.read("xl/workbook.xml")).find(
        f"{_NS_MAIN}sheets")
    first = sheets[0] if sheets is not None and len(sheets) else None
    if first is None:
        return None
    relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    # Every relation of that Id: a second one (a damaged or crafted file) is where calamine
    # and openpyxl find the sheet, not the first, which the guard would then have checked.
    found = [relation for relation in relations.iter(f"{_NS_PACKAGE}Relationship")
             if relation.get("Id") == first.get(f"{_NS_REL}id")]
    if len(found) != 1 or not found[0].get("Type", "").endswith("/worksheet"):
        return None
    target = found[0].get("Target", "")
    part = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return (first.get("name", ""), part) if part in names else None


# What calamine is given: cells written as Excel, WPS, LibreOffice and openpyxl write them,
# their position first in double quotes (<c r="B12" …>). Anything else (a prefixed <x:c>, a
# cell without its position or with it elsewhere, a lower-case one) goes to openpyxl.
_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_PLACED_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
# Every attribute named r (a prefixed one too): each <c r="…"> and <row r="…"> holds one, and
# one more anywhere (a second r="XFD1048576" on a cell, which calamine takes) is too many.
_ANY_R = re.compile(rb"[\s:\"']r\s*=")
# ...but for the one namespace declaration Excel and WPS put on every sheet's root element
# (xmlns:r, for r:id links), which _ANY_R counts too and calamine does not take for a position.
_R_NAMESPACE = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ERROR = re.compile(rb"\st\s*=\s*[\"']e[\"']")


def _ordinary(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether calamine may read the sheet: every cell tag is <c r="…"> with a well-formed
    position and no other attribute named r (a tag anywhere that is not, a comment's too,
    and the sheet is not ordinary: so is text holding " r=", read then by openpyxl), all
    within MAX_ROWS + 1 rows and MAX_COLUMNS columns, the rectangle from A1 to the
    farthest cell not more than four times the cells there are, and no cell holds an error
    (#REF!, #N/A: calamine reads one as empty, openpyxl as its text, which the roll
    refuses). Regular expressions over the sheet's bytes: half a second for 100,000 flats."""
    cells = placed = last_row = positions = numbered_rows = 0
    wide: set[bytes] = set()
    with archive.open(member) as source:
        tail = b""
        while True:
            chunk = source.read(1 << 22)
            text = tail + chunk
            cut = text.rfind(b"<") if chunk else -1
            cut = len(text) if cut < 0 else cut
            text, tail = text[:cut], text[cut:]  # a tag is never split between two scans
            if _PREFIXED_CELL.search(text) or _ERROR.search(text):
                return False
            cells += len(_CELL.findall(text))
            positions += len(_ANY_R.findall(text)) - text.count(_R_NAMESPACE)
            numbered_rows += text.count(b'<row r="')
            rows = _PLACED_ROW.findall(text)
            placed += len(rows)
            if rows:
                last_row = max(last_row, max(map(int, rows)))
            wide.update(_WIDE_COLUMN.findall(text))
            if not chunk:
                break
    last_column = max((_column_number(letters) for letters in wide), default=26)
    if cells != placed or positions != cells + numbered_rows:
        return False
    if last_row > MAX_ROWS + 1 or last_column > MAX_COLUMNS:
        return False
    return last_row * last_column <= 4 * cells + 1000


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# How a formula element opens in sheet XML, with or without a namespace prefix (<f>, <x:f t=...>).
# A sheet with neither "<f" nor ":f" (nearly every roll) is passed over at memchr's speed; the
# regular expression, in C, looks at the rest. A look in Python at each "f " found took 15 s
# of a worker's time for a 1 MB upload whose sheet was 200 MB of "f f f".
_FORMULA_TAG = re.compile(rb"<f[\s/>]|:f[\s/>]")


def _has_formula(text: bytes) -> bool:
    return (b"<f" in text or b":f" in text) and _FORMULA_TAG.search(text) is not None


def _uncached_formulas(archive: zipfile.ZipFile, member: str) -> list[tuple[int, int]]:
    """Cells (0-based row, column; within the bounds read) of the sheet part `member` that
    hold a formula but no computed value: no <v>, or an empty one that is not a formula's
    empty text (t="str"). A file Excel or WPS saved has values throughout; openpyxl and
    other scripts write formulas without. A sheet with no formula at all (nearly every
    roll) costs one pass over its decompressed bytes, not a second parse."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.functions import iterparse

    with archive.open(member) as source:
        tail = b""
        while chunk := source.read(1 << 20):
            if _has_formula(tail + chunk):
                break
            tail = chunk[-2:]
        else:
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
    # is judged on what the user typed, not on binary noise.
    if isinstance(value, float):
        return Number(repr(value) if not value.is_integer() else str(int(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return Number(str(value))
    return value
