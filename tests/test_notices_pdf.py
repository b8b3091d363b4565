"""The printed notice: Chinese text that renders anywhere, what owners need to decide, a QR
code a phone can read, pages in the order of delivery."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta

import pytest

from tests.browser import ARTIFACTS, need_tools, pdf_text
from tests.factories import make_roll_csv, make_row, resident_id
from votes.services.notices_pdf import (Notice, NoticePlan, receipt_qr_svg, render_notices,
                                        render_poster)

PLAN = NoticePlan(
    community="阳光花园", title="1号楼电梯更换", matter="使用维修资金",
    description="两部电梯已运行二十年，经检测建议整体更换。", budget="356,000.00",
    items=(("电梯设备", "300,000.00"), ("安装", "56,000.00")), scope="1号楼",
    split="按各户房屋专有面积占列支范围内总面积（5,230.50 m²，60 户）的比例分摊",
    publicity="2026-11-24 09:00 至 2026-12-01 09:00（北京时间）",
    voting="2026-12-01 09:00 至 2026-12-08 09:00（北京时间）",
    rule="须有专有面积占范围内总面积2/3以上的业主参与表决。", how_to_verify="验证身份。",
    paper="纸质表决票。", board="http://votes.test/p/abc", committee="", phone="",
    date="2026年11月24日")


def notice(n: int, plan: NoticePlan = PLAN, **overrides) -> Notice:
    fields = dict(plan=plan, units=((f"1号楼1单元{n}01室", "89.50"),), area="89.50",
                  share="2,345.67", fund_balance="8,000.00 元",
                  link=f"http://votes.test/v/token{n}xyzABC")
    return Notice(**{**fields, **overrides})


def pdffonts(pdf) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    return [line.split() for line in out]


def page_count(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def render(pdf, out_prefix, env=None) -> list[bytes]:
    """The pages as raw pixels (PPM) at a low resolution."""
    subprocess.run(["pdftoppm", "-r", "40", str(pdf), str(out_prefix)], check=True, env=env)
    return [p.read_bytes() for p in sorted(out_prefix.parent.glob(out_prefix.name + "*.ppm"))]


def no_system_fonts(tmp_path) -> dict:
    """An environment in which fontconfig knows no font at all, as on a print shop's box."""
    import os

    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                    f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)}


def assert_renders_without_system_fonts(pdf, tmp_path) -> None:
    for row in pdffonts(pdf):
        assert row[-5] == "yes", f"font not embedded: {row}"  # the emb column
    with_fonts = render(pdf, tmp_path / f"{pdf.stem}-sys")
    without = render(pdf, tmp_path / f"{pdf.stem}-bare", env=no_system_fonts(tmp_path))
    assert with_fonts and with_fonts == without


def test_hiding_system_fonts_really_changes_an_unembedded_page(tmp_path):
    """The check below is only worth something if an unembedded Chinese font (what the app
    used to write) does come out differently without the machine's fonts."""
    need_tools("pdftoppm", "fc-list")
    if not subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout:
        pytest.skip("needs a Chinese system font to hide (Debian: fonts-wqy-microhei)")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = tmp_path / "cid.pdf"
    c = canvas.Canvas(str(pdf))
    c.setFont("STSong-Light", 40)
    c.drawString(50, 700, "阳光花园 89.50 m²")
    c.save()
    assert render(pdf, tmp_path / "cid-sys") != render(pdf, tmp_path / "cid-bare",
                                                        env=no_system_fonts(tmp_path))


def test_notices_and_poster_embed_their_font_and_look_the_same_without_system_fonts(tmp_path):
    need_tools("pdftoppm", "pdffonts", "pdftotext")
    notices = tmp_path / "notices.pdf"
    notices.write_bytes(render_notices([notice(1), notice(2)]))
    poster = tmp_path / "poster.pdf"
    poster.write_bytes(render_poster("阳光花园", "1号楼电梯更换 89.50 m²", "2026-12-08 09:00",
                                     "http://votes.test/p/abc/pick"))
    for pdf in (notices, poster):
        assert_renders_without_system_fonts(pdf, tmp_path)
    assert "89.50 m²" in pdf_text(notices) and "2,345.67" in pdf_text(notices)


def test_each_page_carries_its_own_readable_qr_code_and_chinese_text(tmp_path):
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    pdf = tmp_path / "n.pdf"
    pdf.write_bytes(render_notices([notice(i) for i in range(3)]))
    text = pdf_text(pdf)
    assert "阳光花园" in text and "表决" in text and "2,345.67" in text
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 3
    for i, page in enumerate(pages):
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                                 text=True, check=True).stdout.strip()
        assert decoded == notice(i).link
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "notice-page1.png").write_bytes(pages[0].read_bytes())


def test_a_link_ending_in_a_dash_prints_in_full(tmp_path):
    # One link token in 64 ends in "-", and "_" and "-" can stand anywhere in one: an owner
    # who types the link from the paper needs every character printed, at a line's end too.
    need_tools("pdftoppm", "zbarimg", "pdftotext")
    links = ["http://votes.test/v/ZAGgQwXa8jhazwaPCLKZZvw-", "http://votes.test/v/-_a-b_c--__"]
    pdf = tmp_path / "n.pdf"
    pdf.write_bytes(render_notices([notice(i, link=link) for i, link in enumerate(links)]))
    for page, link in enumerate(links, start=1):
        assert link in re.sub(r"\s+", "", pdf_text(pdf, page))
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "p")], check=True)
    decoded = [subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True,
                              text=True, check=True).stdout.strip()
               for page in sorted(tmp_path.glob("p*.png"))]
    assert decoded == links


def test_a_long_plan_still_fits_one_page_per_voter(tmp_path):
    need_tools("pdfinfo", "pdftotext")
    plan = NoticePlan(**{**PLAN.__dict__, "title": "电梯更换" * 20,
                         "description": "说明文字" * 200,
                         "items": tuple((f"维修项目{i}", "1,000.00") for i in range(30))})
    units = tuple((f"1号楼1单元{n}01室", "89.50") for n in range(1, 5))
    extra = (("一次性验证码", "K7Q2-9XPM"),)
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_notices([notice(1, plan, units=units, extra=extra),
                                    notice(2, plan)]))
    assert page_count(pdf) == 2
    text = pdf_text(pdf, 1)
    assert "共 30 项" in text and "全文见公示栏" in text and "K7Q2-9XPM" in text
    assert text.count("＿＿＿＿") >= 2  # committee and phone left blank for handwriting


def test_names_never_reach_the_notice():
    pdf = render_notices([notice(1)])
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" not in pdf  # the notice API has no name field at all
    assert pdf.startswith(b"%PDF")


def test_receipt_qr_is_inline_svg():
    svg = receipt_qr_svg("abc")
    assert svg.startswith("<svg") and "viewBox" in svg


def _modules(svg: str) -> list[list[bool]]:
    """The dark modules an SVG of receipt_qr_svg draws (its path is one run per rect)."""
    size = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    grid = [[False] * size for _ in range(size)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)", svg):
        for i in range(int(w)):
            grid[int(y)][int(x) + i] = True
    return grid


def _fitted(text: str) -> list[list[bool]]:
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         mask_pattern=2)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def test_receipt_qr_reuses_the_version_of_its_length_and_refits_when_it_cannot():
    """The version remembered for a length draws the same symbol a fresh fit draws; a text
    of that length needing more room (lower case is byte mode, capitals alphanumeric) is
    fitted anew rather than refused."""
    from votes.services import notices_pdf

    notices_pdf._QR_VERSIONS.clear()
    base = "HTTPS://VOTES.EXAMPLE.CN/P/"
    short, other = base + "A" * 64, base + "B" * 64
    assert _modules(receipt_qr_svg(short)) == _fitted(short)
    assert _modules(receipt_qr_svg(other)) == _fitted(other)  # drawn at the remembered one
    remembered = notices_pdf._QR_VERSIONS[len(short)]
    longer = base.lower() + "c" * 64  # same length, needs a bigger version
    assert _modules(receipt_qr_svg(longer)) == _fitted(longer)
    assert notices_pdf._QR_VERSIONS[len(short)] > remembered


def test_receipt_qr_reads_back(tmp_path):
    import shutil

    image = pytest.importorskip("PIL.Image")
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg not installed")
    text = "http://votes.test/p/AB12CD34/board?receipt=" + "0123456789abcdef" * 4
    receipt_qr_svg(text)  # the length's version is now remembered
    grid = _modules(receipt_qr_svg(text[:-1] + "0"))
    scale = 8
    picture = image.new("L", (len(grid) * scale, len(grid) * scale), 255)
    for y, row in enumerate(grid):
        for x, dark in enumerate(row):
            if dark:
                picture.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    picture.save(tmp_path / "qr.png")
    out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == text[:-1] + "0"


def test_empty_notice_list_is_still_a_pdf():
    assert render_notices([]).startswith(b"%PDF")


# Through the command line and the web, on a real proposal.

def delivery_roll(tmp_path):
    rows = [make_row(building=b, entrance=e, room=r, owner_name=f"业主{i}",
                     owner_id=resident_id(i + 10),
                     fund_balance="" if (b, e, r) == ("1", "1", "101") else "1000.00")
            for i, (b, e, r) in enumerate([("10", "1", "101"), ("1", "1", "1001"),
                                           ("2", "1", "101"), ("1", "2", "101"),
                                           ("1", "1", "901"), ("1", "1", "102"),
                                           ("1", "1", "101")])]
    return make_roll_csv(tmp_path / "roll.csv", rows)


def open_vote(app, runner, tmp_path, *, roll=None, title="1号楼电梯更换",
              items=("电梯设备:5000.00", "安装调试:1547.50"), community="阳光花园") -> str:
    from datetime import datetime, timezone

    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    app.config["VOTES_NOW"] = t0 - timedelta(days=12)
    assert runner.invoke(args=["community", "create", "SUN", "--name", community]).exit_code == 0
    roll = roll or make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", title, "--matter", "use_fund",
        "--description", "两部电梯已运行二十年。", "--scope", "all", "--budget", "6547.50",
        *[a for item in items for a in ("--item", item)],
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = t0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    return pid


def test_notice_carries_what_owners_and_a_court_need(app, runner, tmp_path):
    need_tools("pdftotext", "pdfinfo")
    pid = open_vote(app, runner, tmp_path)
    set_contact = runner.invoke(args=["community", "contact", "SUN", "--committee",
                                      "阳光花园业主委员会", "--phone", "0595-22881234"])
    assert set_contact.exit_code == 0, set_contact.output
    pdf = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", pid, "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf, 1)
    flat = re.sub(r"\s+", "", text)
    # Page 1 is 1号楼1单元101室 and 201室, both owned by 张三 (one voter, one notice).
    for expected in ["阳光花园", "1号楼1单元101室（89.50m²）", "1号楼1单元201室（75.25m²）",
                     "164.75m²", "1号楼电梯更换", "使用维修资金", "两部电梯已运行二十年",
                     "6,547.50元", "电梯设备：5,000.00元", "安装调试：1,547.50元", "全小区",
                     "按各户房屋专有面积", "10,000.00元",
                     "2026年11月20日09:00至2026年12月1日09:00（北京时间）",
                     "2026年12月1日09:00至2026年12月8日09:00（北京时间）",
                     "2/3以上", "过半数", "身份证号码的后6位", "短信验证码", "纸质表决票",
                     "http://votes.test/v/", "http://votes.test/p/", "阳光花园业主委员会（盖章）",
                     "0595-22881234", "日期：2026年12月1日"]:
        assert expected in flat, expected
    share = re.search(r"您应分摊([\d,.]+)元", flat).group(1)
    assert float(share.replace(",", "")) > 0
    whole = pdf_text(pdf)
    for internal in ("use_fund", "participating", "quorum", "None"):
        assert internal not in whole
    assert "张三" not in whole and resident_id(1) not in whole


def test_notices_come_in_the_order_of_delivery(app, runner, tmp_path):
    need_tools("pdftotext", "pdfinfo")
    pid = open_vote(app, runner, tmp_path, roll=delivery_roll(tmp_path))
    pdf = tmp_path / "notices.pdf"
    assert runner.invoke(args=["notices", pid, "-o", str(pdf)]).exit_code == 0
    firsts = [re.search(r"(\S+室) 业主：", pdf_text(pdf, i)).group(1)
              for i in range(1, page_count(pdf) + 1)]
    assert firsts == ["1号楼1单元101室", "1号楼1单元102室", "1号楼1单元901室",
                      "1号楼1单元1001室", "1号楼2单元101室", "2号楼1单元101室",
                      "10号楼1单元101室"]
    assert "未登记" in pdf_text(pdf, 1)  # no fund balance in the roll for that unit


def test_result_notice_embeds_its_font_too(app, runner, tmp_path):
    need_tools("pdftoppm", "pdffonts")
    pid = open_vote(app, runner, tmp_path)
    app.config["VOTES_NOW"] += timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        pdf = tmp_path / "result.pdf"
        pdf.write_bytes(result_notice_pdf(get_proposal(pid)))
    assert_renders_without_system_fonts(pdf, tmp_path)


def test_result_notice_lists_every_unit_once_under_one_header_a_page(app, runner, tmp_path,
                                                                      monkeypatch):
    # One table of every unit was quadratic to lay out (20,000 units: 49 s); it is measured
    # pdf_text.TABLE_ROWS rows at a time. Three rows here, seven units on one page: one
    # header, not one for every three units.
    need_tools("pdftotext")
    from votes.services import pdf_text as text_of_pdfs, result_notice

    monkeypatch.setattr(text_of_pdfs, "TABLE_ROWS", 3)
    pid = open_vote(app, runner, tmp_path)
    app.config["VOTES_NOW"] += timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        text = pdf_text(result_notice.result_notice_pdf(get_proposal(pid)), layout=False)
    assert text.count("表决意见") == 1
    units = re.findall(r"^(\d+)号楼1单元(\d+)室 [\d.]+ 未表决$", text, re.M)
    assert units == [("1", "101"), ("1", "102"), ("1", "201"), ("1", "202"), ("2", "101"),
                     ("2", "102"), ("2", "201")]


def test_cli_refuses_to_print_links_without_a_base_url(app, runner, tmp_path):
    pid = open_vote(app, runner, tmp_path)
    app.config["BASE_URL"] = ""
    pdf = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", pid, "-o", str(pdf)])
    assert result.exit_code == 1
    assert "VOTES_BASE_URL" in result.output and "Traceback" not in result.output
    assert not pdf.exists()


def test_default_base_url_is_unset(tmp_path):
    from tests.conftest import TEST_CONFIG
    from votes import create_app

    config = {k: v for k, v in TEST_CONFIG.items() if k != "BASE_URL"}
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["BASE_URL"] == ""


def test_web_button_uses_the_request_host_when_no_base_url_is_set(app, runner, tmp_path):
    need_tools("pdftoppm", "zbarimg")
    from tests.staff_world import PASSWORD

    pid = open_vote(app, runner, tmp_path)
    runner.invoke(args=["users", "create", "--no-must-change", "c1", "--role", "committee", "--community", "SUN",
                        "--password", PASSWORD])
    app.config["BASE_URL"] = ""
    client = app.test_client()
    client.post("/staff/login", data={"login": "c1", "password": PASSWORD},
                base_url="http://print.example")
    response = client.get(f"/committee/p/{pid}/notices.pdf", base_url="http://print.example")
    assert response.status_code == 200
    pdf = tmp_path / "web.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "web")], check=True)
    page = next(tmp_path.glob("web*.png"))
    link = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert link.startswith("http://print.example/v/")


def test_lobby_poster_leads_to_the_unit_picker(app, runner, tmp_path):
    need_tools("pdftoppm", "zbarimg")
    from tests.factories import make_open_proposal
    from tests.staff_world import PASSWORD

    vote = make_open_proposal(app, runner, tmp_path)
    runner.invoke(args=["users", "create", "--no-must-change", "c1", "--role", "committee", "--community", "SUN",
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


@pytest.mark.parametrize("scope, expected", [
    ("all", "全小区"), ("building:3,5", "3号楼、5号楼"), ("entrance:3-1", "3号楼1单元"),
    ("unit:3-1-1502", "3号楼1单元1502室"), ("building:A座", "A座")])
def test_scope_in_plain_chinese(scope, expected):
    from votes.core.scope_words import scope_text

    assert scope_text(scope) == expected


@pytest.mark.parametrize("overrides, words", [
    ({}, ["2/3以上", "参与表决专有面积过半数", "参与表决人数过半数"]),
    ({"approval_area": ">=3/4", "approval_base": "total"}, ["范围内全部专有面积3/4以上"]),
    ({"quorum_headcount": ">3/4"}, ["人数占总人数超过3/4"]),
])
def test_counting_rule_in_one_sentence(overrides, words):
    from votes.core.rules import Matter, community_rules
    from votes.services.notices import rule_sentence

    sentence = rule_sentence(community_rules(Matter.USE_FUND, overrides).to_dict())
    assert sentence.count("。") == 1
    for word in words:
        assert word in sentence


@pytest.mark.sqlite_only  # the folder is checked before drawing: nothing of it is the database's
def test_notices_into_a_folder_that_does_not_exist_say_so(app, runner, tmp_path):
    """A typo in -o's folder is said before the notices are drawn, in words, not as a
    FileNotFoundError's traceback (votes/core/files.py writes beside the target)."""
    pid = open_vote(app, runner, tmp_path)
    result = runner.invoke(args=["notices", pid, "-o", str(tmp_path / "missing" / "n.pdf")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"目录不存在 {tmp_path / 'missing'}" in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".part") == []


@pytest.mark.sqlite_only  # how a file write fails is said: nothing of it is the database's
def test_notices_that_cannot_be_written_say_why(app, runner, tmp_path, monkeypatch):
    from votes.core import files

    def full(path, content, mode=None):
        raise OSError(28, "No space left on device")

    pid = open_vote(app, runner, tmp_path)
    monkeypatch.setattr(files, "write_atomically", full)
    result = runner.invoke(args=["notices", pid, "-o", str(tmp_path / "n.pdf")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"无法写入文件 {tmp_path / 'n.pdf'}：磁盘空间已满" in result.output


@pytest.mark.sqlite_only  # how a file write fails is said: nothing of it is the database's
@pytest.mark.parametrize("error, reason", [
    (OSError(28, "No space left on device"), "磁盘空间已满"),
    (PermissionError(13, "Permission denied"), "没有写入权限"),
    (OSError(30, "Read-only file system"), "文件系统只读"),
])
def test_why_a_file_cannot_be_written_is_said_in_chinese(app, runner, tmp_path, monkeypatch,
                                                          error, reason):
    """The clerk reads "无法写入文件 n.pdf：" and then the system's English words; the usual
    reasons are said in the clerk's language, the others as the system says them."""
    from votes.core import files

    def fails(path, content, mode=None):
        raise error

    pid = open_vote(app, runner, tmp_path)
    monkeypatch.setattr(files, "write_atomically", fails)
    result = runner.invoke(args=["notices", pid, "-o", str(tmp_path / "n.pdf")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"无法写入文件 {tmp_path / 'n.pdf'}：{reason}" in result.output, result.output


def text_boxes(pdf) -> list[tuple[float, list[tuple[float, float, float, float, str]]]]:
    """Each page's width and its words' boxes (x0, y0, x1, y1, text) as pdftotext finds them;
    a character drawn outside the page is not among them."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', page).group(1))
        words = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(
            r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">'
            r"([^<]*)</word>", page)]
        pages.append((width, words))
    return pages


def overlapping_words(pdf) -> list[tuple[str, str]]:
    """Pairs of words printed over each other (a table cell's text run into the next)."""
    found = []
    for _width, words in text_boxes(pdf):
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                across = min(a[2], b[2]) - max(a[0], b[0])
                down = min(a[3], b[3]) - max(a[1], b[1])
                if across > 1 and down > 0.5 * min(a[3] - a[1], b[3] - b[1]):
                    found.append((a[4], b[4]))
    return found


@pytest.mark.sqlite_only  # the PDF's layout of labels the database only hands back
def test_result_notice_wraps_long_unit_labels_inside_their_cells(app, runner, tmp_path):
    """A building or room label longer than its column (the roll allows 64 characters) ran
    over the next column's text, and 不计入表决（议事规则）, the choice of a parking space the
    rules leave out, past the table's right edge: the posted notice was unreadable there."""
    need_tools("pdftotext")
    from tests.factories import make_open_proposal, sample_rows
    from tests.staff_world import clerk_client

    rows = [dict(r, unit_kind="住宅") for r in sample_rows()]
    rows[4] = dict(rows[4], building="阳光花园二期东区12号楼", room="商铺101-103室（临街）")
    rows.append(make_row(building="P", entrance="", room="001", area="12.50",
                         owner_name="张三", owner_id=resident_id(1), unit_kind="车位"))
    vote = make_open_proposal(app, runner, tmp_path, rows=rows, rules=["excluded_kinds=parking"])
    app.config["VOTES_NOW"] += timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    client = clerk_client(app, runner)
    pdf = tmp_path / "result.pdf"
    pdf.write_bytes(client.get(f"/committee/p/{vote['id']}/result-notice.pdf").data)
    assert overlapping_words(pdf) == []
    text = re.sub(r"\s+", "", pdf_text(pdf, layout=False))
    assert "阳光花园二期东区12号楼1单元商铺101-103室(临街)" in text
    (width, words), = text_boxes(pdf)
    # The table is centred: its text ends as far from the right edge as it starts from the left.
    left = min(w[0] for w in words if w[4] == "房屋")
    top = next(w[1] for w in words if w[4] == "房屋")
    seal = next(w[1] for w in words if "盖章" in w[4])  # the issuer, under the table
    assert max(w[2] for w in words if top < w[1] < seal - 1) <= width - left + 1


@pytest.mark.sqlite_only  # the PDF's layout of a name the database only hands back
def test_lobby_poster_prints_a_long_community_name_whole(app, runner, tmp_path):
    """The poster's heading was one line of 26 pt: a community name of more than about 18
    characters ran off both sides of the page, so the lobby read 街道阳光花园二期…业主大."""
    need_tools("pdftotext")
    from tests.staff_world import clerk_client

    name = "福建省厦门市思明区莲前街道阳光花园二期（含商业裙楼及地下车库）业主大会"
    pid = open_vote(app, runner, tmp_path, community=name)
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(clerk_client(app, runner).get(f"/committee/p/{pid}/poster.pdf").data)
    (width, words), = text_boxes(pdf)
    assert all(0 <= w[0] and w[2] <= width for w in words)
    assert f"{name}业主表决" in re.sub(r"\s+", "", pdf_text(pdf, layout=False))
    assert overlapping_words(pdf) == []


def test_a_developer_with_many_flats_gets_a_notice_of_ordinary_size(app, runner, tmp_path):
    """All the developer's unsold flats count as one voter with one notice, which listed
    every flat twice: a page that holds about a dozen was shrunk to fit (60 flats: the
    text at about 40 %, unreadable; 400: a QR code no phone reads). The notice lists the
    first flats and the number; the owner's voting page lists them all."""
    need_tools("pdftotext", "pdftoppm", "zbarimg")
    from tests.factories import sample_rows

    developer = dict(sample_rows()[5], building="9")
    rows = sample_rows()[:5] + [dict(developer, room=f"{1000 + i}") for i in range(60)]
    pid = open_vote(app, runner, tmp_path, roll=make_roll_csv(tmp_path / "roll.csv", rows))
    pdf = tmp_path / "n.pdf"
    assert runner.invoke(args=["notices", pid, "-o", str(pdf)]).exit_code == 0
    page = next(i for i in range(1, page_count(pdf) + 1) if "9号楼" in pdf_text(pdf, i))
    text = re.sub(r"\s+", "", pdf_text(pdf, page))
    assert "9号楼1单元1000室" in text and "共60户" in text and "9号楼1单元1059室" not in text
    _width, words = text_boxes(pdf)[page - 1]
    heading = next(w for w in words if w[4] == "住宅专项维修资金使用表决通知")
    assert heading[3] - heading[1] > 17  # 18 pt, not shrunk
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", str(page), "-l", str(page), str(pdf),
                    str(tmp_path / "dev")], check=True)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(next(tmp_path.glob("dev*.png")))],
                             capture_output=True, text=True).stdout.strip()
    assert decoded.startswith("http://votes.test/v/")


def test_a_scope_of_many_flats_leaves_the_notice_readable(app, runner, tmp_path):
    """A scope of single flats (a riser: the 01 flats of every floor of ten buildings) was
    printed whole in the 列支范围 row: 250 flats, some 3,000 characters, shrank the page to
    half size (the heading 9 pt, the text about 5 pt), unreadable on a lobby board or by
    an elderly owner. The notice names the first of them; the board has the whole scope."""
    need_tools("pdftotext")
    from datetime import datetime, timezone

    rows = [make_row(building=str(b), room=f"{f}0{r}", owner_name=f"业主{b}-{f}-{r}",
                     owner_id=resident_id(b * 100 + f * 4 + r))
            for b in range(1, 11) for f in range(1, 26) for r in (1, 2)]
    app.config["VOTES_NOW"] = datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", rows)
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    scope = "unit:" + ",".join(f"{b}-1-{f}01" for b in range(1, 11) for f in range(1, 26))
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "01户型排水立管更换",
        "--matter", "use_fund", "--scope", scope, "--budget", "6547.50",
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", "--schedule"])
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    pdf = tmp_path / "n.pdf"
    result = runner.invoke(args=["notices", pid, "-o", str(pdf), "--building", "1号楼"])
    assert result.exit_code == 0, result.output
    _width, words = text_boxes(pdf)[0]
    heading = next(w for w in words if w[4] == "住宅专项维修资金使用表决通知")
    assert heading[3] - heading[1] > 17  # 18 pt, not shrunk
    text = re.sub(r"\s+", "", pdf_text(pdf, 1))
    assert "1号楼1单元101室、1号楼1单元201室" in text and "10号楼1单元2501室" not in text
    assert "共250户" in text and "见公示栏" in text


def test_result_notice_names_its_issuer_date_seal_and_how_to_object(app, runner, tmp_path):
    """The result notice (公示) had no issuer, no date and no place for the seal, unlike the
    voting notice: a lobby sheet nobody signed, which owners could not tell from a forgery,
    and which did not say until when and how they may object where the rules set a period."""
    need_tools("pdftotext")
    from tests.procedure_world import close_at_end, open_vote as open_with_rules, vote

    pid = open_with_rules(app, runner, tmp_path, "objection_days=3")
    assert runner.invoke(args=["community", "contact", "SUN", "--committee",
                               "阳光花园业主委员会", "--phone", "0595-22881234"]).exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "agree"})
    close_at_end(app, runner, pid)  # 2026-12-08 09:00 Beijing
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        pdf = result_notice_pdf(get_proposal(pid))
    import os
    if os.environ.get("NOTICE_KEEP"):
        (__import__("pathlib").Path(os.environ["NOTICE_KEEP"]) / "result.pdf").write_bytes(pdf)
    flat = re.sub(r"\s+", "", pdf_text(pdf))
    for expected in ("阳光花园业主委员会（盖章）", "0595-22881234", "日期：2026年12月8日",
                     "异议期至2026年12月11日09:00（北京时间）", "书面异议"):
        assert expected in flat, expected
    # The seal and date come after the table of units: the last page, as on any notice.
    pages = tmp_path / "result.pdf"
    pages.write_bytes(pdf)
    last = re.sub(r"\s+", "", pdf_text(pdf, page_count(pages)))
    assert "（盖章）" in last and "日期：" in last



def _heavy_plan(**overrides) -> NoticePlan:
    """A real community's worst case: long names, twelve items, every rule of procedure."""
    from votes.core.rules import Matter, default_rules
    from votes.services.notices import HOW_TO_VERIFY, PAPER, rule_sentence

    rules = {**default_rules(Matter.USE_FUND).to_dict(), "follow_majority": "full",
             "objection_days": 7, "budget_tolerance_bp": 1000}
    name = "福建省泉州市丰泽区东海街道阳光花园二期东区"
    return NoticePlan(**{**PLAN.__dict__, "community": name, "committee": name + "业主委员会",
                         "phone": "0595-22881234", "description": "说明文字" * 60,
                         "title": "1号楼、2号楼、3号楼电梯整体更换及井道、机房配套改造工程",
                         "items": tuple((f"第{i}项设备采购、运输、安装及调试费用", "10,000.00")
                                        for i in range(12)),
                         "rule": rule_sentence(rules), "how_to_verify": HOW_TO_VERIFY,
                         "paper": PAPER, **overrides})


def _word_sizes(pdf) -> list[tuple[float, str]]:
    """Each word's height on its page, in points (pdftotext's box: the font's ascent to
    descent, times the size the word is drawn at, any scaling included)."""
    return [(w[3] - w[1], w[4]) for _width, words in text_boxes(pdf) for w in words]


@pytest.mark.parametrize("case", ["realistic", "field limits"])
def test_a_heavy_notice_continues_on_a_second_page_rather_than_shrinking(tmp_path, case):
    """With long names, twelve items and every rule, the notice was shrunk to fit one page
    (to about 70 %; at the field limits to under half): 11 pt text printed at 5 pt, which
    the elderly owners it is for cannot read. No text is drawn under 9 pt: a notice that
    does not fit at that size continues on a second page, which says whose notice it
    continues, and the next voter's notice starts on a page of its own."""
    need_tools("pdftotext", "pdfinfo")
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(render_notices([notice(1)]))
    # The size of an 11 pt word drawn unscaled: the labels of the facts table.
    eleven = min(h for h, w in _word_sizes(plain) if w == "小区")
    plan = _heavy_plan() if case == "realistic" else _heavy_plan(
        community="阳" * 200, committee="委" * 200, title="题" * 200,
        items=tuple(("项" * 100, "999,999,999.99") for _ in range(12)))
    # Eight units: with four, the realistic notice fitted one page at just over 9 pt once a
    # blank line of its steps was gone (pdf_text), and ran over only by a line or two.
    units = tuple((f"1号楼1单元{n}01室", "89.50") for n in range(1, 9))
    pdf = tmp_path / "heavy.pdf"
    pdf.write_bytes(render_notices([notice(1, plan, units=units,
                                           extra=(("一次性验证码", "K7Q2-9XPM"),)),
                                    notice(2, plan)]))
    if os.environ.get("NOTICE_KEEP"):
        (__import__("pathlib").Path(os.environ["NOTICE_KEEP"]) / f"heavy-{case}.pdf"
         ).write_bytes(pdf.read_bytes())
    smallest = min(h for h, _w in _word_sizes(pdf))
    assert smallest >= eleven * 9 / 11 - 0.05, (smallest, eleven)
    pages = page_count(pdf)
    text = [re.sub(r"\s+", "", pdf_text(pdf, p)) for p in range(1, pages + 1)]
    starts = [i for i, t in enumerate(text) if t.startswith("住宅专项维修资金使用表决通知")]
    assert len(starts) == 2 and starts[0] == 0
    first, second = text[:starts[1]], text[starts[1]:]
    # Eight units, a code: the first voter's notice runs over, onto a second page and no
    # further at the field limits too (200-character names and title, eight items of 100
    # characters): each item is printed in its first 60 characters.
    assert len(first) == 2
    assert first[0].startswith("住宅专项维修资金使用表决通知1号楼1单元101室")
    for page in first[:-1]:
        assert "转下页" in page
    for n, page in enumerate(first[1:], start=2):
        assert f"（接上页）1号楼1单元101室等业主的通知，第{n}页" in page
    assert "（盖章）" in first[-1] and "http://votes.test/v/token1xyzABC" in first[-1]
    assert "K7Q2-9XPM" in "".join(first)
    assert second[0].startswith("住宅专项维修资金使用表决通知1号楼1单元201室")
    assert "http://votes.test/v/token2xyzABC" in "".join(second) and "（盖章）" in second[-1]
    assert "1号楼1单元101室" not in "".join(second)


def test_a_name_or_title_the_printed_font_cannot_draw_is_refused_at_entry(app, runner, tmp_path):
    """The embedded font has no CJK Extension A/B characters and few symbols (䶮, 𠮷, ☐):
    a community named 𠮷祥花园 or a title with 䶮 printed as empty boxes on every notice, the
    poster and the result notice, found only at the print shop. Such text is refused where
    it is typed, saying which character cannot be printed."""
    result = runner.invoke(args=["community", "create", "SUN", "--name", "𠮷祥花园"])
    assert result.exit_code == 1 and "𠮷" in result.output and "打印" in result.output, \
        result.output
    assert runner.invoke(args=["community", "create", "SUN", "--name", "吉祥花园"]).exit_code == 0
    result = runner.invoke(args=["community", "contact", "SUN", "--committee", "吉祥花园☐业委会"])
    assert result.exit_code == 1 and "☐" in result.output and "打印" in result.output
    assert runner.invoke(args=["roll", "import", "--community", "SUN",
                               str(make_roll_csv(tmp_path / "roll.csv"))]).exit_code == 0
    base = ["proposal", "create", "--community", "SUN", "--matter", "use_fund", "--scope",
            "all", "--budget", "100.00", "--voting-start", "2030-12-01T09:00",
            "--voting-end", "2030-12-08T09:00"]
    for extra in (["--title", "䶮字楼电梯更换"],
                  ["--title", "电梯更换", "--item", "𠮷号电梯:100.00"],
                  ["--title", "电梯更换", "--description", "第一行\n☐ 第二行"]):
        result = runner.invoke(args=base + extra)
        assert result.exit_code == 1 and "打印" in result.output, (extra, result.output)
    result = runner.invoke(args=base + ["--title", "电梯更换", "--description", "第一行\n第二行"])
    assert result.exit_code == 0, result.output
