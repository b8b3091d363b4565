"""Short receipt codes: 50 bits of the digest in Crockford base32, read back forgivingly."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from votes.core.receipt_code import ALPHABET, grouped, hex_prefix, parse_short_code, short_code


def test_known_code_and_its_misreadings():
    digest = "0" * 2 + "8" + "4" * 61  # bits 0000 0000 1000 0100 ...
    code = short_code(digest)
    assert code == "02248H248H"  # 00000 00010 00010 00100 01000 10001 ...
    assert grouped("7KQ2M9XD4R") == "7KQ2-M9XD-4R"
    assert parse_short_code("7kq2-m9xd-4r") == "7KQ2M9XD4R"
    assert parse_short_code(" 7KQ2 M9XD 4R ") == "7KQ2M9XD4R"
    assert parse_short_code("IL0O-ABCD-EF") == "1100ABCDEF"
    assert parse_short_code("7KQ2-M9XD-4") is None  # too short
    assert parse_short_code("7KQ2-M9XD-4U") is None  # U is not in the alphabet
    assert parse_short_code("a" * 64) is None  # a full digest is not a short code


@given(st.binary(min_size=1, max_size=40))
def test_code_is_the_first_50_bits(data):
    digest = hashlib.sha256(data).hexdigest()
    code = short_code(digest)
    assert len(code) == 10 and set(code) <= set(ALPHABET)
    value = 0
    for c in code:
        value = value * 32 + ALPHABET.index(c)
    assert value == int(digest, 16) >> (256 - 50)
    assert digest.startswith(hex_prefix(code))
    assert parse_short_code(grouped(code).lower().replace("1", "l").replace("0", "o")) == code
    # The 51st bit onward does not change the code; the 50th does.
    assert short_code(f"{int(digest[:13], 16) ^ 2:013x}{digest[13:]}") == code
    assert short_code(f"{int(digest[:13], 16) ^ 4:013x}{digest[13:]}") != code


def test_read_receipt_reads_a_hand_copy_and_drops_no_character():
    from votes.core.receipt_code import DIGEST, SHORT, read_receipt

    digest = "0123456789abcdef" * 4
    assert read_receipt("７ｋｑ２－ｍ９ｘｄ－４ｒ") == (SHORT, "7KQ2M9XD4R")
    assert read_receipt("7KQ2—M9XD—4R\n") == (SHORT, "7KQ2M9XD4R")
    assert read_receipt("\u200b".join("7KQ2M9XD4R")) == (SHORT, "7KQ2M9XD4R")
    assert read_receipt("“7KQ2-M9XD-4R”。") == (SHORT, "7KQ2M9XD4R")
    assert read_receipt(digest.upper()) == (DIGEST, digest)
    assert read_receipt("O123-4567-89ab-cdef") == (DIGEST, digest[:16])
    assert read_receipt("oi23 4567 89ab cdef") == (DIGEST, digest[:16])
    for refused in ("", "7KQ2-M9XD-4U", "7KQ2-M9XD-4ß", digest[:15], digest + "0",
                    digest[:8] + "g" + digest[8:], digest[:20] + "?", "0x" + digest[:20],
                    "7KQ2-M9XD-4R\u202e", "7KQ2。M9XD-4R"):
        assert read_receipt(refused) is None, refused
