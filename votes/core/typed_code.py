"""A code as a person typed or pasted it: one reading for every code an owner types (the
receipt on the board and in `votes verify --find-receipt`, the second factor's answer).

A Chinese phone keyboard gives full-width letters and digits (７ＫＱ２), the ideographic
space, its own dashes (—— for the shift of "-", －); a code pasted from a chat or a web
page brings zero-width spaces or a byte-order mark, and the quotes, brackets and full stop
of the sentence it was in (回执码：“7KQ2-M9XD-4R”。). Read alike everywhere, an answer
is no longer found by one reader and refused by another, or counted as a wrong guess
towards the lock of an owner's link.
"""

from __future__ import annotations

from votes.core.full_width import ascii_forms

# Hyphens as typed: ASCII, the Unicode hyphens and dashes a phone's or a Chinese keyboard's
# punctuation gives, the minus sign, and the small forms (﹘ ﹣); the full-width － is read
# as "-" by ascii_forms.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
# Characters that do not show and change nothing of what is shown: zero-width space,
# non-joiner and joiner, word joiner, byte-order mark, soft hyphen. Never a direction
# control (U+200E/F, U+202A–E, U+2066–9): it reorders what the page shows back, so a code
# holding one is no code.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# Punctuation a sentence puts around a code (read after ascii_forms: （ is "(", ： is ":"),
# taken off its two ends only: inside a code it stays, and makes it no code.
AROUND = frozenset("\"'“”‘’「」『』【】〔〕〖〗《》〈〉()[]<>:;,.。、")


def code_characters(text: str) -> str:
    """The characters of a typed code: full-width forms as ASCII, white space, dashes and
    invisible characters dropped, the punctuation around it taken off. Case is kept (the
    reader decides), and every other character is kept, for the reader to refuse: a
    character dropped from inside a digest would make it another digest's prefix."""
    kept = [c for c in ascii_forms(text)
            if not c.isspace() and c not in DASHES and c not in INVISIBLE]
    start, end = 0, len(kept)
    while start < end and kept[start] in AROUND:
        start += 1
    while end > start and kept[end - 1] in AROUND:
        end -= 1
    return "".join(kept[start:end])
