"""Defects a clerk met walking through the committee pages (entry forms, the proposal
wizard, the roll and the draft's progress bars)."""

from __future__ import annotations

import io
import re

import pytest

from tests.staff_world import build, enter_paper, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _alert(page: str) -> str:
    block = page.split('id="entry-refused"', 1)[1].split("</div>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block)).strip()


def test_a_refused_paper_form_says_what_is_wrong_once(app, world, client):
    """One paper form refused said 未录入任何选票：有 1 行被拒绝，未录入任何选票: the same
    words twice and "rows" for a form the clerk typed. It now says the fault, once."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    one = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "999",
                                            "choice": "agree", "channel": "paper",
                                            "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    alert = _alert(one.get_data(as_text=True))
    assert one.status_code == 400
    assert "名册中没有该房屋" in alert, alert
    assert "行" not in alert and alert.count("未录入") == 1, alert
    assert alert.count("名册中没有该房屋") == 1, alert
    two = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "101",
                                            "choice": "agree", "channel": "proxy",
                                            "proxy_name": "陈明",
                                            "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    alert = _alert(two.get_data(as_text=True))
    assert "委托表决须填写受托人证件号码" in alert and "委托表决须附书面授权委托书" in alert
    assert "行" not in alert and alert.count("未录入") == 1, alert
    # The CSV import still counts its rows.
    csv_text = "楼栋,单元,房号,意见,方式,凭证\n1,1,999,同意,纸质,b.jpg\n"
    batch = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff b"), "b.jpg")]})
    assert "有 1 行被拒绝" in batch.get_data(as_text=True)


def test_a_refused_ballots_file_says_nothing_was_entered_once_and_counts_rows_in_english(
        app, world, client):
    """The refused CSV's page had the heading 未录入任何选票 above 有 1 行被拒绝，未录入任何选票,
    and English said "1 rows were rejected"."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"

    def refused(rows: int, lang: str = "zh_CN") -> str:
        csv_text = "楼栋,单元,房号,意见,方式,凭证\n" + "".join(
            f"1,1,99{i},同意,纸质,b.jpg\n" for i in range(rows))
        page = client.post(f"{url}/paper?lang={lang}", data={
            "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
            "evidence": [(io.BytesIO(b"\xff\xd8\xff b"), "b.jpg")]})
        assert page.status_code == 400
        return page.get_data(as_text=True).split("<main", 1)[1]

    chinese = refused(1)
    assert "有 1 行被拒绝，未录入任何选票" in chinese
    assert chinese.count("未录入任何选票") == 1, chinese
    assert "1 row was rejected; no ballot was entered" in refused(1, "en")
    assert "2 rows were rejected; no ballot was entered" in refused(2, "en")


def test_a_refused_paper_form_after_voting_closed_says_so_once(app, world, client):
    from datetime import timedelta

    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=7, hours=2)  # after the end
    r = enter_paper(client, url, "101")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "表决已结束" in page, page
    assert page.count("未录入") == 1, page


def _entries(app) -> int:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models.chain import ChainEntry

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChainEntry))


def _twice(client, url: str, data) -> list:
    """A refused form sent, then sent again as a browser's reload sends it (same fields,
    same files: the browser keeps the request, not the emptied form)."""
    return [client.post(url, data=data(), content_type="multipart/form-data")
            for _ in range(2)]


def test_reloading_a_refused_entry_enters_nothing_and_says_the_same(app, world, client):
    """A refused entry's page stays at the POST address; a reload sends the same refused
    request again. It must enter nothing, twice, and say the same refusal again."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    assert enter_paper(client, url, "101", scan=(b"\xff\xd8\xff form 101", "a.jpg")).status_code == 302
    before = _entries(app)
    cases = {
        "paper": (lambda: {"building": "1", "entrance": "1", "room": "101", "choice": "agree",
                           "channel": "paper", "evidence": (io.BytesIO(b"\xff\xd8\xff other"), "b.jpg")},
                  "该业主已经表决"),
        "transfer": (lambda: {"building": "1", "entrance": "1", "room": "999",
                              "choice": "agree", "buyer_name": "钱七", "confirm": "1",
                              "buyer_id": "110101199003074477",
                              "transfer_evidence": (io.BytesIO(b"%PDF-1.4 certificate"), "c.pdf"),
                              "ballot_form": (io.BytesIO(b"\xff\xd8\xff buyer form"), "f.jpg")},
                     None),
        "paper-ballots/correct": (lambda: {"entry": "1", "choice": "disagree", "reason": "",
                                           "confirm": "1",
                                           "evidence": (io.BytesIO(b"\xff\xd8\xff x"), "x.jpg")}, None),
        "paper-ballots/withdraw": (lambda: {"entry": "1", "reason": "", "confirm": "1",
                                            "evidence": (io.BytesIO(b"\xff\xd8\xff form 101"), "a.jpg")},
                                   None),
    }
    for path, (data, words) in cases.items():
        first, again = _twice(client, f"{url}/{path}", data)
        assert first.status_code == again.status_code == 400, (path, again.status_code)
        one, two = (r.get_data(as_text=True) for r in (first, again))
        assert 'id="entry-refused"' in one and 'id="entry-refused"' in two, path
        if words:
            assert words in one and words in two, path
        assert _entries(app) == before, path


def test_the_proposal_form_says_its_times_are_beijing_time(app, world, client):
    """公示开始 / 表决开始 / 表决截止 did not say which clock: a committee member abroad,
    or a laptop set to UTC, could not tell that 2026-12-08T10:00 means 10:00 in Beijing
    (02:00 UTC, as stored)."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Proposal

    sign_in(client, "sun_committee")
    page = client.get("/committee/c/SUN/proposals/new").get_data(as_text=True)
    for field, words in (("publicity_start", "公示开始（北京时间）"),
                         ("voting_start", "表决开始（北京时间）"),
                         ("voting_end", "表决截止（北京时间）")):
        assert f'<label for="{field}">{words}</label>' in page, field
    english = client.get("/committee/c/SUN/proposals/new?lang=en").get_data(as_text=True)
    assert english.count("(Beijing time)</label>") == 3
    form = {"title": "北京时间", "matter": "use_fund", "scope": "building:1", "budget": "100",
            "item_title": ["防水"], "item_amount": ["100"], "action": "create",
            "publicity_start": "2026-12-20T10:00", "voting_start": "2026-12-28T10:00",
            "voting_end": "2027-01-05T10:00"}
    assert client.post("/committee/c/SUN/proposals/new", data=form).status_code == 302
    with app.app_context():
        p = db.session.scalar(select(Proposal).where(Proposal.title == "北京时间"))
        assert (p.voting_start.hour, p.voting_start.day) == (2, 28)  # 10:00 in Beijing, UTC


def test_the_roll_preview_counts_flats_owners_and_voters_by_name(app, world, client, tmp_path):
    """"将导入 7 套房屋、5 位业主，按法定规则计 5 人" (on a larger roll "60 位业主，按法定规则
    计 57 人") read as 60 people counted as 57: it did not say that the owners are the
    ID numbers on the roll (co-owners each, a company once) and the 57 the voters the law
    counts. Each number now says what it counts, in both languages, and so does the
    import's message."""
    from tests.factories import make_roll_csv, make_row, resident_id, sample_rows

    sign_in(client, "sun_committee")
    rows = sample_rows() + [make_row(building="2", room="202", owner_name="钱七",
                                     owner_id=resident_id(7))]
    data = make_roll_csv(tmp_path / "r.csv", rows).read_bytes()
    page = client.post("/committee/c/SUN/roll/preview",
                       data={"file": (io.BytesIO(data), "r.csv")}).get_data(as_text=True)
    assert "将导入 8 户；名册登记业主 6 名（按证件号码计）；表决人数按法定规则计 6 人" in page
    english = client.post("/committee/c/SUN/roll/preview?lang=en",
                          data={"file": (io.BytesIO(data), "r.csv")}).get_data(as_text=True)
    assert "8 units; the roll names 6 owners (by ID number); the law counts 6 voters" \
        in english, english
    token = english.split('name="token" value="')[1].split('"')[0]
    client.get("/committee/?lang=zh_CN")
    done = client.post("/committee/c/SUN/roll/confirm", data={"token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "已替换业主名册：8 户；名册登记业主 6 名（按证件号码计）；表决人数按法定规则计 6 人" in done, done


def test_the_share_preview_says_a_flat_without_a_balance_is_unknown(app, world, client):
    """The developer's flats have no fund balance on the roll: the share preview left their
    是否足额 blank, which reads as neither covered nor short, or as a slip of the page."""
    sign_in(client, "sun_committee")
    form = {"title": "外墙", "matter": "use_fund", "scope": "all", "budget": "1000.00",
            "item_title": ["外墙"], "item_amount": ["1000.00"], "action": "preview",
            "voting_start": "2026-12-08T10:00", "voting_end": "2026-12-15T10:00"}
    for lang, words in (("zh_CN", "余额未知"), ("en", "balance unknown")):
        page = client.post(f"/committee/c/SUN/proposals/new?lang={lang}",
                           data=form).get_data(as_text=True)
        rows = re.findall(r"<tr><td>(2号楼1单元10[12]室|building 2, entrance 1, room 10[12])</td>(.*?)</tr>", page)
        assert len(rows) == 2, page
        for flat, cells in rows:
            assert cells.endswith(f'<td><span class="muted">{words}</span></td>'), (flat, cells)


def _bar_labels(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<div class="bar-label">(.*?)</div>', page)]


def test_a_drafts_bars_end_without_a_stray_dot(app, world, client):
    """A draft's bars read "参与人数：0 / 5人 · 需 ≥2/3 ·": nothing follows the last dot."""
    sign_in(client, "sun_committee")
    form = {"title": "草稿", "matter": "use_fund", "scope": "all", "budget": "100",
            "item_title": ["防水"], "item_amount": ["100"], "action": "create",
            "voting_start": "2026-12-28T10:00", "voting_end": "2027-01-05T10:00"}
    created = client.post("/committee/c/SUN/proposals/new", data=form)
    assert created.status_code == 302
    labels = _bar_labels(client.get(created.headers["Location"]).get_data(as_text=True))
    assert labels and all(not label.endswith("·") for label in labels), labels


def test_a_count_of_one_voter_reads_as_one(app, world, client):
    """In English the bars said "1 voters to go": the unit word was the plural whatever
    the count."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    for room in ("101", "102", "202"):  # three of the five voters; 2/3 of 5 needs four
        assert enter_paper(client, url, room, scan=(b"\xff\xd8\xff " + room.encode(), f"{room}.jpg")).status_code \
            == 302
    uid = world["sun"]["uid"]
    for page_url in (f"{url}?lang=en", f"/p/{uid}?lang=en"):
        labels = " | ".join(_bar_labels(client.get(page_url).get_data(as_text=True)))
        assert "1 voter to go" in labels and "1 voters" not in labels, labels
        assert "3 / 5 voters" in labels, labels
    labels = " | ".join(_bar_labels(client.get(f"{url}?lang=zh_CN").get_data(as_text=True)))
    assert "还差 1人" in labels, labels
