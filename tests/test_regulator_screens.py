"""What a regulator reads on the overview and the vote page: units beside every area and
amount, and the overview's CSV saying about the quorum what the screen says."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from tests.factories import make_draft
from tests.money_world import passed_vote, staff_accounts, works_done
from tests.staff_world import sign_in, staff_client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _cells(html: str, cls: str) -> list[str]:
    return [_text(c).strip() for c in re.findall(rf'<td class="{cls}">(.*?)</td>', html, re.S)]


def test_the_regulator_reads_areas_in_m2_and_amounts_in_yuan(app, runner, tmp_path, client):
    """参与面积 on the overview was two bare numbers and its 资金 cell bare amounts; the vote
    page's 实际, 基数 and 所需 areas and its money card (预算, 合同, 已付) too: a regulator
    could not tell square metres from headcounts, nor yuan from anything."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    works_done(runner, tmp_path, pid, payments=("1500.00",), accepted=False)
    sign_in(client, "district")
    for lang, yuan in (("zh_CN", "元"), ("en", "yuan")):
        overview = client.get(f"/regulator/?lang={lang}").get_data(as_text=True)
        area = [c for c in _cells(overview, "num") if "." in c]
        assert area and all(c.endswith(" m²") for c in area), area
        money = _cells(overview, "money")[0]
        assert f"6,000.00 {yuan}" in money and f"1,500.00 {yuan}" in money, money
        page = client.get(f"/regulator/p/{pid}?lang={lang}").get_data(as_text=True)
        rows = [_text(r) for r in re.findall(r"<tr><td>.*?</tr>", page, re.S)]
        areas = [r for r in rows if "." in r]
        assert len(areas) == 2 and all(r.count(" m²") == 3 for r in areas), areas
        card = _text(page.split('id="money"', 1)[1].split("</section>", 1)[0])
        for amount in ("6,547.50", "6,000.00", "1,500.00"):
            assert f"{amount} {yuan}" in card, (amount, card)
    # The CSV keeps its numbers bare: the headers carry the units.
    table = client.get("/regulator/?format=csv").data.decode("utf-8-sig")
    assert "m²" not in "".join(list(csv.reader(io.StringIO(table)))[1])


def _quorum(client) -> list[tuple[str, str, str]]:
    """(title, the screen's quorum word, the CSV's) for every row."""
    page = client.get("/regulator/").get_data(as_text=True)
    screen = {}
    for row in re.findall(r"<tr><td>.*?</tr>", page, re.S):
        title = re.search(r'/regulator/p/\d+">([^<]+)<', row).group(1)
        screen[title] = _text(re.search(r'<td class="quorum">(.*?)</td>', row, re.S)
                              .group(1)).strip()
    table = client.get("/regulator/?format=csv").data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(table)))
    return sorted((r[1], screen[r[1]], r[header.index("达到法定人数")]) for r in rows)


def test_the_overview_csv_says_about_the_quorum_what_the_screen_says(app, runner, tmp_path):
    """The CSV's 达到法定人数 said 否 for a draft and a vote in publicity (the screen: blank),
    and 否 for a vote still open (the screen: 尚未达到): a regulator's spreadsheet read as
    failed a vote that had not been held, or not yet ended."""
    make_draft(app, runner, tmp_path, extra=())  # 电梯更换, a draft
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "外墙修缮", "--matter",
        "use_fund", "--scope", "all", "--budget", "100", "--item", "修缮:100",
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("SUN").jurisdiction = "350502"
    client = staff_client(app, runner, "district", "--role", "regulator",
                          "--jurisdiction", "350502")
    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    app.config["VOTES_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _quorum(client) == [("外墙修缮", "", ""), ("电梯更换", "", "")]
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    assert _quorum(client) == [("外墙修缮", "尚未达到", "尚未达到"), ("电梯更换", "", "")]
    app.config["VOTES_NOW"] = t0 + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    assert _quorum(client) == [("外墙修缮", "未达到", "否"), ("电梯更换", "", "")]
