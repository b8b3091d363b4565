"""The committee's pages and commands that read the chain without the tally, when the chain
in the database was altered behind the app's back (a row not JSON, a row deleted, the head
column changed): the scans page and `votes proposal objections` read the delivery, objection
and result entries (entries_of) and the close (close_entry) as if whole, a row not JSON a
500 or a traceback. Each now refuses in the committee's words (call the maintenance-fund
office and the system administrator), and `votes proposal show` refuses as the result
pages do (tally.ResultUnshown), with no figure."""

from __future__ import annotations

import html

import pytest

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in
from tests.test_tampered_chain_store import TAMPERINGS, _tamper

COMMITTEE = "请联系维修资金管理部门和系统管理员核查"


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_committees_pages_refuse_a_damaged_chain_in_its_words(app, runner, tmp_path,
                                                                  client, how):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    _tamper(app, pid, how)
    sign_in(client, "sun_committee")
    for path in (f"/committee/p/{pid}/scans", f"/committee/p/{pid}"):
        page = client.get(path)
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code == 400 and "Traceback" not in text, (path, text)
        assert COMMITTEE in text and "请告知业主委员会" not in text, (path, text)
        assert "表决通过" not in text, (path, text)


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_commands_refuse_a_damaged_chain(app, runner, tmp_path, how):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    _tamper(app, pid, how)
    for command in (["proposal", "objections", pid], ["proposal", "show", pid],
                    ["ballots", "list", pid]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, (command, result.output, result.exception)
        assert "Traceback" not in result.output and "同意：" not in result.output, result.output
        assert "不能显示" in result.output and COMMITTEE in result.output, result.output
