"""The posted settlement notice leads owners to check their own flat online: a QR code and the
printed address of the poster's entry (building and room, the second factor, read-only),
never a voter's own link; the committee's copy, never posted, has none."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tests.browser import ARTIFACTS, need_tools, pdf_text, qr_codes_per_page
from tests.factories import make_roll_csv, make_row, resident_id
from tests.money_world import evidence, low_balance_rows, passed_vote, works_done


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_posted_settlement_notice_leads_to_the_owners_sign_in(app, runner, tmp_path,
                                                                    client):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"],
                               "--final-cost", "6400.00"]).exit_code == 0
    link = f"http://votes.test/p/{vote['uid']}/pick"
    posted = client.get(f"/p/{vote['uid']}/settlement.pdf").data
    pages = qr_codes_per_page(posted, tmp_path, "posted", dpi=100)
    assert [codes for _png, codes in pages] == [[link]]
    text = _flat(pdf_text(posted))
    assert link in text and "本户分摊、扣减和余额" in text, text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "settlement-notice.png").write_bytes(pages[0][0].read_bytes())
    # The address leads where the poster does: after the vote, the read-only sign-in.
    page = client.get(f"/p/{vote['uid']}/pick")
    assert page.status_code == 200 and 'name="room"' in page.get_data(as_text=True)
    # The committee's copy (each flat's balance) is not posted: no QR code, no address.
    committee = runner.invoke(args=["works", "settlement-notice", vote["pid"], "--balances",
                                    "-o", str(tmp_path / "c.pdf")])
    assert committee.exit_code == 0, committee.output
    assert all(not codes
               for _png, codes in qr_codes_per_page((tmp_path / "c.pdf").read_bytes(), tmp_path,
                                                    "committee", dpi=100))
    assert link not in _flat(pdf_text(tmp_path / "c.pdf"))


def _many_flats(n: int) -> list[dict]:
    return [make_row(building=str(1 + i // 200), room=f"{1 + i % 200 // 4:02d}0{1 + i % 4}",
                     owner_name=f"业主{i}", owner_id=resident_id(i + 1), area="89.50",
                     fund_balance="5000.00") for i in range(n)]


def _emergency_settled(app, runner, tmp_path, committee: str, flats: int) -> tuple[str, str]:
    """The id and uid of an emergency use of every one of `flats` flats, settled."""
    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    assert runner.invoke(args=["community", "contact", "SUN", "--committee", committee,
                               "--phone", "0591-83000000"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", _many_flats(flats))
    assert runner.invoke(args=["roll", "import", "--community", "SUN",
                               str(roll)]).exit_code == 0
    applied = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "消防水泵抢修" * 10,
        "--scope", "all", "--budget", "36000.00", "--category", "fire", "--applicant",
        "committee", "--reason", "消防水泵失效，需立即抢修",
        "--evidence", evidence(tmp_path, "fire.pdf", b"%PDF fire")])
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    works_done(runner, tmp_path, pid, contract="35000.00", payments=("5000.00",))
    assert runner.invoke(args=["works", "settle", pid,
                               "--final-cost", "35800.00"]).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    return pid, uid


def test_an_emergency_uses_notice_at_the_field_limits_keeps_the_qr_with_the_seal(
        app, runner, tmp_path, client):
    """Hundreds of flats and a committee name as long as it may be: the QR code, its address
    and line, the question line and the seal block stay together on the last page, below the
    table's end."""
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    committee = "阳光花园" * 50  # 200 characters, the column's limit
    _, uid = _emergency_settled(app, runner, tmp_path, committee, 400)
    link = f"http://votes.test/p/{uid}/pick"
    posted = client.get(f"/p/{uid}/settlement.pdf").data
    pages = qr_codes_per_page(posted, tmp_path, "many", dpi=100)
    assert len(pages) > 2
    decoded = [codes for _png, codes in pages]
    assert decoded[:-1] == [[]] * (len(pages) - 1) and decoded[-1] == [link], decoded
    last = _flat(pdf_text(posted, len(pages)))
    for piece in (link, "本户分摊、扣减和余额", "如对本户分摊有疑问",
                  f"{committee}（盖章）", "联系电话：0591-83000000", "日期："):
        assert piece in last, piece
    if "合计（400户）" in last:  # the table ended on this page: above the QR code
        assert last.index("合计（400户）") < last.index("业主网上查询本户结算")
    (ARTIFACTS / "settlement-notice-many-last.png").write_bytes(pages[-1][0].read_bytes())
    # The entry an emergency use's owners sign in by, as from its board.
    page = client.get(f"/p/{uid}/pick").get_data(as_text=True)
    assert 'id="pick-emergency"' in page


# The PDF's layout of rows the database only hands back, in the order of their ids.
@pytest.mark.sqlite_only
def test_a_long_settlement_table_has_its_header_once_at_the_top_of_each_page(
        app, runner, tmp_path, client):
    """The table is laid out in pieces (pdf_text); where one piece ended mid-page the next
    printed its header there again, a stray 房屋 / 面积 / 分摊 row among the flats (with 400
    flats, just above 合计). Each page holding rows of the table starts with the header,
    once, and 合计 follows the last flat."""
    need_tools("pdftotext")
    pid, uid = _emergency_settled(app, runner, tmp_path, "阳光花园业主委员会", 400)
    posted = client.get(f"/p/{uid}/settlement.pdf").data
    committee = tmp_path / "c.pdf"
    assert runner.invoke(args=["works", "settlement-notice", pid, "--balances",
                               "-o", str(committee)]).exit_code == 0
    for pdf in (posted, committee.read_bytes()):
        pages = pdf_text(pdf).split("\f")
        flats = [re.findall(r"^\s*\d+号楼1单元\d{4}室\s", page, re.M) for page in pages]
        headers = [re.findall(r"^\s*房屋\s+面积\(m²\)\s+分摊\(元\)", page, re.M)
                   for page in pages]
        assert sum(map(len, flats)) == 400
        assert [len(h) for h, f in zip(headers, flats) if f] == [1] * sum(map(bool, flats))
        for page, rows in zip(pages, flats):
            if rows:
                assert page.index("房屋") < page.index(rows[0].strip())
        rows = [line.split() for line in pdf_text(pdf).splitlines()
                if re.match(r"^\s*(\d+号楼1单元\d{4}室|合计)", line)]
        assert rows[-1][0] == "合计（400" and rows[-2][0] == "2号楼1单元5004室", rows[-3:]
