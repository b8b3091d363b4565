"""Objections stored before the 60-line rule (kept as filed: the chain holds their digest)
on the public board and the owner's own page: a text of 2,000 line breaks, or a column of
999 one-character lines, took the board tens of thousands of pixels down a phone. Shown by
the filing rule now: each run of blank lines as one, the first MAX_LINES lines, the rest
folded; every character still in the page, in order."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.browser import live_server, need_tools, phone_browser
from tests.security.test_objection_access import _verify, closed  # noqa: F401

BLANKS = "第一行" + "\n" * 1990 + "最后一行"
COLUMN = "。\n" * 998 + "。"


def _file_as_before_the_rule(app, client, closed, room, text) -> None:  # noqa: F811
    """Filed as the server did before MAX_LINES: a text of any number of lines."""
    from votes.services.procedure import objections

    token = _verify(app, client, closed, room)
    kept, objections.MAX_LINES = objections.MAX_LINES, 10 ** 6
    try:
        filed = client.post(f"/v/{token}/objection", data={"text": text})
    finally:
        objections.MAX_LINES = kept
    assert "已收到您的异议" in filed.get_data(as_text=True)


def _text_content(html: str, seq_id: str) -> str:
    """The text of the element with this id, its fold's summary (the page's own words) left
    out: what a reader copies from the opened fold, or a program takes from the page."""
    block = html[html.index(f'id="{seq_id}"'):]
    block = re.sub(r"<summary>[^<]*</summary>", "", block[:block.index("</div>\n")])
    return unescape(re.sub(r"<[^>]+>", "", block))


def _shown_lines(html: str) -> int:
    """Line breaks a reader sees before any fold: hidden runs and folds dropped."""
    html = re.sub(r'<span class="blank-run" hidden>[^<]*</span>', "", html)
    html = re.sub(r"<details class=\"more-lines\">.*?</details>", "", html, flags=re.S)
    return sum(span.count("\n") + 1
               for span in re.findall(r'<span class="kept-lines"[^>]*>([^<]*)</span>', html))


def test_an_objection_stored_before_the_line_rule_is_shown_within_it(app, client,
                                                                      closed):  # noqa: F811
    from votes.core.kept_lines import MAX_LINES

    _file_as_before_the_rule(app, client, closed, "202", BLANKS)
    _file_as_before_the_rule(app, app.test_client(), closed, "102", COLUMN)
    board = app.test_client().get(f"/p/{closed['uid']}").get_data(as_text=True)
    assert "警告" not in board  # the texts are the filed ones, whose digests the chain holds
    seqs = re.findall(r'id="objection-(\d+)"', board)
    assert len(seqs) == 2
    for seq, text in zip(seqs, (BLANKS, COLUMN)):
        block = board[board.index(f'id="objection-{seq}"'):]
        block = block[:block.index('<div class="objection"') if '<div class="objection"'
                      in block else len(block)]
        # Every character, in order, in the page (what §17's hash is taken of).
        assert text in _text_content(board, f"objection-{seq}"), seq
        assert _shown_lines(block) <= MAX_LINES + 1, (seq, _shown_lines(block))
    assert "展开其余 939 行" in board  # the column: 60 shown, the rest to open
    mine = client.get(f"/v/{_verify(app, client, closed, '102')}/objection",
                      follow_redirects=True).get_data(as_text=True)
    assert "展开其余 939 行" in mine
    assert COLUMN in unescape(re.sub(r"<[^>]+>", "", re.sub(r"<summary>[^<]*</summary>", "", mine)))


@pytest.mark.browser
def test_an_objection_stored_before_the_line_rule_keeps_the_board_short_on_a_phone(
        sqlite_app, tmp_path):
    need_tools("chromium")
    from tests.procedure_world import close_at_end, open_vote, show, vote

    app, runner = sqlite_app, sqlite_app.test_cli_runner()
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    closed = {"id": int(pid), "pid": pid, "uid": show(runner, pid)["uid"]}  # noqa: F811
    _file_as_before_the_rule(app, app.test_client(), closed, "202", BLANKS)
    _file_as_before_the_rule(app, app.test_client(), closed, "102", COLUMN)
    with live_server(app) as base, phone_browser() as page:
        page.goto(f"{base}/p/{closed['uid']}")
        heights = page.evaluate("() => [...document.querySelectorAll('.objection')]"
                                ".map(e => e.getBoundingClientRect().height)")
        whole = page.evaluate("() => [...document.querySelectorAll('.objection')].map(e =>"
                              " [...e.querySelectorAll('.kept-lines')].map(s => s.textContent)"
                              ".join('')).join('|')")
        page.click("details.more-lines summary")
        opened = page.evaluate("() => document.querySelector('.objection details.more-lines')"
                               ".getBoundingClientRect().height")
    assert BLANKS in whole and COLUMN in whole
    # The blank-line text a few lines; the column its 60 lines (some 28 px each), not 28,000.
    assert len(heights) == 2 and heights[0] < 300 and heights[1] < 2000, heights
    assert opened > 20000  # the rest is there for whoever opens it
