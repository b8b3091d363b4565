"""calamine, a compiled XLSX reader, for the owner roll's ordinary sheets (roll_xlsx).

It reads a city's roll of 100,000 flats in about a second where openpyxl takes 9-13 s, but
it holds a sheet as one rectangle of cells and believes the sizes a file states: a single
cell claimed at XFD1048576, a second r="…" on a cell, or a shared-strings count of two
billion made it ask for hundreds of GB and abort its process. So it is given only sheets
`ordinary` vouches for, and runs in a child process with its memory capped.
"""

from __future__ import annotations

import logging
import re
import zipfile
from datetime import date, datetime, time

log = logging.getLogger(__name__)


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


def read(data: bytes, name: str, value) -> list[list] | None:
    """The sheet's values, each as `value` makes openpyxl's (None for an empty cell, datetime
    for a date), read by calamine in a child process; None where it could not say (a file it
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
             datetime.combine(v, time()) if type(v) is date else value(v) for v in row]
            for row in table]


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def first_sheet(archive: zipfile.ZipFile) -> tuple[str, str] | None:
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
# ...and the row of one holding something (a value, an inline string, a formula): calamine
# leaves a cell of only a style out, so a style taken down to row 1,000,000 is no row to it.
_HELD_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"(?:\s[^<>]{0,400})?(?<!/)>\s*<(?:v>[^<]|is>|f[\s/>])')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
# Every attribute named r (a prefixed one too): each <c r="…"> and <row r="…"> holds one, and
# one more anywhere (a second r="XFD1048576" on a cell, which calamine takes) is too many.
_ANY_R = re.compile(rb"[\s:\"']r\s*=")
# ...but for the one namespace declaration Excel and WPS put on every sheet's root element
# (xmlns:r, for r:id links), which _ANY_R counts too and calamine does not take for a position.
_R_NAMESPACE = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_ERROR = re.compile(rb"\st\s*=\s*[\"']e[\"']")


def ordinary(archive: zipfile.ZipFile, member: str, max_rows: int, max_columns: int) -> bool:
    """Whether calamine may read the sheet: every cell tag is <c r="…"> with a well-formed
    position and no other attribute named r (a tag anywhere that is not, a comment's too,
    and the sheet is not ordinary: so is text holding " r=", read then by openpyxl), all
    within max_rows and max_columns, the rectangle from A1 to the
    farthest cell not more than four times the cells there are, and no cell holds an error
    (#REF!, #N/A: calamine reads one as empty, openpyxl as its text, which the roll
    refuses). Rows are those of cells holding something: only styled, a cell is not one. Regular expressions over the sheet's bytes: half a second for 100,000 flats."""
    cells = placed = last_row = positions = numbered_rows = 0
    wide: set[bytes] = set()
    from votes.services.roll_xlsx_rows import whole_tags

    for text, _final in whole_tags(archive, member):
        if _PREFIXED_CELL.search(text) or _ERROR.search(text):
            return False
        cells += len(_CELL.findall(text))
        positions += len(_ANY_R.findall(text)) - text.count(_R_NAMESPACE)
        numbered_rows += text.count(b'<row r="')
        placed += len(_PLACED_ROW.findall(text))
        rows = _HELD_ROW.findall(text)
        if rows:
            last_row = max(last_row, max(map(int, rows)))
        wide.update(_WIDE_COLUMN.findall(text))
    last_column = max((_column_number(letters) for letters in wide), default=26)
    if cells != placed or positions != cells + numbered_rows:
        return False
    if last_row > max_rows or last_column > max_columns:
        return False
    return last_row * last_column <= 4 * cells + 1000


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number
