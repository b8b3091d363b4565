"""The public board, the committee's proposal page and the regulator's state a vote's result
in the same words (templates/public/_result.html): the staff pages repeated the board's
wording inline, so a change to one page's could leave them saying the result differently.
Each staff page keeps its own text beside the result (仅计选票…)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from tests.money_world import staff_accounts
from tests.procedure_world import (END, at, close_at_end, file_objection, open_vote, show,
                                   uphold_objection, vote)
from tests.staff_world import sign_in


def _uid(app, pid) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(str(pid)).uid


def _clients(app) -> dict:
    """Anyone (the board), the committee member and the district's regulator, signed in."""
    clients = {"board": app.test_client()}
    for name, login in (("committee", "sun_committee"), ("regulator", "district")):
        clients[name] = app.test_client()
        sign_in(clients[name], login)
    return clients


def _pages(app, clients, pid, lang: str) -> dict[str, str]:
    """The board, the committee's page and the regulator's, in `lang`."""
    pages = {name: client.get(f"/p/{_uid(app, pid)}?lang={lang}" if name == "board"
                              else f"/{name}/p/{pid}?lang={lang}")
             for name, client in clients.items()}
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.status_code)
    return {name: page.get_data(as_text=True) for name, page in pages.items()}


def _said(pages: dict[str, str], marker: str) -> dict[str, str | None]:
    """What each page says in its element `marker` (tags dropped, spaces folded)."""
    said = {}
    for name, page in pages.items():
        found = re.search(rf'id="{marker}">(.*?)</(?:p|strong)>', page, re.S)
        said[name] = (" ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())
                      if found else None)
    return said


def _same_result(app, clients, pid, zh: str, en: str) -> dict[str, str]:
    """Each page's result, in Chinese and in English; the Chinese pages."""
    for lang, words in (("en", en), ("zh_CN", zh)):
        pages = _pages(app, clients, pid, lang)
        said = _said(pages, "result")
        assert set(said.values()) == {words}, said
    return pages


def test_the_three_pages_state_the_same_preliminary_then_final_result(app, runner,
                                                                       tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=1")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    staff_accounts(app, runner)
    clients = _clients(app)
    close_at_end(app, runner, pid)

    at(app, END + timedelta(hours=3))  # the objection period runs
    pages = _same_result(app, clients, pid, "初步结果：表决通过", "Preliminary result: passed")
    period = _said(pages, "preliminary")
    assert period["board"] and period["regulator"] == period["board"], period
    assert "异议期至 2026-12-09 09:00（北京时间）" in period["board"], period
    for name in ("board", "regulator"):  # the board's line, the end kept on one line
        line = pages[name].split('id="preliminary"')[1].split("</p>")[0]
        assert '<span class="nowrap">2026-12-09 09:00</span>' in line, (name, line)
    seq = file_objection(runner, tmp_path, pid)

    at(app, END + timedelta(days=1, hours=1))  # over, the objection not yet answered
    assert runner.invoke(args=["tick"]).exit_code == 0 and show(runner, pid)["state"] == "closed"
    pages = _same_result(app, clients, pid, "初步结果：表决通过", "Preliminary result: passed")
    assert not any(_said(pages, "preliminary").values())

    uphold_objection(runner, pid, seq)
    _same_result(app, clients, pid, "表决未通过", "Not passed")


def test_beside_the_shared_result_the_staff_pages_keep_the_ballots_alone(app, runner,
                                                                         tmp_path):
    """Passed by 从多 (two delivered non-voters follow the majority), not on the ballots
    alone: every page says 表决通过; the committee's and the regulator's add 仅计选票：未通过."""
    from tests.test_follow_majority import deliver

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in "DE":
        assert deliver(runner, tmp_path, pid, voter).exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    staff_accounts(app, runner)
    clients = _clients(app)
    close_at_end(app, runner, pid)
    pages = _same_result(app, clients, pid, "表决通过", "Passed")
    beside = _said(pages, "ballots-only")
    assert beside["committee"] == beside["regulator"] == "（仅计选票：未通过）", beside
