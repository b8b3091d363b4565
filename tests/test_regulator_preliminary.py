"""The regulator's overview during an objection period (§17): the close is only the
preliminary result, as the proposal page says; the overview and its CSV said 通过 as for
a final decision, the figure a regulator scans before releasing money."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from tests.procedure_world import ALL_AGREE, END, at, close_at_end, open_vote, show, vote
from tests.staff_world import staff_client



def _result_cell(html: str) -> str:
    row = re.search(r"<tr><td>阳光花园</td>.*?</tr>", html, re.S).group(0)
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[7]


def _csv_result(client) -> str:
    data = client.get("/regulator/?format=csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    return rows[0]["表决结果"]


def test_the_overview_says_a_result_open_to_objections_is_preliminary(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    assert show(runner, pid)["state"] == "closed"
    client = staff_client(app, runner, "district", "--role", "admin")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "初步结果：表决通过" in page  # the proposal page says so already
    cell = _result_cell(client.get("/regulator/").get_data(as_text=True))
    assert "初步" in cell and "通过" in cell, cell
    assert "初步" in _csv_result(client)

    at(app, END + timedelta(days=3))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert show(runner, pid)["state"] == "published"
    cell = _result_cell(client.get("/regulator/").get_data(as_text=True))
    assert "通过" in cell and "初步" not in cell, cell
    assert _csv_result(client) == "通过"


def test_without_an_objection_period_the_overview_says_the_result(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path)
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    client = staff_client(app, runner, "district", "--role", "admin")
    cell = _result_cell(client.get("/regulator/").get_data(as_text=True))
    assert "通过" in cell and "初步" not in cell, cell
    assert _csv_result(client) == "通过"
