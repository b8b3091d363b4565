"""The roll's confirm in the browser while a large roll imports: the click shows at once
that the import has started and the form is not sent a second time (roll_busy.js, under the
staff pages' script policy); without scripts the same form imports the roll."""

from __future__ import annotations

import json
import threading
from urllib.parse import unquote

import pytest

from tests.browser import desk_browser, live_server, need_tools, page_html, phone_browser
from tests.factories import make_roll_csv

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _world(app):
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园",
                               "--jurisdiction", "350502"]).exit_code == 0
    assert runner.invoke(args=["users", "create", "--no-must-change", "sun", "--role",
                               "committee", "--community", "SUN", "--password",
                               PASSWORD]).exit_code == 0


def _to_preview(page, base, roll) -> None:
    page.goto(base + "/staff/login")
    page.fill("#login", "sun")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(base + "/committee/c/SUN")
    page.set_input_files("input[name=file]", str(roll))
    page.click("#roll-preview")
    assert "将导入 7 户" in page_html(page)


def test_the_confirm_click_says_it_started_and_is_sent_once(sqlite_app, tmp_path,
                                                            monkeypatch):
    need_tools("chromium")
    from votes.services import roll_upload

    app = sqlite_app
    _world(app)
    roll = make_roll_csv(tmp_path / "roll.csv")
    started, go = threading.Event(), threading.Event()
    real = roll_upload.import_roll

    def held(*args, **kwargs):
        started.set()
        assert go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(roll_upload, "import_roll", held)
    with live_server(app) as base, desk_browser() as page:
        errors: list = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _to_preview(page, base, roll)
        sent: list = []
        page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/roll/confirm")
                else None)
        # What the page shows while it waits for the answer, sent back in a request's
        # address (Playwright reads no page mid-navigation): 1.5 s after the click, then a
        # second submit tried (Enter, a script, a click the page let through).
        page.evaluate("""() => document.querySelector("form[data-busy]").addEventListener(
            "submit", () => setTimeout(() => {
                const status = document.querySelector("form[data-busy] [data-busy-status]");
                const seen = {hidden: status.hidden, text: status.textContent,
                              disabled: document.querySelector("#roll-confirm").disabled};
                document.querySelector("form[data-busy]").requestSubmit();
                fetch("/static/favicon.svg?seen=" + encodeURIComponent(JSON.stringify(seen)));
            }, 1500), {once: true})""")
        try:
            with page.expect_event("request", lambda r: "seen=" in r.url) as seeing:
                page.click("#roll-confirm", no_wait_after=True)
            shown = json.loads(unquote(seeing.value.url.split("seen=")[1]))
            assert started.is_set()
            assert not shown["hidden"] and shown["disabled"], shown
            assert "正在导入名册" in shown["text"] and "已等待" in shown["text"], shown
        finally:
            go.set()
        page.wait_for_url(f"{base}/committee/c/SUN")
        assert "已替换业主名册" in page_html(page) or "已导入业主名册" in page_html(page)
        assert len(sent) == 1, sent
        assert not [e for e in errors if "Content Security Policy" in e], errors


def test_without_scripts_the_note_is_shown_and_the_roll_imports(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    _world(app)
    roll = make_roll_csv(tmp_path / "roll.csv")
    with live_server(app) as base, phone_browser(javascript=False) as page:
        page.goto(base + "/staff/login")
        page.fill("#login", "sun")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.goto(base + "/committee/c/SUN")
        assert page.locator("#roll-preview-wait").is_visible()
        assert not page.locator("[data-busy-status]").is_visible()
        page.set_input_files("input[name=file]", str(roll))
        page.click("#roll-preview")
        assert page.locator("#roll-confirm-wait").is_visible()
        assert "7 户" in page.locator("#roll-confirm-wait").inner_text()
        page.click("#roll-confirm")
        assert "<strong>7</strong>" in page_html(page) or "7 户" in page_html(page)
        assert "已导入业主名册" in page_html(page)
