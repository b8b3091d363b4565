"""The workbooks the product hands out (the fund office's apportionment table, the
committee's list of non-voters) filled with the longest labels a roll accepts: every
column as wide as what it holds, up to a width a page can print, and text beyond that
wrapped in its cell, never cut off at the next column."""

from __future__ import annotations

import io
import unicodedata
import zipfile

from tests.factories import make_open_proposal, sample_rows
from tests.money_world import passed_vote, works_done
from tests.staff_world import PASSWORD, sign_in

LONG_BUILDING = "阳光花园东区第一期高层住宅" * 4 + "楼" * 12  # 64 characters
LONG_ENTRANCE = "东" * 63 + "1"
LONG_ROOM = "第" * 60 + "2808"
LONG_OWNER = "福州市阳光花园房地产开发有限公司" * 6 + "分公司之一"


def _long_rows() -> list[dict]:
    rows = sample_rows()
    rows[4] = dict(rows[4], building=LONG_BUILDING, entrance=LONG_ENTRANCE, room=LONG_ROOM,
                   owner_name=LONG_OWNER[:100])
    return rows


def _shown(value) -> float:
    """How many character widths Excel needs for the value (a Chinese character two)."""
    if value is None:
        return 0
    text = f"{value:,.2f}" if not isinstance(value, str) else value
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _every_label_whole(ws, first_row: int) -> None:
    from openpyxl.utils import get_column_letter

    widths = {}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            letter = get_column_letter(cell.column)
            width = ws.column_dimensions[letter].width
            widths[letter] = width
            assert width <= 60, (letter, width)  # a column a page can print
            if _shown(cell.value) + 1 > width:
                assert cell.alignment.wrap_text, (cell.coordinate, cell.value, width)
    return widths


def test_the_apportionment_table_shows_the_longest_labels_whole(app, runner, tmp_path):
    from openpyxl import load_workbook

    pid = passed_vote(app, runner, tmp_path, rows=_long_rows())["pid"]
    works_done(runner, tmp_path, pid)
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        ws = load_workbook(io.BytesIO(z.read("apportionment.xlsx"))).active
    widths = _every_label_whole(ws, first_row=2)  # the title above the table runs across
    labels = [c for row in ws.iter_rows(min_row=3) for c in row if c.value == LONG_BUILDING]
    assert labels and labels[0].alignment.wrap_text
    assert widths["A"] >= 30  # not 10: a long label wraps in a column of some width
    assert widths["B"] < 30 or any(c.value == LONG_ENTRANCE for c in ws["B"])
    assert ws.print_title_rows  # printed, every page says which column is which


def test_the_non_voters_list_shows_the_longest_labels_whole(app, runner, tmp_path, client):
    from openpyxl import load_workbook

    proposal = make_open_proposal(app, runner, tmp_path, rows=_long_rows())
    result = runner.invoke(args=["users", "create", "--no-must-change", "sun_committee",
                                 "--role", "committee", "--community", "SUN",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    sign_in(client, "sun_committee")
    data = client.get(f"/committee/p/{proposal['id']}/non-voters?format=xlsx").data
    ws = load_workbook(io.BytesIO(data)).active
    widths = _every_label_whole(ws, first_row=1)
    units = [c for c in ws["B"] if c.value and LONG_ROOM in c.value]
    assert units and units[0].alignment.wrap_text
    assert widths["A"] >= 30  # the building's long name, no longer in a column 8 wide
    assert widths["C"] < 20  # an area needs no more than its figure
    assert ws.print_title_rows
