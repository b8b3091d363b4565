"""The words each reader gets of a chain altered in the database: the regulator's pages gave
the owners' message (请告知业主委员会和维修资金管理部门) to the regulator, who is that office;
the exports' refusal (records.ChainDamaged) and the missing close's said 请联系系统管理员核查
to everyone, owners on the public board included. Now an owner is asked to tell the committee
and the office, the committee to call the office and the administrator, and the regulator
pointed to its verification, in each of the three."""

from __future__ import annotations

import html

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in
from tests.test_tampered_chain_store import _tamper

OWNERS = "请告知业主委员会和维修资金管理部门"
COMMITTEE = "请联系维修资金管理部门和系统管理员核查"
REGULATOR = "验证导出包"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_regulator_is_pointed_to_its_verification(app, runner, tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    _tamper(app, pid, "missing")
    sign_in(client, "district")
    text = _text(client.get(f"/regulator/p/{pid}"))
    damaged = text.split('id="chain-damaged">')[1].split("</p>")[0]
    assert REGULATOR in damaged and OWNERS not in damaged, damaged


def test_the_exports_refusal_speaks_to_the_committee(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    _tamper(app, pid, "missing")
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    text = _text(committee.get(f"/committee/p/{pid}/bundle.zip"))
    assert "缺少第 2 条记录" in text and COMMITTEE in text, text
    result = runner.invoke(args=["export", pid, "-o", str(tmp_path / "b.zip")])
    assert result.exit_code == 1 and COMMITTEE in result.output, result.output


def test_a_missing_close_is_said_to_each_in_its_words(app, runner, tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    _tamper(app, pid["pid"], "last_missing")
    board = _text(app.test_client().get(f"/p/{pid['uid']}"))
    assert "表决结束记录缺失" in board and OWNERS in board and "系统管理员" not in board, board
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    text = _text(committee.get(f"/committee/p/{pid['pid']}"))
    assert "表决结束记录缺失" in text and COMMITTEE in text, text
    sign_in(client, "district")
    text = _text(client.get(f"/regulator/p/{pid['pid']}"))
    assert "表决结束记录缺失" in text and REGULATOR in text and OWNERS not in text, text
