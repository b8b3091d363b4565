"""How far down a roll's sheet its values go, told from the sheet's XML before any reader
parses it (votes/services/roll_xlsx.py).

A sheet of a million rows holding values was refused as too long only once openpyxl had
parsed 200,001 of them: 23-30 s of a worker's time (gunicorn's timeout is 30 s) for an upload
of a few MB. A row only formatted (a style or a border taken down to row 1,000,000, a cell
with a style and no value) is no row of the roll: the readers read it as empty and the roll
ends before it, so it counts for nothing here either. What counts is a value: a <v> or an
inline string's <t> holding text. A formula is left out (its value, when the file has one,
is a <v>); a shared string that is empty counts (telling it would mean reading the shared
strings): a sheet of more than 200,000 rows of those is refused, where the readers would
have read it as empty rows after a shorter roll. Regular expressions over the sheet's
bytes, one look per row: a second or two for a million rows, none of them parsed."""

from __future__ import annotations

import re
import zipfile

_PREFIX = rb"(?:[A-Za-z_][-.\w]{0,30}:)?"
# A <row …> start tag, its attributes bounded (and stopping at "<") so that a part full of
# "<row " is searched in linear time; what follows it up to the next one is its content.
_ROW = re.compile(rb"<" + _PREFIX + rb"row(?=[\s/>])([^<>]{0,4000})>")
_NUMBER = re.compile(rb'(?:^|\s)r\s*=\s*["\']\s*([0-9]{1,9})\s*["\']')
# A value element holding text: <v>12</v>, an inline string's <t>张三</t> (<x:v> too).
_VALUE = re.compile(rb"<" + _PREFIX + rb"[vt](?:\s[^<>]{0,400})?>[^<]")
_END = re.compile(rb"</" + _PREFIX + rb"sheetData\s*>")


def whole_tags(archive: zipfile.ZipFile, member: str):
    """The part `member` in pieces of about 4 MB, each cut before a "<" so that no tag is
    split between two (a regular expression sees each tag whole): (piece, whether last)."""
    with archive.open(member) as source:
        tail = b""
        while True:
            chunk = source.read(1 << 22)
            text = tail + chunk
            cut = text.rfind(b"<") if chunk else -1
            cut = len(text) if cut < 0 else cut
            yield text[:cut], not chunk
            if not chunk:
                return
            tail = text[cut:]


def last_row_held(archive: zipfile.ZipFile, member: str, above: int | None = None) -> int:
    """The number of the sheet part `member`'s last row holding a value, numbering rows as
    openpyxl does (a row's r="…", else one after the row before); 0 for none. With `above`,
    a number past it as soon as one is found (the rest of the sheet is not looked at)."""
    last = row = 0
    for text, final in whole_tags(archive, member):
        end = _END.search(text)  # what follows the rows (an extLst's <xm:f>) is no cell
        if end:
            text = text[:end.start()]
        pieces = _ROW.split(text)  # what the row before holds, then (attributes, content)
        if row and _VALUE.search(pieces[0]):
            last = max(last, row)
        for attributes, content in zip(pieces[1::2], pieces[2::2]):
            number = _NUMBER.search(attributes)
            row = int(number.group(1)) if number else row + 1
            if content and not attributes.endswith(b"/") and _VALUE.search(content):
                last = max(last, row)
        if end or final or (above is not None and last > above):
            return last
    return last
