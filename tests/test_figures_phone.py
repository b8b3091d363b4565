"""A figure and its unit on one line on every owner page and the board, at a phone's width:
"654.75 / 654.75 m²" was broken before its m² at 360 px (the unit alone at the start of the
next line, read as a figure without one). Each page is looked at across 320-420 px, where
any breaking point falls somewhere."""

from __future__ import annotations

import pytest

from tests.browser import live_server, need_tools, phone_browser
from tests.owner_walk import PAGES, walk

pytestmark = pytest.mark.browser

# Each figure with its unit (after: m², 元, yuan, %; before: ¥) whose last digit and unit
# lie on different lines (their boxes' tops differ), as "number | unit" texts.
SPLIT_SCRIPT = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const top = (node, i) => { const r = document.createRange(); r.setStart(node, i);
    r.setEnd(node, i + 1); const b = r.getClientRects(); return b.length ? b[0].top : null; };
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement || n.parentElement.closest('script,style,textarea,svg,[hidden]'))
      continue;
    const t = n.textContent;
    for (const m of t.matchAll(/(\d)([\s\u00a0]*)(m²|元|yuan|%)/g)) {
      const a = top(n, m.index), b = top(n, m.index + 1 + m[2].length);
      if (a !== null && b !== null && Math.abs(a - b) > 2) found.push(t.slice(
        Math.max(0, m.index - 12), m.index + m[0].length));
    }
    for (const m of t.matchAll(/(¥)([\s\u00a0]*)(\d)/g)) {
      const a = top(n, m.index), b = top(n, m.index + 1 + m[2].length);
      if (a !== null && b !== null && Math.abs(a - b) > 2) found.push(t.slice(
        m.index, m.index + 16));
    }
  }
  return found;
}"""


def test_no_figure_is_parted_from_its_unit_on_a_phone(sqlite_app, tmp_path):
    need_tools("chromium")
    app = sqlite_app
    runner = app.test_cli_runner()
    split: dict[str, set] = {}
    looked = []

    def look(page, name, lang):
        page.wait_for_load_state()
        looked.append(name)
        for width in range(320, 421, 4):
            page.set_viewport_size({"width": width, "height": 740})
            for text in page.evaluate(SPLIT_SCRIPT):
                split.setdefault(f"{name}-{lang}", set()).add((width, text))
        page.set_viewport_size({"width": 360, "height": 740})

    with live_server(app) as base, phone_browser() as page:
        walk(app, runner, tmp_path, base, page, look)
    assert len(looked) == 2 * PAGES
    assert split == {}, split
