"""Issue 11 over HTTP: the plan on the public board from the start of publicity, one flat's
share by building and room, short receipt codes and their collisions, the receipt card."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import make_roll_csv, resident_id, voter_token

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting opens (09:00 Beijing)
NAMES = ("张三", "李四", "王五", "赵六", "阳光地产")

# The board, the share lookup, the receipt page and its card are rendered from rows read by
# id or by equal keys, the same on either backend: those tests run on SQLite only
# (sqlite_only, tests/conftest.py). The receipt lookup by short code reads the ballots by a
# digest prefix (LIKE), whose matching is the database's: it keeps both backends.


@pytest.fixture
def plan(app, runner, tmp_path):
    """A proposal in publicity with a description, two items and an attached document."""
    return _plan(app, runner, tmp_path)


def _plan(app, runner, tmp_path, community="阳光花园", title="电梯更换"):
    app.config["VOTES_NOW"] = T0 - timedelta(days=21)
    assert runner.invoke(args=["community", "create", "SUN", "--name", community]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    doc = tmp_path / "报价单.pdf"
    doc.write_bytes(b"%PDF-1.4\n% quotation\n")
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", title,
        "--description", "更换1号楼两部电梯的曳引机", "--matter", "use_fund", "--scope", "all",
        "--budget", "6547.50", "--item", "曳引机:6000.00", "--item", "检测费:547.50",
        "--doc", str(doc), "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = T0 - timedelta(days=11)
    result = runner.invoke(args=["proposal", "start-publicity", pid])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        p = get_proposal(pid)
        assert p.state == "publicity"
        return {"id": p.id, "uid": p.uid, "pid": pid, "t0": T0}


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ")


def assert_plan(page: str, uid: str):
    assert "更换1号楼两部电梯的曳引机" in page
    assert "曳引机" in page and "6,000.00" in page and "检测费" in page and "547.50" in page
    assert "6,547.50" in page  # the budget, with thousands separators
    assert "全小区" in page  # scope, as owners read it
    assert "654.75 m²" in page and "7 户" in page  # the split: by area over 7 flats
    assert f'href="/p/{uid}/doc/' in page and "报价单.pdf" in page
    # Timetable in Beijing time: publicity 2026-11-20 09:00, voting 12-01 09:00 to 12-08 09:00.
    assert "2026-11-20 09:00" in page and "2026-12-01 09:00" in page
    assert "2026-12-08 09:00" in page
    assert "过半数" in page and "参与表决" in page  # the frozen rules, in plain Chinese
    for name in NAMES:
        assert name not in page


@pytest.mark.sqlite_only
def test_board_shows_the_plan_in_publicity_voting_and_after(app, runner, client, plan):
    uid = plan["uid"]
    page = _text(client.get(f"/p/{uid}"))
    assert "公示中" in page
    assert_plan(page, uid)
    assert page.index('id="plan"') < page.index("核验回执")  # in publicity the plan leads
    doc = client.get(re.search(rf'href="(/p/{uid}/doc/\d+)"', page).group(1))
    assert doc.status_code == 200 and doc.data.startswith(b"%PDF")

    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", plan["pid"]]).exit_code == 0
    page = _text(client.get(f"/p/{uid}"))
    assert "表决中" in page and "参与表决人数" in page
    assert "同意人数" not in page  # agree figures stay sealed until the close
    assert_plan(page, uid)

    app.config["VOTES_NOW"] = T0 + timedelta(days=8)
    page = _text(client.get(f"/p/{uid}"))
    assert "表决未通过" in page  # nobody voted
    assert_plan(page, uid)


@pytest.mark.sqlite_only
def test_share_lookup_by_building_and_room(app, client, plan):
    uid = plan["uid"]
    r = client.get(f"/p/{uid}/share", query_string={"building": "1号楼", "entrance": "1单元",
                                                      "room": "101"})
    page = _text(r)
    assert r.status_code == 200
    # 89.50 of 654.75 m² of 6547.50 yuan: 895.00 yuan; no owner's name anywhere.
    assert re.search(r'id="share-result">[^<]*89\.50 m²[^<]*895\.00', page), page
    for name in NAMES:
        assert name not in page
    assert_plan(page, uid)
    missing = _text(client.get(f"/p/{uid}/share", query_string={
        "building": "9", "entrance": "1", "room": "101"}))
    assert "列支范围内没有这个房屋" in missing and "895.00" not in missing


@pytest.mark.sqlite_only
def test_share_lookup_names_the_flat_in_english_on_an_english_page(app, client, plan):
    """The English board named the flat found in Chinese (1号楼1单元101室) inside an
    English sentence: the screens' English label, as the committee's pages give it."""
    page = _text(client.get(f"/p/{plan['uid']}/share", query_string={"lang": "en",
        "building": "1", "entrance": "1", "room": "101"}))
    found = re.search(r'id="share-result">([^<]*)<', page).group(1)
    assert found.startswith("building 1, entrance 1, room 101: ") and "号楼" not in found, found
    assert "89.50 m²" in found and "895.00" in found


@pytest.mark.sqlite_only
def test_share_lookup_is_throttled(app, client, plan):
    app.config["RATELIMIT_ENABLED"] = True
    url = f"/p/{plan['uid']}/share?building=1&entrance=1&room=101"
    codes = [client.get(url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


@pytest.mark.sqlite_only
def test_link_opened_in_publicity_shows_the_plan(app, client, plan):
    r = client.get(f"/v/{voter_token(app, plan)}")
    page = _text(r)
    assert r.status_code == 403 and "尚未开始" in page
    assert_plan(page, plan["uid"])


# --- short receipts ------------------------------------------------------------------

def _vote(app, client, plan) -> str:
    """张三 votes online; returns the receipt page's path."""
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    uid = plan["uid"]
    assert client.get(f"/v/{voter_token(app, plan)}").status_code == 302
    r = client.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(1)[-6:]})
    assert r.status_code == 302
    page = _text(client.post(f"/p/{uid}/confirm", data={"choice": "agree"}))
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page).group(1)
    r = client.post(f"/p/{uid}/cast", data={"choice": "agree", "nonce": nonce})
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"]
    return r.headers["Location"]


@pytest.fixture
def voted(app, runner, client, plan):
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", plan["pid"]]).exit_code == 0
    location = _vote(app, client, plan)
    return {**plan, "location": location, "digest": location.rsplit("/", 1)[1]}


@pytest.mark.sqlite_only
def test_receipt_page_shows_the_short_code_and_the_card_downloads(app, client, voted):
    from votes.core.receipt_code import grouped, short_code

    digest = voted["digest"]
    code = grouped(short_code(digest))
    page = _text(client.get(voted["location"]))
    assert re.search(rf'id="receipt-short">{code}<', page)
    assert digest[:4] in page and "<svg" in page and "<script>" not in page
    assert "votes verify" not in page and "链头" not in page
    href = re.search(r'id="save-receipt-image" href="([^"]+)"', page).group(1)
    card = client.get(href)
    assert card.status_code == 200 and card.mimetype == "image/svg+xml"
    assert "attachment" in card.headers["Content-Disposition"]
    root = ET.fromstring(card.data)  # well-formed SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert code in texts and digest[:32] in texts and digest[32:] in texts
    assert root.find("{http://www.w3.org/2000/svg}svg/{http://www.w3.org/2000/svg}path") \
        is not None  # the QR code
    # Another owner's receipt is not theirs to download.
    other = client.get(href.replace(digest, "0" * 64))
    assert other.status_code == 404


@pytest.mark.sqlite_only
def test_card_qr_decodes_to_the_lookup(app, client, voted, tmp_path):
    """Rasterise the card with Chromium and read the QR back with zbarimg."""
    import shutil
    import subprocess

    chromium, zbar = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("zbarimg")
    if not zbar or not shutil.os.path.exists(chromium):
        pytest.skip("chromium or zbarimg not installed")
    page = _text(client.get(voted["location"]))
    href = re.search(r'id="save-receipt-image" href="([^"]+)"', page).group(1)
    svg = tmp_path / "card.svg"
    svg.write_bytes(client.get(href).data)
    png = tmp_path / "card.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={png}", "--window-size=360,520", svg.as_uri()],
                   capture_output=True, timeout=60, check=False)
    if not png.exists():
        pytest.skip("chromium could not take a screenshot here")
    out = subprocess.run([zbar, "--raw", "-q", str(png)], capture_output=True, text=True,
                         timeout=30)
    assert out.stdout.strip().endswith(f"/p/{voted['uid']}?receipt={voted['digest']}")


@pytest.mark.sqlite_only
def test_card_keeps_a_long_community_name_and_title_on_the_card(app, runner, client, tmp_path):
    """The card draws each line as one SVG text, which never wraps: a community name of
    more than 15 characters ran past the card's border and off the image an owner saves,
    and a 22-character title to its edge. Measured in Chromium, as a phone shows it."""
    from tests.browser import need_tools, phone_browser

    need_tools("chromium")
    community = "福建省厦门市思明区莲前街道阳光花园二期（含商业裙楼及地下车库）"
    title = "1号楼、2号楼及地下车库电梯整体更换、消防喷淋管网改造和屋面防水"
    plan = _plan(app, runner, tmp_path, community=community, title=title)
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", plan["pid"]]).exit_code == 0
    page = _text(client.get(_vote(app, client, plan)))
    href = re.search(r'id="save-receipt-image" href="([^"]+)"', page).group(1)
    svg = client.get(href).get_data(as_text=True).replace("\u00a0", " ")
    with phone_browser() as browser:
        browser.set_content(svg)
        lines = browser.evaluate("[...document.querySelectorAll('text')].map(t => "
                                 "[t.getBBox().x + t.getBBox().width, t.textContent])")
    for right, text in lines:
        assert right <= 360 - 16, text  # inside the card's border
    assert lines[0][1].startswith("福建省厦门市") and lines[0][1].endswith("…")


def test_board_finds_a_ballot_by_its_short_code(app, client, voted):
    from votes.core.receipt_code import grouped, short_code

    uid, digest = voted["uid"], voted["digest"]
    code = grouped(short_code(digest))
    typo = code.lower().replace("1", "l").replace("0", "O").replace("-", " ")
    for typed in (code, code.replace("-", ""), code.lower(), typo, digest, digest.upper()):
        page = _text(client.get(f"/p/{uid}", query_string={"receipt": typed}))
        assert "已记录：第" in page and "目前有效的选票" in page, typed
    wrong = short_code(f"{int(digest[:13], 16) ^ 4:013x}" + digest[13:])  # bit 50
    assert wrong != short_code(digest)
    page = _text(client.get(f"/p/{uid}", query_string={"receipt": wrong}))
    assert "没有找到这个回执码" in page and "已计入" not in page


def test_two_ballots_sharing_a_short_code_are_never_matched(app, client, voted):
    """A crafted entry whose digest shares the first 50 bits of the real receipt."""
    from votes.core.receipt_code import grouped, short_code
    from votes.extensions import db
    from votes.models import ChainEntry

    uid, digest = voted["uid"], voted["digest"]
    twin = digest[:13] + ("0" if digest[13] != "0" else "1") + digest[14:]
    assert short_code(twin) == short_code(digest) and twin != digest
    with app.app_context():
        db.session.add(ChainEntry(proposal_id=voted["id"], seq=10_000, kind="ballot",
                                  digest=twin, line="{}"))
        db.session.commit()
    page = _text(client.get(f"/p/{uid}", query_string={"receipt": grouped(short_code(digest))}))
    assert "两张选票的回执短码相同" in page and "已计入" not in page
    # The full receipt still tells them apart.
    page = _text(client.get(f"/p/{uid}", query_string={"receipt": digest}))
    assert "已记录：第 1 条记录，是该业主目前有效的选票" in page


@pytest.mark.sqlite_only
def test_auditors_page_has_the_chain_head_the_board_does_not(app, client, voted):
    uid = voted["uid"]
    board = _text(client.get(f"/p/{uid}"))
    assert "votes verify" not in board and 'id="chain-head"' not in board
    assert f'href="/p/{uid}/audit"' in board
    audit = _text(client.get(f"/p/{uid}/audit"))
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        head = get_proposal(voted["pid"]).chain_head
    assert head[:4] in audit and "votes verify --head" in audit
