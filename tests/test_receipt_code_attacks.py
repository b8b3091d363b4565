"""receipt_code.read_receipt attacked: what the folding may not do. A typed code read as a
shorter one (the minimum lengths counted after folding), a long input (the board's
?receipt= is a stranger's, NFKC may lengthen it), look-alikes outside ASCII read as a
letter of the code (a lookup then 'finds' another ballot)."""

from __future__ import annotations

import pytest

from votes.core.receipt_code import DIGEST, SHORT, read_receipt


@pytest.mark.parametrize("text", [
    "0123456789abcde",             # 15 digits: below the 16-digit minimum
    "0123456789abcd" + "O",        # 15 after folding O
    "0123-4567-89ab-cde" + "\u2014" * 40,   # 15, dashes do not count
    "7KQ2-M9XD-4",                 # 9 characters: no short code
    "7KQ2-M9XD-4R0",               # 11: neither
    "7KQ2M9XD4\u0130",             # dotted capital I (Turkish): not I
    "7kq2m9xd4\u0131",             # dotless i: upper() is I, but it is not ASCII
    "\ufdfa" * 10_000,             # NFKC turns each into 18 characters
    "a" * 10_000,
    "0" * 65,
])
def test_no_code(text):
    assert read_receipt(text) is None


def test_separators_and_space_never_count_towards_the_length():
    code = "7KQ2M9XD4R"
    assert read_receipt("-" * 10_000 + code + " " * 10_000) == (SHORT, code)
    assert read_receipt("0" * 16) == (DIGEST, "0" * 16)
    assert read_receipt("o" * 8 + "O" * 8) == (DIGEST, "0" * 16)
    # Only the full-width forms a Chinese keyboard types are folded (core.full_width), as
    # amounts are: the roman numeral fifty is not read as L, nor ² as 2.
    assert read_receipt("7KQ2M9XD4\u217c") is None
    assert read_receipt("7KQ2M9XD4\u00b2") is None
