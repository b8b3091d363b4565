"""Short receipt codes: what an owner copies by hand or reads over the phone.

The code is the first 50 bits of the entry digest in Crockford base32 (10 characters,
shown as `7KQ2-M9XD-4R`). Reading it back forgives case, hyphens and spaces, and the
look-alikes Crockford maps (I and L read as 1, O as 0).

Collision bound: for n ballots in one proposal, the chance that any two share a code is
at most n(n-1)/2 / 2^50 < n²/2^51; 10,000 ballots give less than 5×10⁻⁸. The board
never guesses on a shared code: it asks for the full receipt.
"""

from __future__ import annotations

from votes.core.typed_code import code_characters

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10  # characters; 5 bits each
BITS = 5 * LENGTH
_READ = {c: c for c in ALPHABET} | {"I": "1", "L": "1", "O": "0"}


def short_code(digest: str) -> str:
    """The 10-character code (no hyphens) of a hex digest of at least 13 hex digits."""
    value = int(digest[:13], 16) >> (13 * 4 - BITS)
    return "".join(ALPHABET[(value >> (5 * (LENGTH - 1 - i))) & 31] for i in range(LENGTH))


def grouped(code: str) -> str:
    """A code as owners see it: `7KQ2-M9XD-4R`."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def parse_short_code(text: str) -> str | None:
    """The canonical code an owner's typing stands for, or None if it is not a short code.

    Case, hyphens and white space are ignored; I and L read as 1, O as 0."""
    chars = [c for c in text.upper() if c not in "- \t\u3000"]
    if len(chars) != LENGTH or any(c not in _READ for c in chars):
        return None
    return "".join(_READ[c] for c in chars)


SHORT, DIGEST = "short", "digest"
# A digest is hex: no O, I or L, so reading them as 0 and 1 can never turn one digest
# into another, only a copy by hand into what was printed.
_HEX_READ = {c: c for c in "0123456789abcdef"} | {"o": "0", "i": "1", "l": "1"}


def read_receipt(text: str) -> tuple[str, str] | None:
    """What a typed receipt code stands for (docs/verification.md §11.1–11.2): (SHORT, the
    canonical 10-character code), (DIGEST, a lowercase hex digest or a prefix of it of 16 to
    64 digits), or None when it is neither.

    The one reading of the board's lookup and of `votes verify --find-receipt`, over the
    characters every typed code is read by (typed_code.code_characters: full-width forms,
    white space, dashes, zero-width characters, the punctuation around it); case ignored, O
    read as 0, I and L as 1; any other character makes it no code (never dropped: a digest
    with a character left out is another digest's prefix, or none)."""
    kept = code_characters(text)
    if not kept.isascii():  # "ß".upper() is "SS": only ASCII is read, letter for letter
        return None
    short = parse_short_code(kept)
    if short is not None:
        return SHORT, short
    lowered = kept.lower()
    if not 16 <= len(lowered) <= 64 or any(c not in _HEX_READ for c in lowered):
        return None
    return DIGEST, "".join(_HEX_READ[c] for c in lowered)


def hex_prefix(code: str) -> str:
    """The hex digits of a digest every digest with this code starts with (48 of the 50
    bits), for a prefix search; candidates must still be compared by short_code."""
    value = 0
    for c in code:
        value = (value << 5) | ALPHABET.index(c)
    return f"{value >> 2:012x}"
