"""A large vote's notices, printed building by building: one download of thousands of
notices takes minutes, longer than nginx waits (60 s), and a worker's core all that time."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from tests.browser import need_tools, pdf_text
from tests.factories import make_open_proposal, make_row, resident_id, sample_rows
from tests.staff_world import PASSWORD


def committee(app, runner):
    runner.invoke(args=["users", "create", "--no-must-change", "c1", "--role", "committee", "--community", "SUN",
                        "--password", PASSWORD])
    client = app.test_client()
    client.post("/staff/login", data={"login": "c1", "password": PASSWORD})
    return client


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def buildings(html: str) -> dict[str, int]:
    table = html[html.index('id="buildings"'):]
    return {name: int(n) for name, n in re.findall(
        r'<td data-label="楼栋">([^<]+)</td><td class="num" data-label="份数">(\d+)</td>', table)}


def test_a_large_vote_is_printed_building_by_building(app, runner, tmp_path):
    need_tools("pdftotext")
    # 赵六 holds 1-202 and 3-101: one notice, with the building of the first on the round.
    rows = sample_rows() + [make_row(building="3", room="101", owner_name="赵六",
                                     owner_id=resident_id(4), area="50.00")]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    client = committee(app, runner)
    whole = client.get(f"/committee/p/{vote['id']}/notices.pdf")
    assert whole.status_code == 200 and whole.data.startswith(b"%PDF")
    page = client.get(f"/committee/p/{vote['id']}/notices").get_data(as_text=True)
    counts = buildings(page)
    # 张三, 李四 and 王五, 赵六; the developer, 李四 (2-201); none starts in building 3
    assert counts == {"1号楼": 3, "2号楼": 2}
    assert sum(counts.values()) == pages(whole.data) and 'id="all-notices"' in page

    app.config["NOTICES_PER_DOWNLOAD_MAX"] = 3
    refused = client.get(f"/committee/p/{vote['id']}/notices.pdf")
    assert refused.status_code == 302 and refused.location.endswith(
        f"/committee/p/{vote['id']}/notices")
    page = client.get(refused.location).get_data(as_text=True)
    assert "请按楼栋分别下载" in page and 'id="all-notices"' not in page

    texts = {}
    for building, count in counts.items():
        response = client.get(f"/committee/p/{vote['id']}/notices.pdf?building={quote(building)}")
        assert response.status_code == 200 and pages(response.data) == count
        assert f"notices-{vote['id']}-" in response.headers["Content-Disposition"]
        texts[building] = pdf_text(response.data)
    assert "3号楼1单元101室" in texts["1号楼"] and "2号楼1单元101室" in texts["2号楼"]
    assert "1号楼" not in texts["2号楼"].replace("1号楼电梯", "")


def test_an_unknown_building_says_so_and_draws_nothing(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = committee(app, runner)
    for building in ("9号楼", "1号楼\x00", "<b>x</b>" * 100):
        response = client.get(f"/committee/p/{vote['id']}/notices.pdf",
                              query_string={"building": building})
        assert response.status_code == 302
        page = client.get(response.location).get_data(as_text=True)
        assert "没有" in page and "的表决通知" in page and "<b>x</b>" not in page


def test_no_notices_page_before_publicity_or_after_the_close(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = committee(app, runner)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)  # past the end: it closes
    for path in ("notices", "notices.pdf", "notices.pdf?building=1号楼"):
        response = client.get(f"/committee/p/{vote['id']}/{path}", follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.request.path == f"/committee/p/{vote['id']}"
        assert "表决已结束或已撤回，不能再打印表决通知" in page


def test_the_command_prints_one_building(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    out = tmp_path / "b2.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(out),
                                 "--building", "2号楼"])
    assert result.exit_code == 0, result.output
    assert pages(out.read_bytes()) == 2  # the developer, 李四 (2-201)
    missing = runner.invoke(args=["notices", str(vote["id"]), "-o", str(tmp_path / "x.pdf"),
                                  "--building", "9号楼"])
    assert missing.exit_code == 1 and "没有“9号楼”的表决通知" in missing.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_drawing_reports_its_progress(app, runner, tmp_path):
    from votes.services.notices import notices_pdf

    vote = make_open_proposal(app, runner, tmp_path)
    seen = []
    with app.app_context():
        notices_pdf(str(vote["id"]), progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (5, 5) and [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_the_command_takes_a_building_as_the_roll_spells_it(app, runner, tmp_path):
    """`--building` matched only the label of the committee's page (3号楼): a building the
    roll calls 3栋, or (商住) typed with Chinese brackets as in the roll, was refused as
    having no notices, though the command line shows no page to copy the label from."""
    rows = sample_rows() + [
        make_row(building="3栋", room="101", owner_name="孙七", owner_id=resident_id(7)),
        make_row(building="阳光花园东区12号楼（商住）", room="商铺101", owner_name="周八",
                 owner_id=resident_id(8))]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    for building in ("3栋", "3", "3号楼", "阳光花园东区12号楼（商住）"):
        out = tmp_path / "b.pdf"
        result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(out),
                                     "--building", building])
        assert result.exit_code == 0, (building, result.output)
        assert pages(out.read_bytes()) == 1
    missing = runner.invoke(args=["notices", str(vote["id"]), "-o", str(tmp_path / "x.pdf"),
                                  "--building", "9栋"])
    assert missing.exit_code == 1 and "没有“9栋”的表决通知" in missing.output


def test_english_page_names_the_buildings_in_english(app, runner, tmp_path):
    """The English page listed the buildings as 1号楼 and 2号楼 (the printed notices' label);
    it now says building 1, and its download link still takes the label."""
    rows = sample_rows() + [make_row(building="A", room="101", owner_name="孙七",
                                     owner_id=resident_id(7), area="50.00")]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    client = committee(app, runner)
    page = client.get(f"/committee/p/{vote['id']}/notices?lang=en").get_data(as_text=True)
    table = page[page.index('id="buildings"'):]
    shown = re.findall(r'<td data-label="Building">([^<]+)</td>', table)
    assert shown == ["building 1", "building 2", "building A"], shown
    link = re.search(r'href="([^"]*notices.pdf\?building=[^"]*)"', table).group(1)
    assert link.endswith("building=1%E5%8F%B7%E6%A5%BC")  # 1号楼, as the notices print it
    assert buildings(client.get(f"/committee/p/{vote['id']}/notices?lang=zh_CN")
                     .get_data(as_text=True)) == {"1号楼": 3, "2号楼": 2, "A座": 1}
