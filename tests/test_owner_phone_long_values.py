"""Long but valid values on the board and the ballot at a phone's width (360 px), in
Chinese and in English: a 64-character title, a long community name, a 12-digit budget. The
English board and ballot scrolled sideways by 17 and 7 px: the budget's row (the figure and
its unit kept on one line) beside "Total budget", whose words did not break."""

from __future__ import annotations

import re

import pytest

from tests.browser import live_server, need_tools, phone_browser
from tests.factories import resident_id, voter_token
from tests.procedure_world import open_vote, show
from tests.test_screenshots import OVERFLOW_SCRIPT

pytestmark = pytest.mark.browser

TITLE = "1号楼2号楼3号楼电梯更换及外墙渗漏维修工程（含消防管道改造、屋面防水、公共照明更新）一期"
NAME = "广东省东莞市南城街道阳光花园第三期业主大会暨业主委员会管理区域之东区小区"


def test_long_values_keep_the_owner_pages_in_a_phones_width(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    runner = app.test_cli_runner()
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    uid = show(runner, pid)["uid"]
    with app.app_context():
        from votes.extensions import db
        from votes.models import Community, Proposal

        # Set in the rows the pages read (the layout is what is looked at here, not the
        # chain): the longest each may be.
        proposal = db.session.get(Proposal, int(pid))
        proposal.title, proposal.budget = TITLE[:64], 123456789012_00
        db.session.get(Community, proposal.community_id).name = NAME
        db.session.commit()
        db.session.remove()
    wide = {}
    with live_server(app) as base, phone_browser() as page:
        for lang in ("zh_CN", "en"):
            page.context.clear_cookies()
            page.goto(f"{base}/p/{uid}?lang={lang}")
            assert "123,456,789,012.00" in page.content()
            wide[f"board-{lang}"] = page.evaluate(f"({OVERFLOW_SCRIPT})()")
            page.goto(f"{base}/v/{voter_token(app, {'id': int(pid)}, room='101')}")
            page.wait_for_url(re.compile(r".*/verify$"))
            page.fill("#answer", resident_id(1)[-6:])
            page.click("#verify-submit")
            page.wait_for_url(re.compile(r".*/ballot$"))
            wide[f"ballot-{lang}"] = page.evaluate(f"({OVERFLOW_SCRIPT})()")
    assert set(wide.values()) == {0}, wide
