"""Door-to-door follow-up: masked contacts, a reprinted notice, the Excel list, and the
committee's contact details set on the web and printed on notices."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.browser import need_tools, pdf_text
from tests.factories import voter_token
from tests.staff_world import build, sign_in

# The door-to-door list is grouped, sorted and masked in Python from plain selects, the
# notices and the sheet are rendered from them: SQLite only (sqlite_only, tests/conftest.py).
pytestmark = pytest.mark.sqlite_only


def _signed_in(app, runner, tmp_path, client):
    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    return world, f"/committee/p/{world['sun']['id']}"


def _voter_of(app, world, room, building="1") -> str:
    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit

        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == world["sun"]["id"], FrozenUnit.building == building,
            FrozenUnit.room == room))


def _audit(app, action):
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_non_voters_show_masked_owners_and_phones(app, runner, tmp_path, client):
    world, url = _signed_in(app, runner, tmp_path, client)
    page = client.get(f"{url}/non-voters").get_data(as_text=True)
    # Persons: family name and a star per other character; phones 139****5678.
    assert "张*" in page and "李*、王*" in page and "139****5678" in page
    assert "张三" not in page and "李四" not in page and "13912345678" not in page
    # A company's name is public and is whom the visitor asks for: shown in full.
    assert "阳光地产有限公司" in page
    assert page.count("补打表决通知") == 5


def test_a_large_list_is_shown_building_by_building(app, runner, tmp_path, client,
                                                     monkeypatch):
    from votes.web import committee_voting

    world, url = _signed_in(app, runner, tmp_path, client)
    whole = client.get(f"{url}/non-voters").get_data(as_text=True)
    assert 'id="buildings"' not in whole and "2号楼1单元101室" in whole

    monkeypatch.setattr(committee_voting, "NON_VOTERS_ON_ONE_PAGE", 3)  # 5 voters, none voted
    first = client.get(f"{url}/non-voters").get_data(as_text=True)
    assert 'id="buildings"' in first and "1号楼（3）" in first and "2号楼（2）" in first
    assert "1号楼1单元101室" in first and "2号楼1单元101室" not in first
    second = client.get(f"{url}/non-voters?building=2").get_data(as_text=True)
    assert "2号楼1单元101室" in second and "1号楼1单元101室" not in second
    unknown = client.get(f"{url}/non-voters?building=9").get_data(as_text=True)
    assert "1号楼1单元101室" in unknown  # the first building, not an empty page

    # A visit recorded while walking building 2 comes back to building 2.
    voter = _voter_of(app, world, "201", "2")
    r = client.post(f"{url}/visits", data={"voter": voter, "outcome": "not_home",
                                           "building": "2"})
    assert r.status_code == 302 and r.location.endswith("/non-voters?building=2")
    assert "name=\"building\" value=\"2\"" in second


def test_reprint_gives_the_same_link_and_is_audited(app, runner, tmp_path, client):
    need_tools("pdftotext")
    world, url = _signed_in(app, runner, tmp_path, client)
    voter = _voter_of(app, world, "202")
    r = client.get(f"{url}/notice.pdf?voter={voter}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    flat = re.sub(r"\s+", "", pdf_text(r.data))
    assert "1号楼1单元202室" in flat and "101室" not in flat  # that voter's notice only
    assert voter_token(app, world["sun"], room="202") in flat  # the original link
    assert [a.details["voter"] for a in _audit(app, "notice.reprint")] == [voter]
    unknown = client.get(f"{url}/notice.pdf?voter=v-nobody", follow_redirects=True)
    assert "没有这位业主的表决通知" in unknown.get_data(as_text=True)


def test_reprint_of_a_company_carries_the_same_code(app, runner, tmp_path, client):
    need_tools("pdftotext")
    world, url = _signed_in(app, runner, tmp_path, client)
    voter = _voter_of(app, world, "101", building="2")
    codes = []
    for path in ("notices.pdf", f"notice.pdf?voter={voter}"):  # the first print, a reprint
        text = pdf_text(client.get(f"{url}/{path}").data)
        codes.append(re.findall(r"单位验证码：?\s*([0-9A-Z]{4}-[0-9A-Z]+)", text))
    assert len(codes[0]) == 1 and codes[0] == codes[1]  # the developer's code, unchanged
    # The whole print is audited too, as the reprint is: it carries every voter's link
    # and every company's one-time code.
    [printed] = _audit(app, "notices.print")
    assert printed.actor == "sun_committee" and printed.details == {"building": None}


def test_excel_keeps_areas_as_numbers(app, runner, tmp_path, client):
    from openpyxl import load_workbook

    world, url = _signed_in(app, runner, tmp_path, client)
    data = client.get(f"{url}/non-voters?format=xlsx").data
    ws = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["楼栋", "房屋", "面积(m²)", "业主", "电话"]
    rows = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    first = rows["1号楼1单元101室、1号楼1单元201室"]
    assert first[3].value == "张*" and first[4].value == "139****5678"
    area = first[2]
    assert area.data_type == "n" and float(area.value) == 164.75
    assert area.number_format == "#,##0.00"
    assert all(r[2].number_format == "#,##0.00" for r in rows.values())  # every row's
    assert sum(float(r[2].value) for r in rows.values()) == 654.75


def test_committee_sets_contact_on_the_web(app, runner, tmp_path, client):
    need_tools("pdftotext")
    world, url = _signed_in(app, runner, tmp_path, client)
    bad = client.post("/committee/c/SUN/contact", data={
        "committee_name": "阳光花园业主委员会", "contact_phone": "call us"},
        follow_redirects=True)
    flashed = re.findall(r'class="flash error"[^>]*>([^<]*)<', bad.get_data(as_text=True))
    assert flashed and "联系电话只能写数字" in flashed[0] and "phone" not in flashed[0]
    assert _audit(app, "community.contact") == []
    too_long = client.post("/committee/c/SUN/contact", data={
        "committee_name": "委" * 201, "contact_phone": ""}, follow_redirects=True)
    assert "最多 200 个字" in too_long.get_data(as_text=True)
    ok = client.post("/committee/c/SUN/contact", data={
        "committee_name": " 阳光花园  业主委员会 ", "contact_phone": "(0595) 2288-1234 转 8"},
        follow_redirects=True)
    page = ok.get_data(as_text=True)
    assert 'value="阳光花园 业主委员会"' in page and 'value="(0595) 2288-1234 转 8"' in page
    assert [a.actor for a in _audit(app, "community.contact")] == ["sun_committee"]
    flat = re.sub(r"\s+", "", pdf_text(client.get(f"{url}/notices.pdf").data, 1))
    assert "阳光花园业主委员会（盖章）" in flat and "(0595)2288-1234转8" in flat


def test_buildings_named_with_their_suffix_are_not_doubled(app, runner, tmp_path, client,
                                                            monkeypatch):
    """A roll whose 楼栋 column says "2号楼" (as most exported rolls do): the door-to-door
    list's building headings said "2号楼号楼"."""
    from tests.factories import sample_rows
    from tests.staff_world import committee_clerk, sign_in
    from tests.factories import make_open_proposal
    from votes.web import committee_voting

    rows = [dict(r, building=f"{r['building']}号楼") for r in sample_rows()]
    proposal = make_open_proposal(app, runner, tmp_path, rows=rows)
    committee_clerk(runner)
    sign_in(client, "clerk")
    url = f"/committee/p/{proposal['id']}/non-voters"
    whole = client.get(url).get_data(as_text=True)
    assert "号楼号楼" not in whole and "2号楼（2）" in whole
    monkeypatch.setattr(committee_voting, "NON_VOTERS_ON_ONE_PAGE", 3)
    paged = client.get(url).get_data(as_text=True)
    assert "号楼号楼" not in paged and "1号楼（3）" in paged and "2号楼（2）" in paged


def test_buildings_named_in_words_keep_their_names(app, runner, tmp_path, client):
    """A roll whose buildings are named, not numbered (综合楼, A座): the headings said
    综合号楼 and A号楼, names the building does not have."""
    from tests.factories import make_open_proposal, sample_rows
    from tests.staff_world import committee_clerk, sign_in

    names = {"1": "综合楼", "2": "A座"}
    rows = [dict(r, building=names[r["building"]]) for r in sample_rows()]
    proposal = make_open_proposal(app, runner, tmp_path, rows=rows)
    committee_clerk(runner)
    sign_in(client, "clerk")
    page = client.get(f"/committee/p/{proposal['id']}/non-voters").get_data(as_text=True)
    assert "综合楼（" in page and "A座（" in page, page
    assert "综合号楼" not in page and "A号楼" not in page
