"""What a regulator reads on the overview and the vote page: units beside every area and
amount."""

from __future__ import annotations

import csv
import io
import re

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in


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
    (tmp_path / "c.pdf").write_bytes(b"contract")
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲公司", "--amount",
                               "6000.00", "--evidence", str(tmp_path / "c.pdf")]).exit_code == 0
    (tmp_path / "v.pdf").write_bytes(b"voucher")
    assert runner.invoke(args=["works", "payment", pid, "--amount", "1500.00", "--evidence",
                               str(tmp_path / "v.pdf")]).exit_code == 0
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

