"""The printed notice: Chinese text that renders, and a QR code a phone can read."""

from __future__ import annotations

import subprocess

import pytest

from tests.browser import ARTIFACTS, need_tools
from votes.services.notices_pdf import Notice, receipt_qr_svg, render_notices


def notice(n: int) -> Notice:
    return Notice(community="阳光花园", units=(f"1号楼1单元{n}01室",), title="1号楼电梯更换",
                  matter="使用维修资金", share="2,345.67", voting_start="2026-12-01 09:00",
                  voting_end="2026-12-08 09:00", link=f"http://127.0.0.1:5000/v/token{n}xyzABC",
                  board="http://127.0.0.1:5000/p/abc")


def test_each_page_carries_its_own_readable_qr_code_and_chinese_text(tmp_path):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    pdf = tmp_path / "n.pdf"
    pdf.write_bytes(render_notices([notice(i) for i in range(3)]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "阳光花园" in text and "表决" in text and "2,345.67" in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 3
    for i, page in enumerate(pages):
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                                 text=True, check=True).stdout.strip()
        assert decoded == notice(i).link
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "notice-page1.png").write_bytes(pages[0].read_bytes())


def test_names_never_reach_the_notice():
    pdf = render_notices([notice(1)])
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" not in pdf  # the notice API has no name field at all
    assert pdf.startswith(b"%PDF")


def test_receipt_qr_is_inline_svg():
    svg = receipt_qr_svg("abc")
    assert svg.startswith("<svg") and "viewBox" in svg


@pytest.mark.parametrize("count", [0])
def test_empty_notice_list_is_still_a_pdf(count):
    assert render_notices([notice(i) for i in range(count)]).startswith(b"%PDF")


def test_lobby_poster_leads_to_the_unit_picker(app, runner, tmp_path):
    need_tools("pdftoppm", "zbarimg")
    from tests.factories import make_open_proposal
    from tests.staff_world import PASSWORD

    vote = make_open_proposal(app, runner, tmp_path)
    runner.invoke(args=["users", "create", "c1", "--role", "committee", "--community", "SUN",
                        "--password", PASSWORD])
    client = app.test_client()
    client.post("/staff/login", data={"login": "c1", "password": PASSWORD})
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(client.get(f"/committee/p/{vote['id']}/poster.pdf").data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "poster")],
                   check=True)
    page = next(tmp_path.glob("poster*.png"))
    link = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert link == f"http://votes.test/p/{vote['uid']}/pick"
    assert client.get(link.replace("http://votes.test", "")).status_code == 200
