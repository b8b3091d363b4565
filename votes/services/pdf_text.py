"""Fonts and text for every PDF the app writes: an embedded Chinese font, escaped markup.

A PDF that only *names* a Chinese font (the CID font STSong-Light) relies on the reader's
machine: a print shop's or a regulator's Linux box without Chinese fonts shows boxes and
drops digits. So every PDF embeds a subset of WenQuanYi Micro Hei (TrueType outlines,
Apache-2.0), which the project installs from the package index (paperang-p2-fonts-cjk ships
the same file as Debian's fonts-wqy-microhei), and uses no other font, not even for Latin
text (reportlab's default Helvetica is not embedded either).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any, Callable, Sequence
from unicodedata import category
from xml.sax.saxutils import escape

from reportlab.lib.textsplit import ALL_CANNOT_START
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable
from reportlab.platypus import paragraph as _rl
from reportlab.rl_config import _FUZZ

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


# reportlab's CJK wrapping (wordWrap="CJK", every paragraph here) ends a line before any
# Chinese character that does not fit, and inside Latin text at a space: "共 3" / "户",
# "654.75" / "m²", "12,500.0" / "0 元" (a long figure is cut half a line back). Joining them
# with U+2060 WORD JOINER does not help (reportlab breaks before the Chinese character all
# the same, and the embedded font has no glyph for it: a box), and U+00A0 is a space to it.
# So no line starts inside a figure or between a figure and its unit: the line ends before
# the figure instead (unless the figure alone is wider than a line).
_UNITS = ("m²|m2|㎡|平方米|万元|元|户|人|名|位|栋|幢|座|号楼|号|单元|室|层|天|日|年|月|时|分|"
          "秒|个|项|份|张|票|次|条|页|笔|处|倍|%|％")
_FIGURE = re.compile(rf"[¥￥]?[0-9](?:[0-9,.:/-]*[0-9])?(?:[ \u00a0]?(?:{_UNITS}))?")
# Chinese punctuation no line may start with (reportlab's list has 、 and 。 but not these).
# Where one falls at a line end, the character before it goes down with it rather than the
# mark hanging past the margin, which in a narrow table cell would cross the rule.
_NO_START_CJK = frozenset("，；：？！）》」』〉”’") - frozenset(ALL_CANNOT_START)
# Every mark no line starts with, Latin punctuation aside: where marks follow one another
# ("），", "。”", "」』"), those after the one that went down or hung go down with it.
_CLOSING = _NO_START_CJK | frozenset(c for c in ALL_CANNOT_START if ord(c) >= 0x2000)
# And opening brackets and quotes no line may end with: they go down with the words they
# open ("…09:00（" / "北京时间）" read as a stray mark at the margin). ASCII ( and [ too
# before Chinese text or a figure (in Latin text a line ends at a space, not after them).
_NO_END = frozenset("（《「『【〔〖〈［｛“‘")


def _opening(text: str, k: int) -> bool:
    """Whether character k of `text` opens a bracket or quote no line may end with."""
    c = text[k]
    if c in "([":
        return k + 1 < len(text) and (ord(text[k + 1]) >= 0x3000 or text[k + 1].isdigit())
    return c in _NO_END


_OBJECT = "\ufffc"  # stands for an empty fragment (a line break, an image) when measuring
# A date with its time, as the app prints them (2026-11-27 14:30, clock.printed_time's
# 2026年11月27日 14:30), is one unit too: a notice's period read "2026年11月27日" / "14:30"
# or "2026年" / "11月27日", each piece a figure of its own. Where the whole does not fit on
# a line (a narrow cell), the line ends between the date and the time, each still whole.
_DATE = (r"(?<![0-9])(?:[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}"
         r"|\.[0-9]{1,2}\.[0-9]{1,2}|年[0-9]{1,2}月(?:[0-9]{1,2}日)?)|[0-9]{1,2}月[0-9]{1,2}日)")
_TIME = r"(?<![0-9])[0-9]{1,2}(?::[0-9]{2}(?::[0-9]{2})?|[时点](?:[0-9]{1,2}分)?)"
_DATE_TIME = re.compile(rf"{_DATE}(?:[ \u00a0T]?{_TIME})?|{_TIME}")


def _runs(pattern: re.Pattern, text: str) -> set[int]:
    return {i for m in pattern.finditer(text) for i in range(m.start() + 1, m.end())}


def _glued(text: str) -> tuple[set[int], set[int]]:
    """The positions in `text` no line may start at: inside a date and its time or inside a
    figure and its unit; then, for a date and time wider than a line, inside a figure."""
    figures = _runs(_FIGURE, text)
    return figures | _runs(_DATE_TIME, text), figures


def _space(c: str) -> bool:
    """A space no line starts or ends with where the text wraps, the ideographic space too
    (an indent follows the paragraph's start or a <br/>, where no line wraps)."""
    return category(c) == "Zs"


def _break(text: str, width: Callable[[int, float], float], max_widths: Sequence[float],
           forced: Callable[[int], bool] = lambda i: False) -> list[tuple[int, int, float]]:
    """The lines of `text` as (start, end, width used): reportlab's textsplit.dumbSplit and
    paragraph.cjkFragSplit (the same rules), except that a line that would start inside a
    figure or a date and time (_glued) ends before it, no line ends with an opening bracket
    or quote (_opening: it goes down too), a <br/> right after a full line ends that line
    rather than an empty one, and the spaces where a line ends are
    on neither line (reportlab began the next line with them: " 参与"). `width(i,
    max_width)` is character i's width; `forced(i)` is True where a line must end after
    character i (<br/>)."""
    glues = _glued(text)
    lines: list[tuple[int, int, float]] = []
    i = used = start = 0
    max_width = max_widths[0]
    sizes: list[float] = []
    while i < len(text):
        w = width(i, max_width)
        sizes.append(w)
        c = text[i]
        i += 1
        used += w
        hard = forced(i - 1)
        if not hard and not (used > max_width + _FUZZ and used > 0):
            continue
        end = i
        if not hard:
            if ord(c) < 0x3000:  # inside Latin text: back to a space or a Chinese character
                for j in range(i - 1, (start + i) >> 1, -1):
                    if category(text[j]) == "Zs" or ord(text[j]) >= 0x3000:
                        if j + 1 < i:
                            end, c = j + 2, text[j + 1]
                            break
            if c in _NO_START_CJK and end > start + 2:
                end -= 2  # the mark and the character before it to the next line
            elif c not in ALL_CANNOT_START and end > start + 1:
                end -= 1  # pushed to the next line (else it hangs in the margin)
            while start + 1 < end < len(text) and text[end] in _CLOSING:
                end -= 1  # "（北京时间" / "），": the bracket down with the comma, and "间"
            for glued in glues:
                at = end
                while at > start + 1 and at in glued:
                    at -= 1
                if at not in glued:
                    end = at
                    break
            while end > start + 1 and _opening(text, end - 1):
                end -= 1
        following = end
        if not hard:
            while following < len(text) and _space(text[following]):
                following += 1
            while end > start + 1 and _space(text[end - 1]):
                end -= 1
            if following < len(text) and forced(following):
                # A <br/> right after a line that just filled ends that line: on a line of
                # its own it printed an empty line (every voting notice had one before
                # "不便网上表决的：").
                if following == end:
                    end += 1
                following += 1
        lines.append((start, end, sum(sizes[:end - start])))
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        start = i = following
        used, sizes = 0, []
    if used > 0:
        lines.append((start, len(text), used))
    return lines


lines_of = _break  # for text drawn line by line on a canvas (the lobby poster)


def _widths_of(max_widths: Sequence[float], index: int) -> float:
    return max_widths[min(index, len(max_widths) - 1)]


def _split_text(text: str, max_widths: Sequence[float], font: str, size: float) -> list:
    """textsplit.wordSplit's [extra space, text] lines."""
    widths = [pdfmetrics.stringWidth(c, font, size) for c in text]
    lines = _break(text, lambda i, _m: widths[i], max_widths)
    last = len(lines) - 1
    return [[_widths_of(max_widths, n) - used,
             text[start:end] if n == last else
             text[start:end].rstrip() if n == 0 else text[start:end].strip()]  # the indent
            for n, (start, end, used) in enumerate(lines)]


def _split_frags(frags: list, max_widths: Sequence[float], calc_bounds: bool):
    """paragraph.cjkFragSplit's lines."""
    glyphs = []
    for f in frags:
        glyphs += [_rl.cjkU(t, f, "utf8") for t in (f.text or [f.text])]
    text = "".join(g if len(g) == 1 else _OBJECT for g in glyphs)

    def width(i: int, max_width: float) -> float:
        w = glyphs[i].width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_width
            w = w.normalizedValue(max_width)
        return w

    lines = _break(text, width, max_widths, lambda i: hasattr(glyphs[i].frag, "lineBreak"))
    out = []
    for n, (start, end, used) in enumerate(lines):
        max_width = _widths_of(max_widths, n)
        line_break = end > start and hasattr(glyphs[end - 1].frag, "lineBreak")
        out.append(_rl.makeCJKParaLine(glyphs[start:end], max_width, used, max_width - used,
                                       line_break, calc_bounds))
    return _rl.ParaLines(kind=1, lines=out)


# reportlab's markup cleaner (paragraph.cleanBlockQuotedText) strips each line and collapses
# every run of whitespace to one space, and Python counts the ideographic space U+3000 as
# whitespace: a paragraph's Chinese indent "　　" (the voting notice's, the letters') was
# dropped and printed flush left, and "小区：…　事项：…" printed a narrow Latin space. The
# same cleaner, the ideographic space being a character like any other.
_COLLAPSED = re.compile(r"[^\S\u3000]+")


def _clean(text: str) -> str:
    lines = (" ".join(w for w in _COLLAPSED.split(line) if w) for line in text.split("\n"))
    return " ".join(line for line in lines if line)


class Paragraph(_rl.Paragraph):
    """reportlab's Paragraph, its CJK lines broken by _break: never inside a figure or
    between a figure and its unit, and its ideographic spaces kept (a paragraph's indent).
    Every PDF paragraph of the app is one of these."""

    def _setup(self, text, style, bulletText, frags, cleaner):
        super()._setup(text, style, bulletText, frags, _clean)

    def breakLinesCJK(self, maxWidths):
        # reportlab's own method (4.x), calling _split_text and _split_frags.
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _rl._handleBulletWidth(self.bulletText, style, maxWidths)
        frags = self.frags
        if len(frags) == 1 and not hasattr(frags[0], "cbDefn") and not style.endDots:
            f = frags[0]
            if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
                return f.clone(kind=0, lines=self.blPara.lines)
            text = f.text if hasattr(f, "text") else "".join(getattr(f, "words", []))
            lines = _split_text(text, maxWidths, f.fontName, f.fontSize)
            return f.clone(kind=0, lines=[(space, [line]) for space, line in lines],
                           ascent=f.fontSize, descent=-0.2 * f.fontSize)
        if not frags:
            return _rl.ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                                 textColor=style.textColor, lines=[], ascent=style.fontSize,
                                 descent=-0.2 * style.fontSize)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara
        leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return _split_frags(frags, maxWidths, leading not in ("", "off"))
