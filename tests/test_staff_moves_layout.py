"""The committee's 操作 row on a proposal's page, at a desk (1280 px): each move's
confirmation box stays beside its own button."""

from __future__ import annotations

import pytest

from tests.browser import desk_browser, live_server, need_tools, shot
from tests.factories import make_draft

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_each_confirmation_stays_beside_its_button(sqlite_app, tmp_path):
    """On a draft the row wrapped inside a form: 按计划公示's box ended the first line,
    right after 立即开始公示, and its button began the next, beside 修改草稿, so a member
    read the box as the button's before it and the button as a lone one."""
    need_tools("chromium")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    pid = make_draft(app, runner, tmp_path, extra=())
    assert runner.invoke(args=["users", "create", "--no-must-change", "sun", "--role",
                               "committee", "--community", "SUN", "--password",
                               PASSWORD]).exit_code == 0
    with live_server(app) as base, desk_browser() as page:
        page.goto(base + "/staff/login")
        page.fill("#login", "sun")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.goto(f"{base}/committee/p/{pid}")
        shot(page, "committee-draft-moves")
        rows = page.evaluate("""[...document.querySelectorAll('form.inline')].filter(
            f => f.querySelector('input[type=checkbox]') && f.querySelector('button')).map(f => {
              const box = f.querySelector('input[type=checkbox]').getBoundingClientRect();
              const button = f.querySelector('button').getBoundingClientRect();
              return [f.querySelector('button').id, Math.abs((box.top + box.bottom) / 2
                      - (button.top + button.bottom) / 2) < button.height / 2];
            })""")
    assert len(rows) == 3 and all(beside for _id, beside in rows), rows
