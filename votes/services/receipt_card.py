"""The receipt as an image an owner can save: a card with the short code, the full
digest and the QR code of the board's lookup.

SVG, drawn from the same QR as the page: Pillow is not a dependency of qrcode here (it
arrives only through reportlab), so no PNG rasteriser is relied on."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from votes.core.receipt_code import grouped, short_code
from votes.services.notices_pdf import receipt_qr_svg

WIDTH, HEIGHT = 360, 520  # px; a phone-screen-shaped card
LINE = WIDTH - 80  # px a line may take, between the 40 px margins


def _fit(text: str, size: int) -> str:
    """The text, cut with "…" to what fits a line at `size` px: an SVG text never wraps,
    so a long community name ran past the card's border and off the saved image. Chinese
    characters are as wide as the size; others are taken at 0.6 of it, more than a
    sans-serif letter usually takes."""
    def width(chars: str) -> float:
        return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size
                   for ch in chars)

    if width(text) <= LINE:
        return text
    while text and width(text) + size > LINE:
        text = text[:-1]
    return text + "…"


def receipt_card_svg(*, community: str, title: str, digest: str, check_url: str,
                     heading: str, note: str) -> str:
    qr = receipt_qr_svg(check_url)
    # Place the page's QR inside the card: same drawing, given a position and a size.
    qr = re.sub(r'width="\d+mm" height="\d+mm"', 'x="70" y="200" width="220" height="220"',
                qr, count=1)
    code = grouped(short_code(digest))
    halves = (digest[:32], digest[32:])
    text = [
        (44, 40, 18, "bold", _fit(community, 18)),
        (70, 40, 14, "normal", _fit(title, 14)),
        (110, 40, 14, "normal", heading),
        (160, 40, 40, "bold", code),
        (450, 40, 11, "normal", halves[0]),
        (466, 40, 11, "normal", halves[1]),
        (500, 40, 11, "normal", note),
    ]
    mono = ' font-family="monospace"'
    lines = "".join(
        f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}"'
        f'{mono if y in (160, 450, 466) else ""}>{escape(s)}</text>'
        for y, x, size, weight, s in text)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}">'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
            f'<rect x="8" y="8" width="{WIDTH - 16}" height="{HEIGHT - 16}" rx="12" '
            'fill="none" stroke="#333" stroke-width="2"/>'
            f'<g fill="#000" font-family="sans-serif">{lines}</g>{qr}</svg>')
