"""Issue 9.14: text that owners or staff typed never becomes a live formula in an export."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone

from tests.factories import make_roll_csv, sample_rows
from tests.staff_world import PASSWORD, sign_in
from votes.core.cells import safe_cell, safe_row

EVIL_NAME = "=HYPERLINK(\"http://evil.example/\",\"点我\")"
EVIL_BUILDING = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_NOTE = "+1-2"


def test_safe_cell():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1"):
        assert safe_cell(text) == "'" + text
    assert safe_row(["1号楼", 12, 89.5, None, "a=b"]) == ["1号楼", 12, 89.5, None, "a=b"]


def _world(app, runner, tmp_path):
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    app.config["VOTES_NOW"] = t0 - timedelta(days=12)
    assert runner.invoke(args=["community", "create", "SUN", "--name", EVIL_NAME,
                               "--jurisdiction", "350502"]).exit_code == 0
    rows = sample_rows()
    for row in rows:
        if row["building"] == "2":
            row["building"] = EVIL_BUILDING
    roll = make_roll_csv(tmp_path / "roll.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter", "use_fund",
        "--scope", "all", "--budget", "100.00", "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00", "--schedule"])
    pid = result.output.strip()
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    ballots = tmp_path / "ballots.csv"
    with ballots.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["building", "entrance", "room", "choice", "channel", "evidence", "entered_by"],
            [EVIL_BUILDING, "1", "101", "agree", "paper", "scan.pdf", "clerk"]])
    result = runner.invoke(args=["ballots", "import", pid, str(ballots)])
    assert result.exit_code == 0, result.output
    for args in (["sun_committee", "--role", "committee", "--community", "SUN"],
                 ["district", "--role", "regulator", "--jurisdiction", "350502"]):
        assert runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD]).exit_code == 0
    return pid


def _cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def test_exports_neutralise_formulas(app, runner, client, tmp_path):
    from openpyxl import load_workbook

    pid = _world(app, runner, tmp_path)

    sign_in(client, "district")
    overview = _cells(client.get("/regulator/?format=csv").data)
    assert "'" + EVIL_NAME in overview and EVIL_NAME not in overview

    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    voter = page.split('name="voter" value="')[1].split('"')[0]
    assert client.post(f"/committee/p/{pid}/visits", data={
        "voter": voter, "outcome": "not_home", "note": EVIL_NOTE}).status_code == 302
    xlsx = client.get(f"/committee/p/{pid}/non-voters?format=xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = list(sheet.iter_rows(min_row=2))
    cells = [c for row in rows for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert EVIL_NOTE in [c.value for c in cells]  # as typed, in a cell of text
    assert all(c.data_type == "s" and c.quotePrefix for c in cells
               if isinstance(c.value, str) and c.value[:1] in "=+-@")
    areas = [row[2].value for row in rows]
    assert areas and all(isinstance(a, (int, float)) for a in areas)  # numbers stay numbers

    out = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(out)]).exit_code == 0
    ballots = _cells(zipfile.ZipFile(out).read("ballots.csv"))
    labels = [c for c in ballots if "SUM(1+1)" in c]
    assert labels and all(c.startswith("'@") for c in labels)


def test_spreadsheets_keep_honest_text_as_typed_and_evil_text_as_text(app, runner, tmp_path,
                                                                      client):
    """The XLSX exports put an apostrophe in front of any text starting with = + - @: a
    basement flat -1号楼 -1室 read '-1 in the apportionment table and the non-voters list,
    and a room typed "=1+1" read '=1+1. (A building label may no longer hold "-", the scopes'
    separator: the building here is +1, the room still -1.) A workbook cell can say "text" itself, so each
    such cell is now stored as text (and marked so a spreadsheet keeps it text when it is
    edited): it reads as typed and never runs."""
    from openpyxl import load_workbook

    from tests.money_world import passed_vote, staff_accounts

    rows = sample_rows()
    rows[4] = dict(rows[4], building="+1", room="-1")  # 赵六's flat; he does not vote
    rows[3] = dict(rows[3], room="=1+1")
    vote = passed_vote(app, runner, tmp_path, rows=rows)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    package = zipfile.ZipFile(io.BytesIO(
        client.get(f"/committee/p/{vote['pid']}/application.zip").data))
    table = load_workbook(io.BytesIO(package.read("apportionment.xlsx"))).active
    units = {tuple(c.value for c in row[:3]): row for row in table.iter_rows(min_row=3)}
    basement, evil = units[("+1", "1", "-1")], units[("1", "1", "=1+1")]
    assert all(c.data_type == "s" for c in (*basement[:3], *evil[:3]))
    assert basement[0].quotePrefix and evil[2].quotePrefix and not evil[0].quotePrefix
    assert isinstance(basement[3].value, (int, float)) and basement[3].number_format == "0.00"
    sheet = load_workbook(io.BytesIO(
        client.get(f"/committee/p/{vote['pid']}/non-voters?format=xlsx").data)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "+1")
    assert row[0].data_type == "s" and row[0].quotePrefix
    assert row[1].value == "+1号楼1单元-1室" and row[1].quotePrefix
    assert isinstance(row[2].value, (int, float)) and row[2].data_type == "n"
