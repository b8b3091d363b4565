"""A4 documents of the money stage (settlement notice, fund application): shared layout.

Every user string goes through pdf_text.markup(); the embedded CJK font is the only font."""

from __future__ import annotations

import io
import re
from typing import Sequence

from votes.services.pdf_text import MONO, Paragraph, long_table, markup, register_fonts


def styles() -> dict:
    from reportlab.lib.styles import ParagraphStyle

    font = register_fonts()
    base = dict(fontName=font, wordWrap="CJK")
    return {"title": ParagraphStyle("t", fontSize=18, leading=24, alignment=1, **base),
            # A heading stays on the page of what it introduces: the form's "业主表决：……，
            # 结果：通过" was a page's last line, its table of figures on the next page.
            "h": ParagraphStyle("h", fontSize=12.5, leading=18, spaceBefore=6,
                                keepWithNext=1, **base),
            "body": ParagraphStyle("b", fontSize=10.5, leading=15, **base),
            "cell": ParagraphStyle("c", fontSize=9.5, leading=12, **base),
            "strong": ParagraphStyle("s", fontSize=12, leading=17, textColor="#a00000",
                                     **base),
            "sign": ParagraphStyle("g", fontSize=11, leading=22, alignment=2, **base),
            # Typed letter by letter by owners who cannot scan the QR code: not small print.
            "link": ParagraphStyle("l", fontSize=11.5, leading=15,
                                   **(base | {"fontName": MONO}))}


def para(text: str, style) -> object:
    """A paragraph of plain text (escaped here: the caller passes no markup)."""
    return Paragraph(markup(text), style)


def table(rows: Sequence[Sequence[str]], widths_cm: Sequence[float], style,
          header: bool = True) -> list:
    """A gridded table, its header row at the top of every page, each cell wrapped: the
    flowables to add to the story (one, see pdf_text.long_table). Without `header`, a
    table of labelled facts (label, value): its labels shaded, no row repeated on the next
    page (a form's first fact printed again there read as a second form), a row too tall
    for the rest of a page continued on the next."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Table, TableStyle

    font = register_fonts()
    commands = TableStyle([("FONT", (0, 0), (-1, -1), font, 9.5),
                           ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])

    widths = [w * cm for w in widths_cm]
    if not header:
        facts = Table([[_cell(str(v), style, w) for v, w in zip(row, widths)] for row in rows],
                      colWidths=widths, splitInRow=1)
        facts.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9.5),
                                   ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
        return [facts]

    def make(piece: list) -> Table:
        t = Table(piece, repeatRows=1, colWidths=[w * cm for w in widths_cm])
        t.setStyle(commands)
        return t

    return [long_table([[_cell(str(v), style, w) for v, w in zip(row, widths)]
                        for row in rows], make)]


# An amount, an area or a count, with its unit if any: "12,499,914.95", "594.75 m²", "4 人".
FIGURE = re.compile(r"-?\d[\d,]*(\.\d+)?( ?(m²|人|元|户))?")
PADDING = 12  # a table cell's left and right padding, 6 pt each


def _cell(text: str, style, width: float):
    """A cell's paragraph; a figure on one line, in a smaller size if its column is too
    narrow for it (wrapped, 12,499,914.95 read as "12,499,914." and "95")."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if FIGURE.fullmatch(text):
        wide = stringWidth(text, style.fontName, style.fontSize)
        if wide > width - PADDING:
            size = style.fontSize * (width - PADDING) / wide * 0.98
            style = ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size,
                                   leading=max(size * 1.25, style.leading * 0.8),
                                   wordWrap=None)
    return para(text, style)


def build(title: str, story: list, proposal=None) -> bytes:
    """The PDF of `story`, each page numbered at its foot with the title (and the proposal
    it is of, if given: two notices of one lobby told apart)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    from votes.services.pdf_pages import numbered

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, invariant=1, leftMargin=1.6 * cm,
                      rightMargin=1.6 * cm, topMargin=1.6 * cm, bottomMargin=1.6 * cm,
                      initialFontName=register_fonts()).build(
        story, canvasmaker=numbered(title, proposal.title if proposal else ""))
    return out.getvalue()


BLANK_LINE = "＿＿＿＿＿＿＿＿＿＿"


def signature(community, day, s: dict) -> list:
    """Who publishes a posted notice, room for the seal, the telephone and the date: a
    sheet nobody signed could not be told from a forgery, and owners did not know whom to
    ask. The caller keeps it together with what precedes it."""
    from votes.services.clock import printed_date

    return [para(f"{community.committee_name or BLANK_LINE}（盖章）", s["sign"]),
            para(f"联系电话：{community.contact_phone or BLANK_LINE}", s["sign"]),
            para(f"日期：{printed_date(day)}", s["sign"])]


def online_check(proposal, s: dict, heading: str, what: str):
    """The QR code and printed address of the poster's way in (building and room, the second
    factor, read-only: docs/deploy.md, "Owners after the vote"), `what` saying what an owner
    sees there that the posted paper cannot print. Never a voter's own link, on a paper
    anyone reads."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Table, TableStyle

    from votes.services.access import lobby_link
    from votes.services.notices_pdf import QrCode

    link = lobby_link(proposal)
    size = 4.0 * cm
    text = [para(heading, s["h"]),
            para(f"用手机扫描左侧二维码，或在浏览器中输入下方网址，选择楼栋和房号并验证业主"
                 f"身份后，{what}", s["body"]),
            para("查询网址：", s["body"]), para(link, s["link"])]
    block = Table([[QrCode(link, size), text]], colWidths=[size + 0.4 * cm, 12.6 * cm])
    # Its font named, or the table sets reportlab's Helvetica before its cells: a font the
    # PDF then names without embedding it.
    block.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), register_fonts(), 10.5),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return block
