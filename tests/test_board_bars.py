"""The board's progress bars were images named only by their number ("42.0%"): a screen
reader said four bare percentages in a row, and a blind owner could not tell turnout by
area from approval by head. Each bar is now named by what it measures, in both languages,
on the board and on the committee's page of the proposal."""

from __future__ import annotations

import re

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in

NAMES = {"zh_CN": ("参与表决面积", "参与表决人数", "同意面积", "同意人数"),
         "en": ("Participating area", "Participating voters", "Agreeing area",
                "Agreeing voters")}
COMMITTEE = {"zh_CN": ("参与面积", "参与人数", "同意面积", "同意人数"), "en": NAMES["en"]}


def _bars(page: str) -> list[str]:
    return re.findall(r'<svg class="bar"[^>]*aria-label="([^"]*)"', page)


def test_each_bar_is_named_by_what_it_measures(sqlite_app, tmp_path):
    app = sqlite_app
    runner = app.test_cli_runner()
    vote = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    public, committee = app.test_client(), app.test_client()
    sign_in(committee, "sun_committee")
    for lang in NAMES:
        for client, url, names in ((public, f"/p/{vote['uid']}", NAMES[lang]),
                                   (committee, f"/committee/p/{vote['pid']}", COMMITTEE[lang])):
            bars = _bars(client.get(f"{url}?lang={lang}").get_data(as_text=True))
            assert len(bars) == 4, (url, lang, bars)
            for name, bar in zip(names, bars):
                assert re.fullmatch(rf"{name} \d+(\.\d)?%", bar), (url, lang, bars)
