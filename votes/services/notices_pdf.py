"""Rendering voting notices (A4 PDF with QR codes) and receipt QR codes; no Flask, no DB."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"  # a CID font every PDF reader maps to a local Chinese font
INSTRUCTIONS = ("用手机扫描下方二维码，验证身份后即可表决；也可在浏览器中输入下方网址。"
                "如无法网上表决，请联系业主委员会领取纸质表决票。")


@dataclass(frozen=True)
class Notice:
    community: str
    units: tuple[str, ...]
    title: str
    matter: str
    share: str
    voting_start: str
    voting_end: str
    link: str
    board: str


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text by width (it has no spaces to break at)."""
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, font, size) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return lines + ([line] if line else [])


def _qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(data, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _page(c: canvas.Canvas, n: Notice, heading: str, font: str) -> None:
    width, height = A4
    left, right = 2.2 * cm, width - 2.2 * cm
    y = height - 3 * cm
    c.setFont(font, 22)
    c.drawCentredString(width / 2, y, heading)
    y -= 1.4 * cm
    rows = [("小区", n.community), ("房屋", "、".join(n.units)), ("表决事项", n.title),
            ("事项类型", n.matter), ("您应分摊的费用", f"{n.share} 元"),
            ("表决时间", f"{n.voting_start} 至 {n.voting_end}（北京时间）")]
    for label, value in rows:
        c.setFont(font, 14)
        c.drawString(left, y, f"{label}：")
        lines = _wrap(value, font, 15, right - left - 4.2 * cm)
        for i, line in enumerate(lines):
            c.setFont(font, 15)
            c.drawString(left + 4.2 * cm, y - i * 0.7 * cm, line)
        y -= 0.75 * cm * max(1, len(lines)) + 0.15 * cm
    y -= 0.3 * cm
    c.setFont(font, 13)
    for line in _wrap(INSTRUCTIONS, font, 13, right - left):
        c.drawString(left, y, line)
        y -= 0.65 * cm
    size = 6.5 * cm
    y -= size + 0.2 * cm
    _qr(c, n.link, (width - size) / 2, y, size)
    y -= 0.6 * cm
    c.setFont("Courier", 11)
    step = 60
    for i in range(0, len(n.link), step):
        c.drawCentredString(width / 2, y, n.link[i:i + step])
        y -= 0.5 * cm
    y -= 0.3 * cm
    c.setFont(font, 10)
    c.drawCentredString(width / 2, y, f"查看公示栏与回执核验：{n.board}")


def render_notices(notices: Sequence[Notice], *,
                   heading: str = "住宅专项维修资金使用表决通知") -> bytes:
    """One A4 page per notice."""
    font = _font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(heading)
    for n in notices:
        _page(c, n, heading, font)
        c.showPage()
    c.save()
    return out.getvalue()


def render_poster(community: str, title: str, voting_end: str, link: str) -> bytes:
    """One A4 poster for the lobby: its QR leads to a page where owners pick their unit."""
    font = _font()
    width, height = A4
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle("表决公告二维码")
    c.setFont(font, 26)
    c.drawCentredString(width / 2, height - 3.5 * cm, f"{community} 业主表决")
    c.setFont(font, 18)
    for i, line in enumerate(_wrap(title, font, 18, width - 5 * cm)):
        c.drawCentredString(width / 2, height - 5 * cm - i * 0.9 * cm, line)
    c.setFont(font, 15)
    c.drawCentredString(width / 2, height - 7.5 * cm, f"表决截止：{voting_end}（北京时间）")
    c.drawCentredString(width / 2, height - 8.5 * cm,
                        "用手机扫码，选择楼栋和房号，验证身份后即可表决")
    size = 11 * cm
    _qr(c, link, (width - size) / 2, height - 9.5 * cm - size, size)
    c.setFont("Courier", 12)
    c.drawCentredString(width / 2, height - 10.5 * cm - size, link)
    c.showPage()
    c.save()
    return out.getvalue()


@functools.lru_cache(maxsize=4096)
def receipt_qr_svg(text: str) -> str:
    """An inline SVG QR code (no Pillow needed) for a receipt page.

    Drawn once per receipt (cached: an owner reloads the page), with a fixed mask pattern:
    choosing the best of eight masks took most of the 20 ms the pure-Python library spends,
    and every reader decodes any mask."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         mask_pattern=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                path.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="{size}mm" height="{size}mm" '
            f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{"".join(path)}" fill="#000"/></svg>')
