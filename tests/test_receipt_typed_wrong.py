"""A receipt code copied by hand and typed back wrong, weeks later, on another phone: the
board said "没有找到这个回执码。请检查是否输入完整。" to every mistake alike — a code one
character short, a U or a stray letter the code never has, a character mis-copied, or the
right code typed on the board of another vote — and "check it is complete" was the wrong
advice for all but the first."""

from __future__ import annotations

import re

from tests.factories import make_open_proposal
from tests.test_owner_http import cast, verified


def _said(client, uid, typed) -> str:
    html = client.get(f"/p/{uid}", query_string={"receipt": typed}).get_data(as_text=True)
    found = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1)


def test_a_code_that_is_not_a_code_says_what_a_code_looks_like(app, runner, tmp_path,
                                                              client):
    vote = make_open_proposal(app, runner, tmp_path)
    verified(client, app, vote)
    page = client.get(cast(client, vote)[0].headers["Location"]).get_data(as_text=True)
    short = re.search(r'id="receipt-short">([^<]+)<', page).group(1)
    for typed in (short[:-1], short[:-1] + "U"):  # a character left out; a U
        words = _said(client, vote["uid"], typed)
        assert "10" in words and "U" in words and "重新输入" in words, (typed, words)
    wrong = short[:-1] + ("Z" if short[-1] == "2" else "2")  # a 2 read as Z, or back
    words = _said(client, vote["uid"], wrong)
    assert "逐个核对" in words and "本事项" in words, words
    assert "请检查是否输入完整" not in words
    english = client.get(f"/p/{vote['uid']}", query_string={"receipt": wrong, "lang": "en"})
    assert "character by character" in english.get_data(as_text=True)
