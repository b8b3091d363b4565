"""Page numbers on the notices posted in the lobby: "第 3 页，共 269 页" at each page's foot.

A result notice lists every flat (hundreds of pages for a large community), a settlement
notice every flat's share: pages without numbers could go missing from the board (or be
taken down, the page with one's own vote on it) and nobody reading could tell, and loose
pages of two notices could not be put back in order."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from votes.services.pdf_text import FONT

SIZE = 9
BOTTOM = 0.9 * 72 / 2.54  # 0.9 cm from the paper's edge, inside the bottom margin


def foot(what: str, name: str, page: int, pages: int, width: float) -> str:
    """The line at a page's foot: which notice (`what`) of which proposal (`name`, its title,
    cut with "…" where the line is wider than `width`: titles run to 200 characters)."""
    def line(text: str) -> str:
        return f"{what}（{text}）　第 {page} 页，共 {pages} 页" if name else \
            f"{what}　第 {page} 页，共 {pages} 页"

    cut = len(name)
    while cut > 1 and pdfmetrics.stringWidth(
            line(name[:cut] + "…" * (cut < len(name))), FONT, SIZE) > width:
        cut -= 1
    return line(name[:cut] + "…" * (cut < len(name)))


def numbered(what: str, name: str = ""):
    """A canvasmaker for doc.build(..., canvasmaker=): every page gets foot()'s line at its
    foot: what notice, of which proposal (`name`), and the page's number of the whole. The
    pages are held until the last is known (the count is printed on each), as their drawing
    operators only, not their layout."""

    class Numbered(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._held)
            for n, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                width = self._pagesize[0] if self._pagesize else A4[0]
                self.saveState()
                self.setFont(FONT, SIZE)
                self.drawCentredString(width / 2, BOTTOM,
                                       foot(what, name, n, pages, width - 4 * 72 / 2.54))
                self.restoreState()
                super().showPage()
            super().save()

    return Numbered
