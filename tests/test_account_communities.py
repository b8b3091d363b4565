"""The accounts page edits a committee account's communities (a member joining another
estate's committee, or leaving one) after the account was made."""

from __future__ import annotations

import csv
import io

import pytest

from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _ids(app) -> dict[str, int]:
    with app.app_context():
        from votes.services.communities import list_communities

        return {c.code: c.id for c in list_communities()}


def test_an_administrator_changes_a_committee_accounts_communities(app, world, client):
    """A committee account's communities were fixed when it was made: a member who joined a
    second estate's committee needed a second account, and one who left kept seeing the
    estate. The accounts page now changes them (audited); a member removed from a community
    loses it at their very next request."""
    ids = _ids(app)
    sign_in(client, "admin1")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'name="community"' in page and "修改小区" in page
    member = app.test_client()
    sign_in(member, "sun_committee")
    assert member.get("/committee/c/MOON").status_code == 404
    r = client.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                     "community": [str(ids["SUN"]), str(ids["MOON"])]},
                    follow_redirects=True)
    assert "已更新小区" in r.get_data(as_text=True)
    assert member.get("/committee/c/MOON").status_code == 200
    client.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                 "community": [str(ids["MOON"])]})
    assert member.get("/committee/c/SUN").status_code == 404  # the next request, same session
    assert member.get(f"/committee/p/{world['sun']['id']}").status_code == 404
    assert member.get("/committee/c/MOON").status_code == 200
    rows = list(csv.DictReader(io.StringIO(
        client.get("/admin/audit?format=csv").data.decode("utf-8-sig"))))
    changes = [(r["actor"], r["details"]) for r in rows
               if r["action"] == "account.change" and r["target"] == "sun_committee"]
    assert changes == [("admin1", '{"communities":["MOON","SUN"]}'),
                       ("admin1", '{"communities":["MOON"]}')]
    assert "小区改为 MOON" in client.get("/admin/audit").get_data(as_text=True)
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Communities" in english and "修改小区" not in english


@pytest.mark.parametrize("chosen,says", [
    ([], "业委会账号需要指定小区"),
    (["999999"], "没有这个小区"),
    (["x1"], "没有这个小区"),
    (["²"], "没有这个小区"),  # a digit to str.isdigit(), which int() refuses
])
def test_an_empty_or_unknown_choice_is_refused_and_changes_nothing(app, world, client,
                                                                   chosen, says):
    sign_in(client, "admin1")
    r = client.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                     "community": chosen}, follow_redirects=True)
    assert says in r.get_data(as_text=True)
    member = app.test_client()
    sign_in(member, "sun_committee")
    assert member.get("/committee/c/SUN").status_code == 200


def test_only_a_committee_account_has_communities(app, world, client):
    ids = _ids(app)
    sign_in(client, "admin1")
    for login in ("district", "admin1", "nobody"):
        r = client.post("/admin/", data={"action": "communities", "login": login,
                                         "community": [str(ids["SUN"])]},
                        follow_redirects=True)
        assert ("只有业委会账号" in r.get_data(as_text=True)
                or "没有登录名为 nobody 的账号" in r.get_data(as_text=True)), login


def test_a_forged_change_without_the_csrf_token_is_refused(app, world, client):
    ids = _ids(app)
    sign_in(client, "admin1")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = client.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                              "community": [str(ids["MOON"])]})
        assert forged.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    member = app.test_client()
    sign_in(member, "sun_committee")
    assert member.get("/committee/c/SUN").status_code == 200


def test_a_committee_member_cannot_change_their_own_communities(app, world, client):
    ids = _ids(app)
    sign_in(client, "sun_committee")
    r = client.post("/admin/", data={"action": "communities", "login": "sun_committee",
                                     "community": [str(ids["MOON"])]})
    assert r.status_code == 403
    assert client.get("/committee/c/MOON").status_code == 404


def _account_rows(page: str) -> dict[str, list[str]]:
    import html
    import re

    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", page, re.S):
        cells = [html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                 for c in re.findall(r"<td>(.*?)</td>", "<td>" + row, re.S)]
        rows[cells[0]] = cells
    return rows


def test_the_accounts_table_says_each_accounts_scope_and_state(app, world, client, runner):
    """In English a working account's state read "Enable" (the button's word: 启用 is
    both), a member of one committee "1 communities", and an administrator, who sees every
    community, "0 communities" (in Chinese 0 个小区)."""
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "disable", "login": "district"})
    rows = _account_rows(client.get("/admin/").get_data(as_text=True))
    assert rows["admin1"][1:4] == ["管理员", "全部", "已启用"], rows["admin1"]
    assert rows["sun_committee"][2] == "1 个小区" and rows["district"][3] == "已停用"
    rows = _account_rows(client.get("/admin/?lang=en").get_data(as_text=True))
    assert rows["admin1"][1:4] == ["Administrator", "All", "Enabled"], rows["admin1"]
    assert rows["sun_committee"][2] == "1 community" and rows["district"][3] == "Disabled"
