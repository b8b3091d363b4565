"""The receipt as an image an owner can save: a card with the short code, the full
digest and the QR code of the board's lookup.

SVG, drawn from the same QR as the page: Pillow is not a dependency of qrcode here (it
arrives only through reportlab), so no PNG rasteriser is relied on."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from votes.core.receipt_code import grouped, short_code
from votes.services.notices_pdf import receipt_qr_svg

WIDTH, HEIGHT = 360, 520  # px; a phone-screen-shaped card


def receipt_card_svg(*, community: str, title: str, digest: str, check_url: str,
                     heading: str, note: str) -> str:
    qr = receipt_qr_svg(check_url)
    # Place the page's QR inside the card: same drawing, given a position and a size.
    qr = re.sub(r'width="\d+mm" height="\d+mm"', 'x="70" y="200" width="220" height="220"',
                qr, count=1)
    code = grouped(short_code(digest))
    halves = (digest[:32], digest[32:])
    text = [
        (44, 40, 18, "bold", community),
        (70, 40, 14, "normal", title[:22]),
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
