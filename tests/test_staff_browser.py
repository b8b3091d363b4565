"""A committee runs a whole vote in the browser; a regulator downloads and verifies it."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.browser import ARTIFACTS, desk_browser, live_server, need_tools, page_html, shot
from tests.factories import make_roll_csv

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def local(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_committee_and_regulator_in_the_browser(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True  # the browser runs with the real protections on
    runner = app.test_cli_runner()
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园",
                               "--jurisdiction", "350502"]).exit_code == 0
    for args in (["sun", "--role", "committee", "--community", "SUN"],
                 ["district", "--role", "regulator", "--jurisdiction", "350502"]):
        assert runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)

    with live_server(app) as base, desk_browser() as page:
        page.goto(base + "/staff/login")
        page.fill("#login", "sun")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.click("a:text-is(\"SUN\")")
        page.set_input_files("input[name=file]", str(roll))
        page.click("#roll-preview")
        assert "将导入 7 户" in page_html(page)
        shot(page, "committee-1-roll-preview")
        page.click("#roll-confirm")
        assert "<strong>7</strong>" in page_html(page)

        page.click("#new-proposal")
        page.fill("#title", "水泵抢修")
        from playwright.sync_api import expect

        page.check("input[name=scope_building][value='1']")  # ticked from the roll
        expect(page.locator("#scope-live")).to_contain_text("3 人")  # the live count
        expect(page.locator("#scope-live")).to_contain_text("1号楼：")  # the scope in words
        expect(page.locator("#scope")).to_have_value("")  # no syntax written into the field
        page.fill("#budget", "5000.00")
        page.check("input[name=emergency]")
        page.fill("#publicity_start", local(now + timedelta(minutes=30)))
        page.fill("#voting_start", local(now + timedelta(hours=1)))
        page.fill("#voting_end", local(now + timedelta(days=3)))
        page.click("#preview-shares")
        assert "费用分摊预览" in page_html(page)
        shot(page, "committee-2-wizard")
        page.click("#create-proposal")
        page.wait_for_url(re.compile(r".*/committee/p/\d+$"))
        page.check("#confirm-start-publicity")
        page.click("#move-start-publicity")  # publish the plan now, ahead of its date
        assert "公示中" in page.locator("#state-badge").inner_text()
        app.config["VOTES_NOW"] = now + timedelta(hours=1)
        page.reload()  # voting opens at its start time, on the next request
        assert "表决中" in page.locator("#state-badge").inner_text()
        page.fill("#p-building", "1")
        page.fill("#p-entrance", "1")
        page.fill("#p-room", "101")
        (tmp_path / "scan.jpg").write_bytes(b"\xff\xd8\xff\xe0 scanned form")  # a JPEG by its bytes
        page.set_input_files("#p-evidence", str(tmp_path / "scan.jpg"))
        page.click("#paper-submit")
        assert "已录入 1 张选票" in page_html(page)
        shot(page, "committee-3-voting")
        app.config["VOTES_NOW"] = now + timedelta(days=3, minutes=1)
        page.reload()
        # closed at its end time when the page was loaded
        assert "已结束" in page.locator("#state-badge").inner_text()
        shot(page, "committee-4-closed")
        pid = page.url.rsplit("/", 1)[1]

        page.click("text=退出")
        page.fill("#login", "district")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        assert "水泵抢修" in page_html(page)
        shot(page, "regulator-1-overview")
        page.goto(f"{base}/regulator/p/{pid}")
        with page.expect_download() as info:
            page.click("#download-bundle")
        bundle = tmp_path / "bundle.zip"
        info.value.save_as(bundle)
        assert "chain.jsonl" in zipfile.ZipFile(bundle).namelist()
        page.click("#verify-bundle")
        assert page.inner_text("#verify-verdict").startswith("验证通过")
        page.click("#verify-raw summary")  # the verifier's own report, folded under the summary
        report = page.inner_text("#verify-report")
        assert report.startswith("验证通过 / VERIFIED")
        shot(page, "regulator-2-verified")

    from votes.core.verifier import verify_bundle

    from votes.services.keys import keyring

    with app.app_context():
        ring = keyring()
    assert verify_bundle(bundle.read_bytes(), trusted_keys=ring).ok
    assert (ARTIFACTS / "regulator-2-verified.png").exists()
