"""The emergency use's announcement for the lobby (应急使用公告): owners learn of a use of the
fund from a notice posted in the lobby, and an emergency use was announced on the online
board only (the voting notice and the poster refuse it, there is no vote)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from tests.browser import ARTIFACTS, need_tools, pdf_text, qr_codes_per_page
from tests.factories import make_roll_csv
from tests.money_world import evidence, passed_vote, staff_accounts

REASON = "1号楼电梯曳引机故障，困人两次，需立即停用抢修"
REPORT = b"%PDF-1.4 special equipment report"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sun_with_its_roll(app, runner, tmp_path) -> None:
    """Community SUN with its committee's contact and roll, on 2026-12-01 09:00 Beijing."""
    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    assert runner.invoke(args=["community", "contact", "SUN", "--committee", "阳光花园业主委员会",
                               "--phone", "0591-83000000"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0


def _emergency(app, runner, tmp_path, *, title="1号楼电梯抢修", reason=REASON) -> tuple[str, str]:
    sun_with_its_roll(app, runner, tmp_path)
    applied = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", title,
        "--scope", "building:1", "--budget", "18000.00", "--category", "elevator",
        "--applicant", "property_company", "--reason", reason,
        "--evidence", evidence(tmp_path, "inspection.pdf", REPORT),
        "--evidence", evidence(tmp_path, "photo.jpg", b"\xff\xd8 lift photo")])
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return pid, get_proposal(pid).uid


def test_the_emergency_notice_tells_the_lobby_what_the_board_says(app, runner, tmp_path,
                                                                   client):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    pid, uid = _emergency(app, runner, tmp_path)
    out = tmp_path / "e.pdf"
    made = runner.invoke(args=["works", "emergency-notice", pid, "-o", str(out)])
    assert made.exit_code == 0, made.output
    text = flat(pdf_text(out))
    with app.app_context():
        from votes.core.numbers import format_area_grouped
        from votes.services.records import frozen_units
        from votes.services.lifecycle import get_proposal

        units = frozen_units(get_proposal(pid))
        area = format_area_grouped(sum(u.area for u in units))
    digest = hashlib.sha256(REPORT).hexdigest()
    for fact in ("住宅专项维修资金应急使用公告", "小区：阳光花园", "事项：1号楼电梯抢修",
                 "电梯故障危及人身安全", "物业服务企业", REASON, "1号楼", "18,000.00元",
                 "未经业主表决", f"总面积{area}m²（共{len(units)}户）", "以结算公告为准",
                 "inspection.pdf", digest[:16], "photo.jpg", "SHA-256摘要（前16位）",
                 "向业主委员会询问", "阳光花园业主委员会（盖章）", "联系电话：0591-83000000",
                 "日期：2026年12月1日", f"http://votes.test/p/{uid}/pick"):
        assert fact in text, fact
    assert digest not in text  # labelled as its first 16 digits, never passed off as whole
    pages = qr_codes_per_page(out.read_bytes(), tmp_path, "notice")
    assert [codes for _png, codes in pages] == [[f"http://votes.test/p/{uid}/pick"]]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "emergency-notice.png").write_bytes(pages[0][0].read_bytes())

    # The committee prints it from the emergency use's page.
    from tests.staff_world import sign_in

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="emergency-notice"' in page and "打印应急使用公告" in page
    got = client.get(f"/committee/p/{pid}/emergency-notice.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert REASON in flat(pdf_text(got.data))


def test_a_long_reason_and_title_keep_the_qr_with_the_seal(app, runner, tmp_path):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    reason = ("电梯曳引机钢丝绳断股，轿厢两次困人，" * 120)[:2000]
    title = ("一号楼二单元电梯抢修" * 20)[:200]
    pid, uid = _emergency(app, runner, tmp_path, title=title, reason=reason)
    out = tmp_path / "long.pdf"
    assert runner.invoke(args=["works", "emergency-notice", pid, "-o", str(out)]).exit_code == 0
    pages = qr_codes_per_page(out.read_bytes(), tmp_path, "long")
    assert len(pages) >= 2
    link = f"http://votes.test/p/{uid}/pick"
    decoded = [codes for _png, codes in pages]
    assert decoded[:-1] == [[]] * (len(pages) - 1) and decoded[-1] == [link], decoded
    last = flat(pdf_text(out, len(pages)))
    for piece in (link, "业主网上查看本户分摊", "向业主委员会询问", "阳光花园业主委员会（盖章）",
                  "联系电话：0591-83000000", "日期："):
        assert piece in last, piece
    # Each page's numbered foot (pdf_pages) comes between the pages' text: left out.
    whole = flat(re.sub(r".*第 \d+ 页，共 \d+ 页.*", "", pdf_text(out)))
    assert flat(reason) in whole and flat(title) in whole
    (ARTIFACTS / "emergency-notice-long-last.png").write_bytes(pages[-1][0].read_bytes())


def test_a_voted_proposal_has_no_emergency_notice(app, runner, tmp_path, client):
    vote = passed_vote(app, runner, tmp_path)
    out = tmp_path / "n.pdf"
    refused = runner.invoke(args=["works", "emergency-notice", vote["pid"], "-o", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "只有应急使用（未经业主表决）的事项有应急使用公告" in refused.output, refused.output
    from tests.staff_world import sign_in

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{vote['pid']}").get_data(as_text=True)
    assert 'id="emergency-notice"' not in page
    got = client.get(f"/committee/p/{vote['pid']}/emergency-notice.pdf", follow_redirects=True)
    assert "只有应急使用（未经业主表决）的事项有应急使用公告" in got.get_data(as_text=True)


def test_the_board_links_the_public_emergency_notice(app, runner, tmp_path, client):
    """The board's emergency card linked owners to their sign-in but not to the notice the
    lobby posts, whereas a settled vote's board links its settlement notice."""
    need_tools("pdftotext")
    from tests.factories import sample_rows

    _pid, uid = _emergency(app, runner, tmp_path)
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert f'id="emergency-notice" href="/p/{uid}/emergency-notice.pdf"' in board
    assert "下载应急使用公告（PDF）" in board
    got = client.get(f"/p/{uid}/emergency-notice.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    text = flat(pdf_text(got.data))
    for fact in ("住宅专项维修资金应急使用公告", "事项：1号楼电梯抢修", REASON, "18,000.00元",
                 "未经业主表决", "证明材料1", f"http://votes.test/p/{uid}/pick"):
        assert fact in text, fact
    # The files' names are the uploader's words ("张三家漏水照片.jpg"): the board shows how
    # many there are, and the copy anyone downloads numbers them; the lobby's paper names them.
    assert "inspection.pdf" not in text and "photo.jpg" not in text
    # Open to anyone: nothing of the roll but the flats' count and total area.
    rows = sample_rows()
    for row in rows:
        for private in (row["owner_name"], row["owner_id"], row["phone"]):
            assert not private or private not in text, private
    assert "139****5678" not in text and "5,000.00" not in text and "5000.00" not in text


def test_a_voted_proposal_has_no_public_emergency_notice(app, runner, tmp_path, client):
    vote = passed_vote(app, runner, tmp_path)
    assert client.get(f"/p/{vote['uid']}/emergency-notice.pdf").status_code == 404
    assert client.get("/p/no-such-uid/emergency-notice.pdf").status_code == 404
    assert "emergency-notice" not in client.get(f"/p/{vote['uid']}").get_data(as_text=True)
