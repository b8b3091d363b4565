"""Every owner page on a phone (360×740, headless Chromium), in Chinese and in English: the
link, the poster's pick, the second factor, the ballot, its confirmation, the receipt, the
objection form, the owner's records and their fund debit. None may scroll sideways or carry
text under 12 px; each is kept under artifacts/screenshots/phone-<page>-<lang>.png. And each
passes axe-core with no serious or critical violation, its main actions big enough to tap,
its pictures named and its focus ring visible (tests/test_owner_accessibility.py's checks).

One walk (tests/owner_walk.py) looks at each page both ways: the two tests that walked it
each on their own took twice the walk's browser time for the same pages."""

from __future__ import annotations

import json

import pytest

from tests.browser import live_server, need_tools, phone_browser
from tests.owner_walk import PAGES, walk
from tests.test_owner_accessibility import AXE_PLACES, _check, with_axe
from tests.test_screenshots import OVERFLOW_SCRIPT, SHOTS, SMALLEST_FONT_SCRIPT

pytestmark = pytest.mark.browser


def _look(page, name: str, lang: str, seen: dict) -> None:
    page.wait_for_load_state()
    # The document's language, how far it scrolls sideways (a button wider than the
    # screen, or a long word, widens the document itself) and its smallest text, in one
    # round trip to the page rather than three (the first serialised the whole document).
    html_lang, wide, smallest = page.evaluate(
        f"() => [document.documentElement.getAttribute('lang'),"
        f" ({OVERFLOW_SCRIPT})(), ({SMALLEST_FONT_SCRIPT})()]")
    assert (html_lang == "en") == (lang == "en"), f"{name} not in {lang}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    # At the page's CSS pixels (the phone draws at twice them): the picture is for a person
    # to look at, nothing reads it, and one a quarter the size takes half the time to make.
    page.screenshot(path=str(SHOTS / f"phone-{name}-{lang}.png"), full_page=True, scale="css")
    seen[f"{name}-{lang}"] = (wide, smallest)


def test_every_owner_page_fits_a_phone_and_passes_axe_in_both_languages(sqlite_app, tmp_path):
    need_tools("chromium")
    axe = next((place for place in AXE_PLACES if place.is_file()), None)
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    seen: dict[str, tuple] = {}
    found: dict[str, dict] = {}
    checked = []

    def look(page, name, lang):
        # The screenshot and the layout first: the axe check moves the keyboard's focus.
        _look(page, name, lang, seen)
        if axe is not None:
            checked.append(f"{name}-{lang}")
            _check(page, name, lang, found)

    with live_server(app) as base, phone_browser() as page:
        if axe is not None:
            with_axe(page, axe)
        walk(app, runner, tmp_path, base, page, look)
    wide = {k: v[0] for k, v in seen.items() if v[0] > 0}
    small = {k: v[1] for k, v in seen.items() if v[1] < 12}
    assert len(seen) == 2 * PAGES and wide == {} and small == {}, seen
    if axe is None:
        pytest.skip("the pages fit a phone; axe-core's check needs axe-core: "
                    "`npm install --no-save axe-core` in the repository (.ci/run does)")
    assert len(checked) == 2 * PAGES, checked
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
