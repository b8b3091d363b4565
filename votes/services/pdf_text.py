"""Fonts and text for every PDF the app writes: an embedded Chinese font, escaped markup.

A PDF that only *names* a Chinese font (the CID font STSong-Light) relies on the reader's
machine: a print shop's or a regulator's Linux box without Chinese fonts shows boxes and
drops digits. So every PDF embeds a subset of WenQuanYi Micro Hei (TrueType outlines,
Apache-2.0), which the project installs from the package index (paperang-p2-fonts-cjk ships
the same file as Debian's fonts-wqy-microhei), and uses no other font, not even for Latin
text (reportlab's default Helvetica is not embedded either).
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Callable
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable

FONT = "WenQuanYiMicroHei"
MONO = "WenQuanYiMicroHeiMono"  # the second face of the same collection, for web addresses
_FACES = {FONT: 0, MONO: 1}


def font_file() -> str:
    return str(resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc")


def register_fonts() -> str:
    """Register the embedded faces once; returns the name of the text face."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, index in _FACES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, font_file(), subfontIndex=index))
    return FONT


_GLYPHS: set[int] = set()


def unprintable(text: str) -> str:
    """The characters of `text` the embedded font has no glyph for (they print as empty
    boxes: CJK Extension A and B, many symbols), each once, in order; "" if none. Line
    breaks and tabs are not drawn and are not counted."""
    if not _GLYPHS:
        register_fonts()
        _GLYPHS.update(pdfmetrics.getFont(FONT).face.charToGlyph)
    missing = dict.fromkeys(c for c in text if ord(c) not in _GLYPHS and c not in "\n\r\t")
    return "".join(missing)


def markup(value: object) -> str:
    """Text for reportlab's Paragraph markup: every user string goes through here, so a
    title like '<img src="/etc/passwd"/>' or '<a href=...>' prints literally instead of
    reading files, fetching URLs or adding links to an official notice."""
    return escape(str(value))


# Body rows measured at a time, at first (then as many as the last page held, and a few):
# reportlab measures the rest of a table again at every page where it splits it, so one table
# of every unit is quadratic in the units (20,000 rows: 49 s plain, about 90 s with wrapped
# cells, longer than a proxy waits). long_table measures a page's worth and a little more.
TABLE_ROWS = 64
# A row this tall (a fund application's fifteen long repair items in one cell) is split
# inside when it does not fit: moved whole it could be taller than any page (LayoutError,
# nothing printed). Shorter rows move whole, fitting on any fresh page.
TALL_ROW = 210  # points, a quarter of A4


def long_table(rows: list, make: Callable[[list], Any]) -> Any:
    """One flowable drawing `rows` (a header row, then the body) as the tables `make(rows)`
    builds (a reportlab Table with repeatRows=1, no spanned cells), one a page, the header
    once at the top of each. Tables of a fixed number of rows each printed their header
    wherever one began, mid-page too: a stray header row among the flats, or above 合计."""
    return _LongTable(rows[0], rows[1:], make, TABLE_ROWS)


class _LongTable(Flowable):
    def __init__(self, header: list, body: list, make: Callable[[list], Any], count: int):
        super().__init__()
        self.header, self.body, self.make, self.count = header, body, make, max(count, 1)
        self._laid: tuple | None = None

    def _window(self, width: float, height: float):
        """The table of the header and the body's first rows, more than fill `height` (or
        all of them), wrapped at this size, with the rows' heights."""
        if self._laid and self._laid[0] == (width, height):
            return self._laid[1]
        count = self.count
        while True:
            table = self.make([self.header] + self.body[:count])
            size = table.wrap(width, height)
            if count >= len(self.body) or size[1] > height:
                break
            count *= 2
        self.hAlign = table.hAlign
        self._laid = ((width, height), (table, size))
        return table, size

    def wrap(self, availWidth, availHeight):
        # Taller than the page whenever the window holds only part of the body: the frame
        # then asks for a split.
        return self._window(availWidth, availHeight)[1]

    def split(self, availWidth, availHeight):
        table, (_, height) = self._window(availWidth, availHeight)
        if height <= availHeight:
            return [table]
        # The rows that fit, from the heights just measured: Table.split would measure the
        # whole window again. Our tables span no cells, so any row boundary will do.
        heights = table._rowHeights
        used, fit = heights[0], 0
        for h in heights[1:]:
            if used + h > availHeight:
                break
            used, fit = used + h, fit + 1
        if not fit:
            return self._split_in_row(availWidth, availHeight) if heights[1] > TALL_ROW else []
        return [self.make([self.header] + self.body[:fit]),
                _LongTable(self.header, self.body[fit:], self.make, fit + 8)]

    def _split_in_row(self, width: float, height: float) -> list:
        """The first body row, too tall to move whole, cut where the space ends; then the
        rest of it and the rows after it."""
        table = self.make([self.header] + self.body[:1])
        table.splitInRow = 1
        table.wrap(width, height)
        parts = table.split(width, height)
        if len(parts) != 2:
            return []
        # The rest of the row (the second piece's row under its repeated header) goes on
        # with the rows after it, under one header.
        rest = [list(parts[1]._cellvalues[1]), *self.body[1:]]
        return [parts[0], _LongTable(self.header, rest, self.make, self.count)]

    def draw(self):
        self._laid[1][0].drawOn(self.canv, 0, 0)
