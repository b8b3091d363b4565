"""Text others typed on the public board, in a phone's width: an owner's objection with a
pasted link (an unbroken run of hundreds of characters), and a committee's withdrawal
reason with one. The board must not scroll sideways (a phone then shows it shrunk, or half
of each line), in Chinese and in English."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.browser import live_server, need_tools, phone_browser
from tests.factories import make_draft
from tests.procedure_world import END, at, close_at_end, file_objection, open_vote, vote
from tests.test_screenshots import OVERFLOW_SCRIPT

pytestmark = pytest.mark.browser

LINK = "https://pan.example.com/s/" + "a1B2c3D4" * 40


def _uid(app, pid) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(str(pid)).uid


def _sideways(app, uid: str) -> dict[str, int]:
    with live_server(app) as base, phone_browser() as page:
        wide = {}
        for lang in ("zh_CN", "en"):
            page.goto(f"{base}/p/{uid}?lang={lang}")
            assert LINK[:30] in page.content()
            wide[lang] = page.evaluate(f"({OVERFLOW_SCRIPT})()")
    return wide


def test_an_objection_with_a_long_link_keeps_the_board_in_a_phones_width(sqlite_app,
                                                                         tmp_path):
    need_tools("chromium")
    app, runner = sqlite_app, sqlite_app.test_cli_runner()
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    file_objection(runner, tmp_path, pid, "B", f"计票有误，照片见 {LINK}")
    assert _sideways(app, _uid(app, pid)) == {"zh_CN": 0, "en": 0}


def test_a_withdrawal_reason_with_a_long_link_keeps_the_board_in_a_phones_width(sqlite_app,
                                                                               tmp_path):
    need_tools("chromium")
    app, runner = sqlite_app, sqlite_app.test_cli_runner()
    pid = make_draft(app, runner, tmp_path)
    at(app, datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc))
    done = runner.invoke(args=["proposal", "withdraw", str(pid), "--reason", f"报价见 {LINK}"])
    assert done.exit_code == 0, done.output
    assert _sideways(app, _uid(app, pid)) == {"zh_CN": 0, "en": 0}
