"""Every owner page on a phone (360×740, headless Chromium), in Chinese and in English: the
link, the poster's pick, the second factor, the ballot, its confirmation, the receipt, the
objection form, the owner's records and their fund debit. None may scroll sideways or carry
text under 12 px; each is kept under artifacts/screenshots/phone-<page>-<lang>.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser import live_server, need_tools, page_html, phone_browser
from tests.factories import resident_id, voter_token
from tests.money_world import works_done
from tests.procedure_world import END, at, close_at_end, open_vote, show, vote
from tests.test_screenshots import OVERFLOW_SCRIPT, SHOTS, SMALLEST_FONT_SCRIPT

pytestmark = pytest.mark.browser

OWNERS = {"zh_CN": ("101", 1), "en": ("102", 2)}  # room of building 1, resident serial


def _look(page, name: str, lang: str, seen: dict) -> None:
    page.wait_for_load_state()
    assert ('<html lang="en">' in page_html(page)) == (lang == "en"), f"{name} not in {lang}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}-{lang}.png"), full_page=True)
    # A button wider than the screen, or a long word, widens the document itself.
    seen[f"{name}-{lang}"] = (page.evaluate(OVERFLOW_SCRIPT),
                              page.evaluate(SMALLEST_FONT_SCRIPT))


def _answer(page, serial: int, lands: str) -> None:
    """The second factor answered with the owner's ID's last six, landing on /<lands>."""
    page.fill("#answer", resident_id(serial)[-6:])
    page.click("#verify-submit")
    page.wait_for_url(re.compile(rf".*/{lands}$"))


def test_every_owner_page_fits_a_phone_in_both_languages(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    seen: dict[str, tuple] = {}
    with live_server(app) as base:
        pid = open_vote(app, runner, tmp_path, "objection_days=3")
        uid = show(runner, pid)["uid"]
        proposal = {"id": int(pid)}
        vote(runner, tmp_path, pid, {v: "agree" for v in "CDE"})
        with phone_browser() as page:
            page.set_viewport_size({"width": 360, "height": 740})
            for lang, (room, serial) in OWNERS.items():
                page.context.clear_cookies()
                page.goto(f"{base}/p/{uid}/pick?lang={lang}")
                _look(page, "pick", lang, seen)
                page.goto(f"{base}/v/{voter_token(app, proposal, room=room)}")
                page.wait_for_url(re.compile(r".*/verify$"))
                _look(page, "link-verify", lang, seen)
                _answer(page, serial, "ballot")
                _look(page, "ballot", lang, seen)
                page.check("input[value=agree]")
                page.click("#next")
                page.wait_for_url(re.compile(r".*/confirm$"))
                _look(page, "confirm", lang, seen)
                page.click("#cast-submit")
                page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"))
                _look(page, "receipt", lang, seen)
            close_at_end(app, runner, pid)
            for lang, (room, serial) in OWNERS.items():
                page.context.clear_cookies()
                token = voter_token(app, proposal, room=room)
                page.goto(f"{base}/v/{token}/objection?lang={lang}")
                page.wait_for_url(re.compile(r".*/verify$"))
                _answer(page, serial, "objection")
                page.fill("#objection-text", "电梯报价偏高，请公开比价记录" * 3)
                page.click("#objection-submit")
                assert 'id="objection-filed"' in page_html(page)
                _look(page, "objection", lang, seen)
            at(app, END + timedelta(days=3, hours=1))
            listing = runner.invoke(args=["proposal", "objections", pid]).output
            for seq in sorted(set(re.findall(r"第 (\d+) 条", listing))):
                answered = runner.invoke(args=[
                    "proposal", "answer", pid, seq, "--decision", "rejected",
                    "--text", "报价已经三家比价，比价记录见公示栏附件"])
                assert answered.exit_code == 0, (listing, answered.output)
            assert show(runner, pid)["state"] == "published", listing
            works_done(runner, tmp_path, pid, payments=("2000.00",))
            assert runner.invoke(args=["works", "settle", pid, "--final-cost",
                                       "6400.00"]).exit_code == 0
            for lang, (room, serial) in OWNERS.items():
                page.context.clear_cookies()
                page.goto(f"{base}/v/{voter_token(app, proposal, room=room)}?lang={lang}")
                page.wait_for_url(re.compile(r".*/verify$"))
                _look(page, "read-only-verify", lang, seen)
                _answer(page, serial, "mine")
                _look(page, "mine", lang, seen)
                page.goto(f"{base}/p/{uid}/fund")
                _look(page, "fund", lang, seen)
    wide = {k: v[0] for k, v in seen.items() if v[0] > 0}
    small = {k: v[1] for k, v in seen.items() if v[1] < 12}
    assert len(seen) == 18 and wide == {} and small == {}, seen
