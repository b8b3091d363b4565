"""A room may hold a dash: building 3's flat outside any entrance, room "1-101", has the unit
label 3-1-101, the label building 3's entrance 1 room 101 would have. What prints a unit
scope and what reads the committee's typed words take each flat's own building, entrance
and room, never the label cut at "-": the notice says 3号楼1-101室, and "3号楼1-101室" is
found on the roll."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser import need_tools, pdf_text
from tests.factories import make_roll_csv, make_row, resident_id
from tests.staff_world import PASSWORD, sign_in
from tests.test_plain_words import visible_text

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting starts, 09:00 in Beijing
FLATS = [("3", "", "1-101"), ("3", "2", "101"), ("3", "2", "1-102"), ("5", "1", "101")]
FORM = {"title": "屋面防水", "matter": "use_fund", "budget": "1000.00",
        "item_title": ["防水"], "item_amount": ["1000.00"],
        "publicity_start": "2026-12-01T12:00", "voting_start": "2026-12-08T12:00",
        "voting_end": "2026-12-15T12:00"}


def _roll(app, runner, tmp_path) -> None:
    app.config["VOTES_NOW"] = T0 - timedelta(days=12)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    rows = [make_row(building=b, entrance=e, room=r, owner_name=f"业主{i}",
                     owner_id=resident_id(10 + i)) for i, (b, e, r) in enumerate(FLATS)]
    result = runner.invoke(args=["roll", "import", "--community", "SUN",
                                 str(make_roll_csv(tmp_path / "roll.csv", rows))])
    assert result.exit_code == 0, result.output


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_unit_scope_prints_each_flat_by_its_own_labels(app, runner, tmp_path):
    """unit:3-1-101 is the flat with no entrance and room 1-101: the notice and the public
    board say 3号楼1-101室, never 3号楼1单元101室 (a flat that is not on the roll)."""
    need_tools("pdftotext")
    _roll(app, runner, tmp_path)
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "屋面防水", "--matter",
        "use_fund", "--scope", "unit:3-1-101,3-2-1-102,3-2-101", "--budget", "1000.00",
        "--item", "防水:1000.00", "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00",
        "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    opened = runner.invoke(args=["proposal", "open", pid])
    assert opened.exit_code == 0, opened.output
    pdf = tmp_path / "notices.pdf"
    printed = runner.invoke(args=["notices", pid, "-o", str(pdf)])
    assert printed.exit_code == 0, printed.output
    text = _flat(pdf_text(pdf, 1))
    words = "3号楼1-101室、3号楼2单元1-102室、3号楼2单元101室"  # in the scope's order
    assert f"列支范围{words}" in text or f"列支范围：{words}" in text, text
    assert "3号楼1单元101室" not in text and "2单元1单元" not in text, text

    uid = json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)["uid"]
    page = visible_text(app.test_client().get(f"/p/{uid}?lang=zh_CN").get_data(as_text=True))
    assert f"列支范围：{words}" in _flat(page), page


@pytest.fixture
def committee(app, runner, tmp_path):
    _roll(app, runner, tmp_path)
    result = runner.invoke(args=["users", "create", "--no-must-change", "sun_committee",
                                 "--role", "committee", "--community", "SUN",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    sign_in(client, "sun_committee")
    return client


def _scope_of(app, pid: int) -> str:
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        return db.session.get(Proposal, pid).scope


def _save(client, url="/committee/c/SUN/proposals/new", **extra) -> int:
    r = client.post(url, data={**FORM, "action": "create", **extra})
    assert r.status_code == 302, visible_text(r.get_data(as_text=True))
    return int(r.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("words, scope", [
    ("3号楼1-101室", "unit:3-1-101"), ("3-1-101", "unit:3-1-101"),
    ("3号楼2单元1-102室", "unit:3-2-1-102"), ("3-2-1-102", "unit:3-2-1-102"),
    ("3号楼2单元101室、5-1-101", "unit:3-2-101,5-1-101"), ("3-2", "entrance:3-2"),
])
def test_typed_words_find_a_room_holding_a_dash(app, committee, words, scope):
    assert _scope_of(app, _save(committee, scope=words)) == scope


def test_a_flat_not_on_the_roll_is_still_refused(app, committee):
    for words in ("3号楼1单元101室", "3-1-102", "3号楼2单元1-101室"):
        r = committee.post("/committee/c/SUN/proposals/new?lang=zh_CN",
                           data={**FORM, "scope": words, "action": "create"})
        assert r.status_code == 200, words
        assert f"业主名册中没有“{words}”" in visible_text(r.get_data(as_text=True)), words


def test_the_draft_form_shows_the_words_it_reads_back(app, committee):
    pid = _save(committee, scope="3-1-101、3-2-1-102")
    assert _scope_of(app, pid) == "unit:3-1-101,3-2-1-102"
    page = committee.get(f"/committee/p/{pid}/edit?lang=zh_CN").get_data(as_text=True)
    assert 'value="3号楼1-101室、3号楼2单元1-102室"' in page
    _save(committee, url=f"/committee/p/{pid}/edit",
          scope="3号楼1-101室、3号楼2单元1-102室")
    assert _scope_of(app, pid) == "unit:3-1-101,3-2-1-102"
