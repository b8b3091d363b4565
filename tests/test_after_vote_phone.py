"""The committee's screens after the vote, on a 390 px phone and at a 1280 px desk: the
community page, the works page with only its contract recorded, the proposal's turnout
chart. Screenshots under artifacts/ (after-vote-*)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.browser import _browser_page, desk_browser, live_server, need_tools, shot

pytestmark = pytest.mark.browser
WIDTH = 390
# How far the page runs past the screen (a sideways scroll), in CSS px: a phone browser
# widens its layout viewport to a wider page, so the screen's own width is the measure.
OVERFLOW = """() => Math.max(document.documentElement.scrollWidth, window.innerWidth)
  - Math.min(window.innerWidth, screen.width)"""
# Table headers that break across lines (步/骤 one character a line).
BROKEN_HEADERS = """(sel) => [...document.querySelectorAll(sel + ' th')].filter(th => {
  if (!th.offsetParent) return false;
  const r = document.createRange(); r.selectNodeContents(th);
  return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1;
}).map(th => th.textContent)"""
# The chart's texts: any past the chart's own box (cut off), and the smallest drawn height.
CHART_TEXTS = """() => { const svg = document.querySelector('svg.chart');
  const box = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].map(t => [t.textContent,
    t.getBoundingClientRect()]);
  return {cut: texts.filter(([, r]) => r.right > box.right + 0.5 || r.left < box.left - 0.5)
               .map(([s]) => s),
          smallest: Math.min(...texts.map(([, r]) => r.height)),
          legend: svg.querySelectorAll('.legend text').length,
          axis: svg.querySelectorAll('.axis').length}; }"""


@contextmanager
def phone_390():
    with _browser_page(viewport={"width": WIDTH, "height": 844}, is_mobile=True,
                       has_touch=True, device_scale_factor=2) as page:
        yield page


def _world(app, runner, tmp_path) -> str:
    from tests.money_world import passed_vote, staff_accounts, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=(), accepted=False)  # the contract alone
    staff_accounts(app, runner)
    return pid


def _sign_in(page, base):
    from tests.staff_world import PASSWORD

    page.goto(base + "/staff/login")
    page.fill("#login", "sun_committee")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


def _walk(page, base, pid, size: str) -> dict:
    out = {}
    for name, path in (("community", "/committee/c/SUN"),
                       ("works", f"/committee/p/{pid}/works"),
                       ("proposal", f"/committee/p/{pid}")):
        page.goto(base + path)
        page.wait_for_load_state()
        shot(page, f"after-vote-{name}-{size}")
        out[name] = page.evaluate(OVERFLOW)
        if name == "works":
            out["headers"] = page.evaluate(BROKEN_HEADERS, "#money-stage")
        if name == "proposal":
            out["chart"] = page.evaluate(CHART_TEXTS)
    return out


def test_the_after_vote_screens_fit_a_phone(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    runner = app.test_cli_runner()
    pid = _world(app, runner, tmp_path)
    with live_server(app) as base:
        with phone_390() as page:
            _sign_in(page, base)
            phone = _walk(page, base, pid, "390")
        with desk_browser() as page:
            _sign_in(page, base)
            desk = _walk(page, base, pid, "1280")
    for name in ("community", "works", "proposal"):
        assert phone[name] <= 0, f"{name} runs {phone[name]} px past a 390 px phone"
        assert desk[name] <= 0, f"{name} runs {desk[name]} px past a 1280 px screen"
    # The works' 进度 table with its contract alone: 步/骤, 合/同 one character a line.
    assert phone["headers"] == [] and desk["headers"] == [], phone["headers"]
    # The turnout chart: axes and a legend, no date cut off at the right edge, readable.
    for chart in (phone["chart"], desk["chart"]):
        assert chart["cut"] == [], f"chart labels cut off: {chart['cut']}"
        assert chart["legend"] >= 2 and chart["axis"] >= 2, chart
    assert phone["chart"]["smallest"] >= 10, phone["chart"]
