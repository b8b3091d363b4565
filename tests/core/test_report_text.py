"""report.txt's line breaking (core.report_text.wrap): every line within 80 columns, the
text kept, and a word as long as a scope naming 30,000 units cut in time proportional to
its length."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from votes.core.report_text import WIDTH, columns, wrap

_PIECES = st.sampled_from(["a", "中", " ", "  ", "-", "1-1-2,", "x" * 90, "长" * 50, "文a"])


@given(st.lists(_PIECES, max_size=40).map("".join),
       st.sampled_from([(4, ""), (10, "标签 Label: "), (2, "x" * 79), (4, "长" * 39)]))
def test_no_line_is_wider_than_the_page_and_no_character_is_lost(text, layout):
    indent, head = layout
    lines = wrap(text, indent=indent, head=head)
    assert all(columns(line) <= WIDTH for line in lines), lines
    assert "".join(lines).replace(" ", "") == (head + text).replace(" ", "")


def test_a_word_of_300000_characters_is_cut_in_one_pass():
    """A scope naming 30,000 units is one word without spaces: each cut measured the rest
    of the word again, so report.txt took four minutes to write (an hour at the size
    limit) and the export with it."""
    word = ",".join(f"1-1-{i}" for i in range(30_000))
    started = time.process_time()
    lines = wrap(word, indent=4, head="范围 Scope: ")
    assert time.process_time() - started < 2.0
    assert all(columns(line) == WIDTH for line in lines[:-1])
    assert "".join(line.strip() for line in lines) == "范围 Scope: " + word


def test_exactly_a_line_fills_it_and_one_more_column_breaks():
    assert wrap("x" * 76, indent=4, head="abcd") == ["abcd" + "x" * 76]
    assert wrap("x" * 77, indent=4, head="abcd") == ["abcd" + "x" * 76, "    x"]
    assert wrap("中" * 38 + " 中", indent=4, head="abcd") == ["abcd" + "中" * 38, "    中"]
