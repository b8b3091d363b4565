"""Full-width forms: what a Chinese input method types for ASCII characters."""

from __future__ import annotations

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def ascii_forms(text: str) -> str:
    """The text with the full-width forms of ASCII characters (１２３，ＡＢＣ．) read as ASCII.

    Only those: NFKC would also read superscripts and other compatibility characters, so
    that "2²" became 22 in an amount."""
    return text.translate(_FULL_WIDTH)
