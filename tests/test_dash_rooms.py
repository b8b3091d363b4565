"""A room may hold a dash: building 3's flat outside any entrance, room "1-101", has the unit
label 3-1-101, the label building 3's entrance 1 room 101 would have. What prints a unit
scope and what reads the committee's typed words take each flat's own building, entrance
and room, never the label cut at "-": the notice says 3号楼1-101室, and "3号楼1-101室" is
found on the roll."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from tests.browser import need_tools, pdf_text
from tests.factories import make_roll_csv, make_row, resident_id
from tests.test_plain_words import visible_text

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting starts, 09:00 in Beijing
FLATS = [("3", "", "1-101"), ("3", "2", "101"), ("3", "2", "1-102"), ("5", "1", "101")]


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
