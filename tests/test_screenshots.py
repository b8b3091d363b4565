"""What a phone user sees, at 360×640 in headless Chromium, kept under artifacts/screenshots/:
the notice's first page (as pdftoppm draws it), the public board during publicity, and the
owner's receipt. Each is also checked for what a phone user would find broken: text wider
than the screen (a sideways scroll) and text too small to read."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser import ARTIFACTS, live_server, need_tools, page_html, phone_browser
from tests.factories import make_roll_csv, resident_id

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots"
# Wider than the viewport by this much means the page scrolls sideways. A phone browser
# (is_mobile) widens its layout viewport to a page wider than the screen and zooms out, so
# window.innerWidth grows with the page: the screen's own width is the measure too.
OVERFLOW_SCRIPT = """() => Math.max(document.documentElement.scrollWidth, window.innerWidth)
  - Math.min(window.innerWidth, screen.width)"""
# Times and the receipt code are copied as a whole: they must not break across lines.
UNBROKEN_SCRIPT = """() => [...document.querySelectorAll('.nowrap')].every(
  e => e.getClientRects().length === 1)"""
CODE_LINES_SCRIPT = """() => { const e = document.querySelector('#receipt-short');
  return Math.round(e.clientHeight / parseFloat(getComputedStyle(e).lineHeight)); }"""
SMALLEST_FONT_SCRIPT = """() => Math.min(...[...document.querySelectorAll('body *')]
  .filter(e => e.offsetParent !== null && [...e.childNodes].some(
     n => n.nodeType === 3 && n.textContent.trim()))
  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def save(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def readable_on_a_phone(page, name: str) -> None:
    assert page.evaluate(OVERFLOW_SCRIPT) <= 0, f"{name} scrolls sideways on a 360 px screen"
    assert page.evaluate(SMALLEST_FONT_SCRIPT) >= 12, f"{name} has text under 12 px"


def test_phone_screenshots(sqlite_app, tmp_path):
    need_tools("chromium", "pdftoppm")
    app = sqlite_app
    app.config["WTF_CSRF_ENABLED"] = True
    runner = app.test_cli_runner()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with live_server(app) as base:
        assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
        assert runner.invoke(args=["community", "contact", "SUN", "--committee",
                                   "阳光花园业主委员会", "--phone", "0595-22881234"]).exit_code == 0
        roll = make_roll_csv(tmp_path / "roll.csv")
        imported = runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)])
        assert imported.exit_code == 0, imported.output
        app.config["VOTES_NOW"] = now - timedelta(hours=2)
        pid = runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", "1号楼电梯更换",
            "--description", "1号楼两部电梯已运行二十年，年检多次整改，拟整体更换。",
            "--matter", "use_fund", "--scope", "building:1", "--budget", "356000.00",
            "--item", "电梯设备:300000.00", "--item", "安装调试:56000.00",
            "--publicity-start", (now - timedelta(hours=1)).isoformat(),
            "--voting-start", (now + timedelta(days=7)).isoformat(),
            "--voting-end", (now + timedelta(days=14)).isoformat(), "--schedule"]).output.strip()
        app.config["VOTES_NOW"] = now  # publicity began an hour ago
        pdf = tmp_path / "notices.pdf"
        result = runner.invoke(args=["notices", pid, "-o", str(pdf)])
        assert result.exit_code == 0, result.output
        subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf),
                        str(tmp_path / "notice")], check=True)
        png = next(tmp_path.glob("notice*.png"))
        html = tmp_path / "notice.html"
        html.write_text(f'<meta name="viewport" content="width=device-width">'
                        f'<body style="margin:0"><img src="{png.name}" style="width:100%">',
                        encoding="utf-8")
        uid = _uid(app, pid)

        with phone_browser() as page:
            page.goto(html.as_uri())
            page.wait_for_load_state()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "notice-page1.png"))  # the phone's first screen

            page.goto(f"{base}/p/{uid}")
            assert "1号楼电梯更换" in page_html(page) and "公示" in page_html(page)
            save(page, "board-publicity")
            readable_on_a_phone(page, "the board")
            assert page.evaluate(UNBROKEN_SCRIPT), "a time on the board breaks across lines"
            assert "表决尚未开始" in page_html(page)  # no turnout "not reached" before voting

            app.config["VOTES_NOW"] = now + timedelta(days=7, minutes=1)
            assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
            links = _links(app, pid)
            page.goto(links[0])
            page.fill("#answer", resident_id(1)[-6:])
            page.click("#verify-submit")
            page.wait_for_url(re.compile(r".*/ballot$"))
            page.check("input[value=agree]")
            page.click("#next")
            page.wait_for_url(re.compile(r".*/confirm$"))
            page.click("#cast-submit")
            page.wait_for_url(re.compile(r".*/receipt/[0-9a-f]{64}$"))
            save(page, "receipt")
            readable_on_a_phone(page, "the receipt")
            assert page.evaluate(CODE_LINES_SCRIPT) == 1, "the receipt code breaks in two"
    for name in ("notice-page1", "board-publicity", "receipt"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000, name


def _uid(app, pid: str) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(pid).uid


def _links(app, pid: str) -> list[str]:
    """The owners' links in notice order, as the printed QR codes carry them."""
    from sqlalchemy import select

    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit, VoterAccess
        from votes.services.access import voter_link
        from votes.services.lifecycle import get_proposal
        from votes.services.notices import delivery_key

        proposal = get_proposal(pid)
        units = sorted(db.session.scalars(select(FrozenUnit).where(
            FrozenUnit.proposal_id == proposal.id)), key=delivery_key)
        access = {a.voter_key: a for a in db.session.scalars(
            select(VoterAccess).where(VoterAccess.proposal_id == proposal.id))}
        return [voter_link(proposal, access[u.voter_key]) for u in units[:1]]
