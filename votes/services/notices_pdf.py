"""Rendering voting notices (A4 PDF with QR codes) and receipt QR codes; no Flask, no DB."""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from typing import Sequence

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import (Flowable, KeepInFrame, KeepTogether, PageBreak,
                                SimpleDocTemplate, Spacer, Table, TableStyle)

from votes.services import pdf_text
from votes.services.pdf_text import FONT, MONO, Paragraph, markup, register_fonts

BLANK = "＿＿＿＿＿＿＿＿＿＿"  # left for handwriting when the community stored nothing
MAX_ITEMS = 8
# All a developer's unsold flats are one voter with one notice: listed whole, hundreds of
# them shrank the page until neither its text nor its QR code could be read. The owner's
# voting page lists every flat.
MAX_UNITS = 10
MARGIN = 1.6 * cm
# What the document's frame holds (its 6 pt paddings aside): a notice never spills over.
PAGE_WIDTH, PAGE_HEIGHT = A4[0] - 2 * MARGIN - 12, A4[1] - 2 * MARGIN - 12
MAX_DESCRIPTION = 120
# Each repair item's name is printed to this many characters (the form allows 200): eight
# whole names made a notice three pages, the last one holding only its QR code and seal.
MAX_ITEM = 60
# No text of a notice is printed under 9 pt, the smallest size its elderly readers can read:
# a notice shrunk to fit one page (long names, twelve items, every rule: to 70 %, at the
# field limits to under half) continues on a second page instead (FitOrFlow).
MIN_TEXT = 9
SMALLEST_STYLE = 10.5  # the "small" style below, the smallest text of a notice
MIN_SCALE = MIN_TEXT / SMALLEST_STYLE


@dataclass(frozen=True)
class NoticePlan:
    """What every notice of one proposal says (all display-ready text)."""

    community: str
    title: str
    matter: str
    description: str
    budget: str
    items: tuple[tuple[str, str], ...]  # (item, amount)
    scope: str
    split: str
    publicity: str
    voting: str
    rule: str
    how_to_verify: str
    paper: str
    board: str
    committee: str
    phone: str
    date: str


@dataclass(frozen=True)
class Notice:
    """One voter's page: the plan, then what is only theirs."""

    plan: NoticePlan
    units: tuple[tuple[str, str], ...]  # (unit, area in m²), e.g. ("1号楼1单元101室", "89.50")
    area: str
    share: str
    fund_balance: str
    link: str
    # More labelled rows for this voter only, e.g. ("一次性验证码", "K7Q2-9XPM").
    extra: tuple[tuple[str, str], ...] = ()
    # None for a voter. For an owner holding only units the rules leave out of the vote
    # (§16): why they do not vote; their page is a letter of their share, with no link.
    no_vote: str | None = None


def _style(name: str, **kw) -> ParagraphStyle:
    # Chinese has no spaces to break lines at; CJK wrapping breaks between any characters.
    return ParagraphStyle(name, wordWrap="CJK", **kw)


def _styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    return {
        "title": _style("title", fontName=font, fontSize=18, leading=24, alignment=1),
        "lead": _style("lead", fontName=font, fontSize=12, leading=17),
        "label": _style("label", fontName=font, fontSize=11, leading=15),
        "cell": _style("cell", fontName=font, fontSize=11, leading=15),
        "step": _style("step", fontName=font, fontSize=11, leading=16),
        # Typed letter by letter by owners who cannot scan the QR code: not small print.
        "link": _style("link", fontName=MONO, fontSize=11.5, leading=15),
        "small": _style("small", fontName=font, fontSize=SMALLEST_STYLE, leading=14),
        "sign": _style("sign", fontName=font, fontSize=11, leading=18, alignment=2),
    }


class QrCode(Flowable):
    """A QR code drawn as filled runs of modules: encoded once (reportlab's own widget encodes
    twice and draws one shape per module, most of the time a notice takes)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        qr.add_data(data)
        qr.make(fit=True)
        self.matrix = qr.get_matrix()
        self.width = self.height = size

    def draw(self) -> None:
        self.draw_at(self.canv, 0, 0)

    def draw_at(self, c: canvas.Canvas, x: float, y: float) -> None:
        n = len(self.matrix)
        step = self.width / n
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for row, cells in enumerate(self.matrix):
            top = y + self.height - (row + 1) * step
            col = 0
            while col < n:
                if not cells[col]:
                    col += 1
                    continue
                start = col
                while col < n and cells[col]:
                    col += 1
                path.rect(x + start * step, top, (col - start) * step, step)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


class FitOrFlow(KeepInFrame):
    """One notice: shrunk to fit its page as far as MIN_SCALE, and past that laid out at its
    own size over as many pages as it takes, the pages after the first headed with whose
    notice they continue (see NoticeDoc)."""

    def __init__(self, label: str, content: list, tail: list):
        # The tail (the QR code, its link, the seal) is kept together on a notice that runs
        # over; KeepTogether is not in what is shrunk (it reports no fit at a smaller size).
        super().__init__(PAGE_WIDTH, PAGE_HEIGHT, mode="shrink", content=content + tail)
        self.label, self.flow = label, [*content, KeepTogether(tail)]

    def wrap(self, availWidth, availHeight):
        width, height = super().wrap(availWidth, availHeight)
        if getattr(self, "_scale", 1.0) > 1 / MIN_SCALE:
            # Too large for the frame: the frame asks split() for the pieces.
            return width, availHeight + 1
        return width, height

    def split(self, availWidth, availHeight):
        if getattr(self, "_scale", 1.0) <= 1 / MIN_SCALE:
            return []
        return [_Spill(self.label, start=True), *self.flow, _Spill(self.label, start=False)]


class _Spill(Flowable):
    """A mark, of no size, where a notice that runs over begins and ends (read by NoticeDoc)."""

    def __init__(self, label: str, start: bool):
        super().__init__()
        self.label, self.start = label, start
        self.width = self.height = 0

    def draw(self) -> None:
        page = self.canv.getPageNumber()
        if self.start:
            self.canv._votes_spill = {"label": self.label, "page": page, "done": False}
        elif getattr(self.canv, "_votes_spill", None):
            self.canv._votes_spill["done"] = True


class _Drawn(Flowable):
    """A mark, of no size, after a notice's last flowable: reports it drawn. Pages counted as
    notices said all were drawn halfway through when each ran over to a second page."""

    def __init__(self, progress, done: int, total: int):
        super().__init__()
        self.progress, self.done, self.total = progress, done, total
        self.width = self.height = 0

    def draw(self) -> None:
        self.progress(self.done, self.total)


class _Later(Flowable):
    """A notice laid out (NoticeDoc) only when reached, freed once drawn: all notices' flowables
    made at once held ~170 KB a notice (700 MB at 5,000) before the first page was drawn."""

    def __init__(self, make):
        super().__init__()
        self.make = make
        self.width = self.height = 0


class NoticeDoc(SimpleDocTemplate):
    def filterFlowables(self, flowables) -> None:
        while flowables and isinstance(flowables[0], _Later):
            flowables[0:1] = flowables[0].make()

    def afterPage(self) -> None:
        c = self.canv
        spill = getattr(c, "_votes_spill", None)
        if not spill:
            return
        page = c.getPageNumber()
        c.saveState()
        c.setFont(FONT, 10.5)
        if page > spill["page"]:
            c.drawString(MARGIN, A4[1] - MARGIN + 6,
                         continued_head(spill["label"], page - spill["page"] + 1))
        if not spill["done"]:
            c.drawRightString(A4[0] - MARGIN, MARGIN - 14, "（转下页）")
        else:
            c._votes_spill = None
        c.restoreState()


def continued_head(label: str, page: int) -> str:
    """The line heading a notice's continued page, within the margins: drawn as one line,
    a long building name (64 characters) pushed "业主的通知，第 2 页" off the paper. The
    label is cut where it must be; whose notice it is shows in its first characters."""
    def line(who: str) -> str:
        return f"（接上页）{who} 业主的通知，第 {page} 页"

    room = A4[0] - 2 * MARGIN
    cut = len(label)
    while cut and pdfmetrics.stringWidth(line(label[:cut] + "…" * (cut < len(label))),
                                         FONT, 10.5) > room:
        cut -= 1
    return line(label[:cut] + "…" * (cut < len(label)))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "……（全文见公示栏）"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


def _items(plan: NoticePlan) -> str:
    shown = [f"{markup(_cut(name, MAX_ITEM))}：{markup(amount)} 元"
             for name, amount in plan.items[:MAX_ITEMS]]
    if len(plan.items) > MAX_ITEMS:
        shown.append(f"……共 {len(plan.items)} 项，明细见公示栏")
    elif any(len(name) > MAX_ITEM for name, _amount in plan.items):
        shown.append("项目全称见公示栏")
    return "；".join(shown) or "—"


def _more_units(n: Notice) -> str:
    if len(n.units) <= MAX_UNITS:
        return ""
    # A letter (an owner who does not vote) has no voting page; the board has each share.
    where = "表决网页" if n.no_vote is None else "公示栏"
    return f"……共 {len(n.units)} 户（全部房屋见{where}）"


def _unit_names(n: Notice) -> str:
    return markup("、".join(u for u, _ in n.units[:MAX_UNITS]) + _more_units(n))


def facts_table(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle]) -> Table:
    """A notice's table of labelled facts (label and value as markup)."""
    facts = Table([[Paragraph(label, s["label"]), Paragraph(value, s["cell"])]
                   for label, value in rows], colWidths=[2.6 * cm, 14.8 * cm],
                  # On a notice that runs over, a tall row (eight long items) is continued on
                  # the next page rather than moved whole, leaving half a page blank.
                  splitInRow=1)
    facts.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                               # A label at its row's top: a label centred in a row that
                               # runs over made reportlab give the rest of the row, on the
                               # next page, the height above the label (some 100 pt of empty
                               # row under two lines of items).
                               ("VALIGN", (0, 0), (0, -1), "TOP"),
                               ("VALIGN", (1, 0), (1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 2),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return facts


def _story(n: Notice, heading: str, s: dict[str, ParagraphStyle]) -> list:
    p = n.plan
    rows = [("小区", markup(p.community)),
            ("房屋", "、".join(f"{markup(u)}（{markup(a)} m²）" for u, a in n.units[:MAX_UNITS])
             + markup(_more_units(n))),
            ("表决事项", markup(p.title)),
            ("事项类型", markup(p.matter))]
    if p.description.strip():
        rows.append(("事项说明", markup(_short(p.description, MAX_DESCRIPTION))))
    rows += [("预算总额", f"{markup(p.budget)} 元"),
             ("费用明细", _items(p)),
             ("列支范围", markup(p.scope)),
             ("分摊方式", markup(p.split)),
             ("您应分摊", f"<font size=13>{markup(n.share)} 元</font>（您的房屋面积 "
                      f"{markup(n.area)} m²；维修资金分户账余额 {markup(n.fund_balance)}）"),
             ("公示期", markup(p.publicity)),
             ("表决期", f"<font size=13>{markup(p.voting)}</font>"),
             ("通过条件", markup(p.rule))]
    rows += [(markup(label), markup(value)) for label, value in n.extra]
    facts = facts_table(rows, s)
    if n.no_vote is not None:
        return _letter(n, rows_table=facts, s=s)
    steps = Paragraph(
        "<font size=12>如何表决</font><br/>"
        "1. 用手机扫描左侧二维码，或在浏览器中输入下方网址；<br/>"
        f"2. {markup(p.how_to_verify)}<br/>"
        "3. 选择“同意”“反对”或“弃权”并确认，保存页面上的回执编号。<br/>"
        f"不便网上表决的：{markup(p.paper)}", s["step"])
    return [FitOrFlow(_label(n), content=[
        Paragraph(markup(heading), s["title"]), Spacer(1, 0.25 * cm),
        Paragraph(f"{_unit_names(n)} 业主：", s["lead"]),
        Paragraph(f"　　{markup(p.committee or p.community + '业主委员会')}就下列事项征求您的意见，"
                  "请在表决期内表决。"
                  "本通知上的二维码和网址只属于您的房屋，请勿转交他人。", s["step"]),
        Spacer(1, 0.2 * cm), facts, Spacer(1, 0.25 * cm),
    ], tail=[
        qr_beside(n.link, steps), Paragraph("您的表决网址：", s["small"]),
        Paragraph(markup(n.link), s["link"]),
        Paragraph(f"公示栏（方案全文、附件、回执核验）：{markup(p.board)}", s["small"]),
        Spacer(1, 0.3 * cm), seal(p, s),
    ])]


def qr_beside(link: str, steps: Paragraph) -> Table:
    """A notice's QR code of `link` with the steps that use it on its right."""
    size = 4.6 * cm
    table = Table([[QrCode(link, size), steps]], colWidths=[size + 0.4 * cm, 12.4 * cm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return table


def seal(p: NoticePlan, s: dict[str, ParagraphStyle]) -> Paragraph:
    """The committee's seal, telephone and date at a notice's foot."""
    return Paragraph(f"{markup(p.committee or BLANK)}（盖章）<br/>"
                     f"联系电话：{markup(p.phone or BLANK)}<br/>日期：{markup(p.date)}", s["sign"])


def _letter(n: Notice, rows_table: Table, s: dict[str, ParagraphStyle]) -> list:
    """The page of an owner who pays their share but does not vote (§16): no QR, no link."""
    p = n.plan
    return [FitOrFlow(_label(n), content=[
        Paragraph(markup(LETTER_HEADING), s["title"]), Spacer(1, 0.25 * cm),
        Paragraph(f"{_unit_names(n)} 业主：", s["lead"]),
        Paragraph(f"　　{markup(p.committee or p.community + '业主委员会')}将就下列事项组织业主表决。"
                  f"{markup(n.no_vote)}", s["step"]),
        Spacer(1, 0.2 * cm), rows_table, Spacer(1, 0.25 * cm),
    ], tail=[
        Paragraph("您无需表决，也不会收到表决链接。表决结果和费用结算将在公示栏公布。", s["step"]),
        Paragraph(f"公示栏（方案全文、附件、表决结果）：{markup(p.board)}", s["small"]),
        Spacer(1, 0.3 * cm), seal(p, s),
    ])]


def _label(n: Notice) -> str:
    """Whose notice a continued page belongs to: the first of the voter's units."""
    first = n.units[0][0] if n.units else ""
    return first + ("等" if len(n.units) > 1 else "")


LETTER_HEADING = "住宅专项维修资金费用分摊告知书"


def render_notices(notices: Sequence[Notice], *,
                   heading: str = "住宅专项维修资金使用表决通知", progress=None,
                   page=None) -> bytes:
    """One A4 page per notice, in the order given (the order of delivery). `progress`, if
    given, is called with (notices drawn, notices in all) as pages are finished. `page`
    draws one notice (notice, heading, styles) -> flowables, when not a voting notice
    (the emergency use's letter, votes/services/money/emergency_letters.py)."""
    styles = _styles()
    def laid_out(i: int, n: Notice) -> list:
        flowables = (page or _story)(n, heading, styles)
        return flowables + [_Drawn(progress, i + 1, len(notices))] if progress else flowables

    # Each after a PageBreak: a keepWithNext's look-ahead never takes a _Later in unmade.
    story: list = [x for i, n in enumerate(notices) for x in (
        [PageBreak()] if i else []) + [_Later(functools.partial(laid_out, i, n))]]
    if not story:
        story = [Spacer(1, 1)]
    out = io.BytesIO()
    doc = NoticeDoc(out, pagesize=A4, title=heading, invariant=1, initialFontName=FONT,
                            leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN)
    doc.build(story)
    return out.getvalue()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text by width as every paragraph of the app's PDFs (pdf_text): cut character by
    character, the poster's title read "2026年11月27日 14:" / "30", "654.7" / "5 m²"."""
    widths = [pdfmetrics.stringWidth(c, font, size) for c in text]
    return [text[start:end] for start, end, _used in
            pdf_text.lines_of(text, lambda i, _max: widths[i], [width])]


def render_poster(community: str, title: str, voting_end: str, link: str) -> bytes:
    """One A4 poster for the lobby: its QR leads to a page where owners pick their unit."""
    font = register_fonts()
    width, height = A4
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1, initialFontName=font)
    c.setTitle("表决公告二维码")
    # One line of 26 pt holds about 18 characters: a longer community name ran off both
    # sides of the page. It takes two lines, in a smaller size if need be, and is cut only
    # past that (the names allow 200 characters).
    for size in (26, 22, 18):
        lines = _wrap(f"{community} 业主表决", font, size, width - 3 * cm)
        if len(lines) <= 2:
            break
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    c.setFont(font, size)
    for i, line in enumerate(lines):
        c.drawCentredString(width / 2, height - 3.5 * cm + (len(lines) - 1 - i) * size * 1.25,
                            line)
    c.setFont(font, 18)
    lines = _wrap(title, font, 18, width - 5 * cm)
    if len(lines) > 2:  # the poster points to the board, where the whole title is
        lines = [lines[0], lines[1][:-1] + "…"]
    for i, line in enumerate(lines):
        c.drawCentredString(width / 2, height - 5 * cm - i * 0.9 * cm, line)
    c.setFont(font, 15)
    c.drawCentredString(width / 2, height - 7.5 * cm, f"表决截止：{voting_end}（北京时间）")
    c.drawCentredString(width / 2, height - 8.5 * cm,
                        "用手机扫码，选择楼栋和房号，验证身份后即可表决")
    size = 11 * cm
    QrCode(link, size).draw_at(c, (width - size) / 2, height - 9.5 * cm - size)
    c.setFont(MONO, 12)
    c.drawCentredString(width / 2, height - 10.5 * cm - size, link)
    c.showPage()
    c.save()
    return out.getvalue()


_QR_VERSIONS: dict[int, int] = {}
_RECEIPT_QR_MASK = 2
_RECEIPT_QR_BORDER = 2  # quiet zone, in modules; also keeps every run of dark modules in its row


@functools.lru_cache(maxsize=4096)
def receipt_qr_svg(text: str) -> str:
    """An inline SVG QR code (no Pillow needed) for a receipt page.

    Drawn once per receipt (cached: an owner reloads the page), with a fixed mask pattern:
    choosing the best of eight masks took most of the 20 ms the pure-Python library spends,
    and every reader decodes any mask."""
    from votes.services import qr_fast

    # Receipt URLs of one site have one length, so one version fits them all: finding it
    # (qrcode's best_fit) was a quarter of the drawing. Remembered per length; a text the
    # remembered version cannot hold is fitted anew.
    version = _QR_VERSIONS.get(len(text))
    cells = None
    if version is not None:
        # The library's own symbol from tables learnt from it, ten times faster; None for
        # anything but a byte-mode text the version holds.
        cells = qr_fast.byte_mode_cells(text, version, qrcode.constants.ERROR_CORRECT_M,
                                        _RECEIPT_QR_MASK, _RECEIPT_QR_BORDER)
    if cells is None:
        cells = _receipt_qr_cells(text, version)
    size = math.isqrt(len(cells))  # modules a side, the quiet zone included
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="{size}mm" height="{size}mm" '
            f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{qr_fast.svg_path(cells, size)}" fill="#000"/></svg>')


def _receipt_qr_cells(text: str, version: int | None) -> str:
    """The receipt symbol drawn by the library itself (a length seen for the first time, or
    a text the fast path leaves to it), as qr_fast.svg_path takes it."""
    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=_RECEIPT_QR_BORDER, mask_pattern=_RECEIPT_QR_MASK)
    code.add_data(text)
    try:
        code.make(fit=version is None)
    except DataOverflowError:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                             border=_RECEIPT_QR_BORDER, mask_pattern=_RECEIPT_QR_MASK)
        code.add_data(text)
        code.make(fit=True)
    _QR_VERSIONS[len(text)] = max(code.version, _QR_VERSIONS.get(len(text), 0))
    return "".join("1" if cell else "0" for row in code.get_matrix() for cell in row)
