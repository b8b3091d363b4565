"""Text-direction controls: invisible characters that reorder how text is displayed.

A reason or a contractor's name holding U+202E (right-to-left override) shows on the board,
the staff pages and printed notices as different text from what is stored and signed
("Trojan Source" spoofing). Free text that goes on the chain or the board refuses them."""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")


def has_bidi_control(text: str) -> bool:
    return any(c in BIDI_CONTROLS for c in text)


def hidden(c: str) -> bool:
    """Whether a character does not show as itself on a line: a control, format (zero-width,
    direction) or separator character, the plain space apart."""
    return c != " " and unicodedata.category(c)[0] in "CZ"


def shown(text: str, limit: int = 80) -> str:
    """Text from a bundle as a verifier prints it: at most `limit` characters, and every
    hidden character written as \\u{XXXX}, so that two strings that print alike are told
    apart."""
    out = [f"\\u{{{ord(c):04X}}}" if hidden(c) else c for c in text[:limit]]
    return "".join(out) + ("…" if len(text) > limit else "")


def typed_said(message: str, typed, limit: int = 80) -> str:
    """A message repeating what was typed on a command line, as a command prints it: each
    typed value in it (typed: strings) at most `limit` characters, its hidden characters
    written as \\u{XXXX} (as `shown`), so a 5,000-character argument is not repeated whole
    and an escape sequence typed is not played on the terminal; a path (holding os.sep) is
    never cut, the operator must see which file is meant. Control characters left (a value
    trimmed before it was repeated) are escaped too."""
    import os

    for value in sorted({v.strip() for v in typed if isinstance(v, str)}, key=len,
                        reverse=True):
        most = len(value) if os.sep in value else limit
        if len(value) > most or any(hidden(c) and c != "\n" for c in value):
            safe = shown(value, most)
            message = message.replace(value, safe).replace(repr(value)[1:-1], safe)
    return "".join(shown(c) if hidden(c) and c not in "\n\t" and ord(c) < 0x20 or c == "\x7f"
                   else c for c in message)
