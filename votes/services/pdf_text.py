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
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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


# Body rows of one table. reportlab measures the rest of a table again at every page where
# it splits it, so one table of every unit is quadratic in the units (20,000 rows: 49 s
# plain, about 90 s with wrapped cells, longer than a proxy waits); in tables of 200 rows
# each with its header the time is linear (9 s). A page where one table ends and the next
# begins shows the header twice.
TABLE_ROWS = 200


def table_pieces(rows: list) -> list[list]:
    """`rows` (a header row, then the body) as the rows of tables of at most TABLE_ROWS body
    rows, each starting with the header."""
    header, body = rows[0], rows[1:]
    return [[header] + body[start:start + TABLE_ROWS]
            for start in range(0, max(len(body), 1), TABLE_ROWS)]
