"""Every owner page on a phone (360×740, headless Chromium), in Chinese and in English: the
link, the poster's pick, the second factor, the ballot, its confirmation, the receipt, the
objection form, the owner's records and their fund debit. None may scroll sideways or carry
text under 12 px; each is kept under artifacts/screenshots/phone-<page>-<lang>.png."""

from __future__ import annotations


import pytest

from tests.browser import live_server, need_tools, page_html, phone_browser
from tests.owner_walk import PAGES, walk
from tests.test_screenshots import OVERFLOW_SCRIPT, SHOTS, SMALLEST_FONT_SCRIPT

pytestmark = pytest.mark.browser


def _look(page, name: str, lang: str, seen: dict) -> None:
    page.wait_for_load_state()
    assert ('<html lang="en">' in page_html(page)) == (lang == "en"), f"{name} not in {lang}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}-{lang}.png"), full_page=True)
    # A button wider than the screen, or a long word, widens the document itself.
    seen[f"{name}-{lang}"] = (page.evaluate(OVERFLOW_SCRIPT),
                              page.evaluate(SMALLEST_FONT_SCRIPT))


def test_every_owner_page_fits_a_phone_in_both_languages(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    seen: dict[str, tuple] = {}
    with live_server(app) as base, phone_browser() as page:
        walk(app, runner, tmp_path, base, page,
             lambda page, name, lang: _look(page, name, lang, seen))
    wide = {k: v[0] for k, v in seen.items() if v[0] > 0}
    small = {k: v[1] for k, v in seen.items() if v[1] < 12}
    assert len(seen) == 2 * PAGES and wide == {} and small == {}, seen
