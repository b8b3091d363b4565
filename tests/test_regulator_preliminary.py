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
from votes.core.report_text import BEIJING



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


def test_verifying_a_result_open_to_objections_does_not_say_verified(app, runner, tmp_path):
    """The regulator's 验证导出包 during the objection period said 验证通过 and 已验证, as
    for a final decision; its verdict is the preliminary one, until the final result."""
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    client = staff_client(app, runner, "district", "--role", "admin")
    page = client.post(f"/regulator/p/{pid}/verify?lang=zh_CN",
                       follow_redirects=True).get_data(as_text=True)
    until = (END + timedelta(days=3)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    verdict = re.search(r'id="verify-verdict">(.*?)</strong>', page, re.S).group(1)
    assert "初步结果" in verdict and until in verdict and "尚无最终结果" in verdict, verdict
    assert "验证通过" not in page and "已验证" not in page
    assert "链完整，仅为初步结果（异议期）" in page  # the last verification's badge
    assert "链完整，仅为初步结果（异议期）" in client.get("/regulator/").get_data(as_text=True)
    refused = client.get(f"/committee/p/{pid}/application.zip", follow_redirects=True)
    assert refused.mimetype != "application/zip"
    assert "异议期结束并公布最终结果后" in refused.get_data(as_text=True)

    at(app, END + timedelta(days=3))
    assert runner.invoke(args=["tick"]).exit_code == 0
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "验证后有新记录，需重新验证" in page  # the result entry was never checked
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过：各项检查均已通过" in page and "已验证" in page


def test_the_application_package_refuses_a_bundle_whose_result_is_preliminary(
        app, runner, tmp_path, monkeypatch):
    """decision() refuses a vote whose result is open to objections; should it ever let one
    through (a rule changed, a state written apart from the chain), the bundle's own
    PRELIMINARY outcome still refuses the package, in Chinese, naming the period's end."""
    from votes.services.money import application

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    monkeypatch.setattr(application, "decision", lambda session, proposal: "vote")
    client = staff_client(app, runner, "district", "--role", "admin")
    refused = client.get(f"/committee/p/{pid}/application.zip", follow_redirects=True)
    until = (END + timedelta(days=3)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    assert refused.mimetype != "application/zip"
    assert f"导出包中的表决结果仅为初步结果（异议期至 {until} 止" in refused.get_data(as_text=True)
