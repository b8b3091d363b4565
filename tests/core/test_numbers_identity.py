"""Exact decimal input, ID checksums and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import resident_id
from votes.core.identity import (check_resident_id, mask_id, mask_name, mask_phone,
                                 valid_phone)
from votes.core.numbers import (format_area, format_area_grouped, format_percent, format_yuan,
                                parse_area, parse_yuan, whole_number)


@pytest.mark.parametrize("text, centi", [("89", 8900), ("89.5", 8950), ("89.50", 8950),
                                         (" 89.05 ", 8905), ("0.01", 1)])
def test_areas_parse_exactly(text, centi):
    assert parse_area(text) == centi


@pytest.mark.parametrize("text", ["0", "0.00", "-1", "89.123", "abc", "1e3", "", "8 9"])
def test_bad_areas_are_refused(text):
    with pytest.raises(ValueError):
        parse_area(text)


@pytest.mark.parametrize("text, number", [("0", 0), ("7", 7), ("007", 7), ("999999999", 999_999_999)])
def test_whole_numbers_of_ascii_digits(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", " 7", "7 ", "-1", "+1", "1.0", "²", "٣", "７", "1_000",
                                  "1234567890", "9" * 5000])
def test_other_text_is_no_whole_number(text):
    # "²", Arabic-Indic and full-width digits pass str.isdigit() (int() refuses the first);
    # 5,000 digits would make int() itself refuse.
    assert whole_number(text) is None


@given(st.text(max_size=12))
def test_a_whole_number_is_never_an_error_and_writes_back_as_given(text):
    number = whole_number(text, digits=12)
    assert number is None or str(number) == (text.lstrip("0") or "0")


def test_money():
    assert parse_yuan("356,000.00") == 35_600_000
    assert parse_yuan("0") == 0
    assert format_yuan(35_600_000) == "356,000.00"
    assert format_yuan(-123_456_789) == "-1,234,567.89" and format_yuan(99) == "0.99"
    assert parse_yuan(format_yuan(123_456_789)) == 123_456_789
    assert format_area(8950) == "89.50" and format_area(3_580_000) == "35800.00"  # machines
    assert format_area_grouped(3_580_000) == "35,800.00" and format_area_grouped(8950) == "89.50"
    assert format_percent(2, 3) == "66.67%"
    with pytest.raises(ValueError):
        parse_yuan("1.234")


def test_resident_id_checksum():
    assert check_resident_id("11010519491231002X")
    assert check_resident_id("11010519491231002x")
    assert check_resident_id(resident_id(7))
    wrong = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    assert not check_resident_id(wrong)
    assert not check_resident_id("1101051949123100")


def test_masking():
    assert mask_id("350502198001011234") == "3505**************"
    # Nothing of the second factor (the last 6), whatever the length.
    for n in range(0, 25):
        value = "".join(str(i % 10) for i in range(n))
        assert set(mask_id(value)[-6:]) <= {"*"} and len(mask_id(value)) == n
    assert mask_phone("13912345678") == "139****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name(" 萧 ") == "*"  # one character: showing it would show the whole name
    assert mask_name("") == ""
    assert valid_phone("13912345678") and not valid_phone("12345")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1,
               max_size=12))
def test_a_masked_name_never_shows_more_than_its_first_character_nor_a_whole_name(name):
    masked = mask_name(name)
    assert len(masked) == len(name.strip())
    assert masked[1:] == "*" * (len(masked) - 1)
    # Only a name whose every character after the first is already "*" masks to itself.
    assert masked != name.strip() or set(name.strip()[1:]) <= {"*"}


@given(st.integers(1, 10_000_000_00))
def test_an_area_as_screens_write_it_reads_back(centi):
    """Screens and notices write areas grouped (format_area_grouped); a committee member who
    copies one into a form or a roll file must not be refused for the commas."""
    assert parse_area(format_area_grouped(centi)) == centi


@pytest.mark.parametrize("text", ["89,50", "1,23.00", "12,000,0", "1,000.5,0"])
def test_a_comma_in_an_area_only_separates_thousands(text):
    with pytest.raises(ValueError) as refused:
        parse_area(text)
    assert "逗号" in str(refused.value)


@pytest.mark.parametrize("typed", ["2²", "²", "1⁰⁰", "₅0", "١٢", "Ⅻ", "½", "12.5\u00b2"])
def test_superscripts_and_other_numerals_are_not_read_as_digits(typed):
    # NFKC reads "2²" as 22: an amount or an area of what was not typed.
    with pytest.raises(ValueError):
        parse_yuan(typed)
    with pytest.raises(ValueError):
        parse_area(typed)


def test_full_width_digits_point_and_comma_are_still_the_same_number():
    assert parse_yuan("１，２３４．５０") == 123450
    assert parse_area("\u3000８９．５\u3000") == 8950
