"""Pages and files made after the close that read the chain or its close without the result
pages' check, when the chain in the database was altered behind the app's back (a row not
JSON, a row deleted, the head column changed): the public list of which units were counted
told owners to call the system administrator; the regulator's CSV gave the participation and
the quorum (是/否) counted from the ballots table beside a blank result, and its overview page
the same figures beside 表决记录已损坏. Each now says the record is damaged in its reader's
words and gives no figure of it; the money pages and files, which go by the close's
decision, refuse in words."""

from __future__ import annotations

import csv
import html
import io

import pytest

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in
from tests.test_tampered_chain_store import TAMPERINGS, _tamper


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_no_figure_or_money_file_is_made_of_a_damaged_chain(app, runner, tmp_path, client,
                                                            how):
    vote = passed_vote(app, runner, tmp_path)
    pid, uid = vote["pid"], vote["uid"]
    staff_accounts(app, runner)
    _tamper(app, pid, how)

    units = app.test_client().get(f"/p/{uid}/units")
    text = html.unescape(units.get_data(as_text=True))
    assert units.status_code == 400 and "Traceback" not in text, text
    assert "请告知业主委员会和维修资金管理部门" in text and "系统管理员" not in text, text

    sign_in(client, "district")
    rows = list(csv.reader(io.StringIO(
        client.get("/regulator/?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    head, row = rows[0], rows[1]
    assert row[head.index("表决结果")] == "表决记录已损坏", row
    for column in ("参与表决面积（m²）", "参与表决人数", "达到法定人数"):
        assert row[head.index(column)] == "", (column, row)
    overview = client.get("/regulator/").get_data(as_text=True)
    assert "表决记录已损坏" in overview and "4/5" not in overview and ">达到<" not in overview

    committee = app.test_client()
    sign_in(committee, "sun_committee")
    for path in (f"/committee/p/{pid}/works", f"/committee/p/{pid}/application.zip",
                 f"/committee/p/{pid}/non-voters?format=xlsx"):
        page = committee.get(path)
        assert page.mimetype == "text/html", (path, page.mimetype)
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code in (200, 400) and page.mimetype == "text/html", (path, text)
        assert "请联系维修资金管理部门和系统管理员核查" in text, (path, text)
