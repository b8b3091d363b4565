"""The owner's pages as an elderly owner on a phone, or a screen-reader user, meets them:
axe-core (from the npm registry: `npm install axe-core`, which .ci/run does) runs inside each page, in
Chinese and in English, over the link and the second factor, the poster's pick, the
ballot, its confirmation, the receipt, the objection form, the owner's records, the fund
debit and the public board. No serious or critical violation may be left; and every main
action (a button, a choice) is at least 44×44 CSS px, bigger than axe's own 24 px rule.

The owner's walk (tests/owner_walk.py) is judged by these checks in
tests/test_owner_phone_pages.py, in the same walk that checks each page fits the phone:
walked here again, it took the walk's whole browser time twice for the same pages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE_PLACES = (ROOT / "node_modules" / "axe-core" / "axe.min.js",)

AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values:
      ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
      resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""

# The main actions an owner taps: buttons, button-looking links, the choices of a ballot,
# the header's links (home, the other language), a link standing alone in its paragraph
# (not one inside a sentence, which WCAG exempts) and a folded section's summary, tapped to
# open it (再提出一件异议 was one line of text, 28 px high).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .button, input[type=submit], label.choice, .list a, header a, p > a, summary')]
  .filter(e => e.offsetParent !== null)
  .filter(e => e.tagName !== 'A' || e.closest('header, .list') || e.classList.contains('button')
               || e.parentElement.textContent.trim() === e.textContent.trim())
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width < 44 || r.height < 44)
  .map(([e, r]) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} "${e.textContent.trim()}"`
                   + ` ${Math.round(r.width)}x${Math.round(r.height)}`)"""

# What axe cannot judge: a QR code or chart drawn as inline SVG must be named (role=img and
# a label, on it or on its box) or hidden; and the link to the other language must say its
# own language, or a screen reader reads "English" with a Chinese voice.
UNNAMED = """() => [
  ...[...document.querySelectorAll('svg')]
    .filter(s => !s.closest('[aria-hidden=true]'))
    .filter(s => ![s, s.parentElement].some(e => e.getAttribute('role') === 'img'
                                                 && e.getAttribute('aria-label')))
    .map(s => 'unnamed svg in ' + s.parentElement.className),
  ...[...document.querySelectorAll('header .lang a')]
    .filter(a => !a.lang || a.lang === document.documentElement.lang)
    .map(a => 'language link without its own lang: ' + a.textContent)]"""


# The focus ring of each button and link as the keyboard reaches it: the browser's own is a
# 1 px dark line hugging the dark blue buttons, lost to a low-vision owner.
WEAK_FOCUS = """() => [...document.querySelectorAll('main button, main a, header a')]
  .filter(e => e.offsetParent !== null)
  .filter(e => { e.focus({focusVisible: true}); const c = getComputedStyle(e);
                 return e.matches(':focus-visible') && (c.outlineStyle === 'none'
                   || parseFloat(c.outlineWidth) < 3 || parseFloat(c.outlineOffset) < 2); })
  .map(e => `weak focus ring: ${e.tagName.toLowerCase()} "${e.textContent.trim()}"`)"""


def _axe_file() -> Path:
    for place in AXE_PLACES:
        if place.is_file():
            return place
    pytest.skip("needs axe-core: `npm install --no-save axe-core` in the repository "
                "(.ci/run does)")


def with_axe(page, axe: Path) -> None:
    """axe-core in every document the page's context loads from now on: one init script,
    sent once and not subject to the pages' Content-Security-Policy (so the pages are judged
    as served, CSP on), rather than a script tag sent and inserted into each page."""
    page.context.add_init_script(path=str(axe))


def serious_violations(page, name: str, lang: str) -> list:
    """axe-core run in the page (loaded by with_axe): its serious and critical violations
    (all of them printed with VOTES_AXE_ALL set)."""
    violations = page.evaluate(AXE_RUN)
    if os.environ.get("VOTES_AXE_ALL"):
        print(name, lang, json.dumps(violations, ensure_ascii=False, indent=1))
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _check(page, name: str, lang: str, found: dict) -> None:
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == ("en" if lang == "en" else "zh-CN")
    bad = serious_violations(page, name, lang)
    small = page.evaluate(SMALL_TARGETS)
    unnamed = page.evaluate(UNNAMED)
    page.keyboard.press("Tab")  # the keyboard in use: focus() then shows :focus-visible
    unnamed += page.evaluate(WEAK_FOCUS)
    if bad or small or unnamed:
        found[f"{name}-{lang}"] = {"axe": bad, "small targets": small, "unnamed": unnamed}
