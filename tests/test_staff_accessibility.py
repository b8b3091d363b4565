"""The staff pages as a committee member, a regulator or an administrator at a desk meets
them, keyboard or screen reader in hand: axe-core (from the npm registry: `npm install
axe-core`, which .ci/run does) runs inside the main committee, regulator and admin pages, in
Chinese and in English, and no serious or critical violation may be left (a form field
without a name, a button without words, text too faint to read, a table without headers)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.browser import desk_browser, live_server, need_tools
from tests.test_owner_accessibility import _axe_file, serious_violations, with_axe

pytestmark = pytest.mark.browser


def _world(app, runner, tmp_path) -> tuple[int, str]:
    """A draft in SUN, an emergency use already published, the staff accounts."""
    from tests.factories import make_draft
    from tests.money_world import fire_pump_emergency, staff_accounts
    from tests.staff_world import PASSWORD

    pid = make_draft(app, runner, tmp_path, extra=())
    emergency = fire_pump_emergency(runner, tmp_path)
    staff_accounts(app, runner)
    result = runner.invoke(args=["users", "create", "--no-must-change", "admin1", "--role", "admin",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return pid, emergency


def _sign_in(page, base: str, login: str) -> None:
    from tests.staff_world import PASSWORD

    page.context.clear_cookies()
    page.goto(base + "/staff/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    assert "/staff/login" not in page.url, page.url


def test_staff_pages_pass_axe_at_a_desk_in_both_languages(sqlite_app, tmp_path):
    need_tools("chromium")
    axe = _axe_file()
    from tests.factories import make_roll_csv
    from tests.procedure_world import END, T0
    from tests.staff_world import enter_paper, sign_in

    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    pid, emergency = _world(app, runner, tmp_path)
    mover = app.test_client()  # moves the vote along between the looks
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(mover, "sun_committee")
    app.config["WTF_CSRF_ENABLED"] = True
    roll = make_roll_csv(tmp_path / "again.csv")
    found: dict[str, list] = {}
    checked: list[str] = []

    def check(page, name: str, lang: str) -> None:
        bad = serious_violations(page, name, lang)
        checked.append(f"{name}-{lang}")
        if bad:
            found[f"{name}-{lang}"] = bad

    def look(page, path: str, name: str) -> None:
        for lang in ("zh_CN", "en"):
            url = f"{base}{path}?lang={lang}"
            page.goto(url)
            page.wait_for_load_state()
            assert page.url == url, (name, page.url)  # the page itself, not a redirect's
            check(page, name, lang)

    def roll_preview(page) -> None:
        for lang in ("zh_CN", "en"):  # a POST's answer: its form sent again in each language
            page.goto(f"{base}/committee/c/SUN?lang={lang}")
            page.set_input_files("input[name=file]", str(roll))
            page.click("#roll-preview")
            page.wait_for_load_state()
            check(page, "roll preview", lang)

    with live_server(app) as base, desk_browser() as page:
        with_axe(page, axe)
        _sign_in(page, base, "sun_committee")
        c = f"/committee/p/{pid}"
        look(page, "/committee/c/SUN", "community")
        roll_preview(page)
        look(page, "/committee/c/SUN/proposals/new", "new proposal")
        look(page, c, "draft")
        look(page, "/committee/c/SUN/emergency", "emergency form")
        app.config["WTF_CSRF_ENABLED"] = False
        assert mover.post(f"{c}/move/schedule-publicity",
                          data={"confirm": "1"}).status_code == 302
        app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
        assert runner.invoke(args=["tick"]).exit_code == 0
        for room in ("101", "202"):
            assert enter_paper(mover, c, room, scan=(b"\xff\xd8\xff " + room.encode(), "s.jpg")).status_code == 302
        app.config["WTF_CSRF_ENABLED"] = True
        look(page, c, "voting")
        look(page, f"{c}/paper-ballots", "corrections")
        look(page, f"{c}/non-voters", "non-voters")
        app.config["VOTES_NOW"] = END + timedelta(hours=1)
        assert runner.invoke(args=["tick"]).exit_code == 0
        look(page, c, "closed")
        look(page, f"/committee/p/{emergency}/works", "works")

        _sign_in(page, base, "district")
        look(page, "/regulator/", "regulator overview")
        look(page, f"/regulator/p/{pid}", "regulator vote")
        look(page, "/admin/audit", "audit log")

        _sign_in(page, base, "admin1")
        look(page, "/admin/", "accounts")
    assert len(checked) == 2 * 14, checked
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_a_phone_cards_column_names_end_in_the_pages_language(sqlite_app, tmp_path):
    """On a phone the non-voters and staff-ballot lists become cards whose cells carry
    their column's name, written by the style sheet as "Building：" on English pages too."""
    need_tools("chromium")
    from tests.browser import phone_browser
    from tests.factories import make_open_proposal
    from tests.staff_world import committee_clerk

    app = sqlite_app
    runner = app.test_cli_runner()
    proposal = make_open_proposal(app, runner, tmp_path)
    committee_clerk(runner)
    before = """() => [...document.querySelectorAll('table.stack td[data-label]')]
        .map(td => getComputedStyle(td, '::before').content)"""
    with live_server(app) as base, phone_browser() as page:
        _sign_in(page, base, "clerk")
        for lang, colon in (("en", ": "), ("zh_CN", "：")):
            page.goto(f"{base}/committee/p/{proposal['id']}/non-voters?lang={lang}")
            contents = page.evaluate(before)
            assert contents and all(c.endswith(f'{colon}"') for c in contents), contents
