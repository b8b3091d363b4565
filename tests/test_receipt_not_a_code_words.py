"""What the board says of text that is no receipt code: a receipt shows two codes, the
10-character one and the long one (完整回执码, 64 characters). The message described only the
short code, also to an owner who had typed the long one with one character wrong."""

from __future__ import annotations

from tests.factories import make_open_proposal
from tests.test_receipt_superseded_words import _lookup


def test_a_long_code_with_a_wrong_character_is_told_both_forms(app, runner, tmp_path, client):
    vote = make_open_proposal(app, runner, tmp_path)
    typed_wrong = ("ab" * 31 + "ag", "7KQ2-M9XD-4?")
    for typed in typed_wrong:
        words = _lookup(client, vote["uid"], typed)
        assert "不是有效的回执码" in words, words
        assert "10 位" in words and "7KQ2-M9XD-4R" in words, words  # the short code
        assert "完整回执码" in words and "64 位" in words, words  # and the long one
    for typed in typed_wrong:  # the language chosen stays for the session
        english = _lookup(client, vote["uid"], typed, "&lang=en")
        assert "10-character" in english and "64" in english, english
