"""The application package for the fund office: its members and what each says."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.browser import pdf_text
from tests.factories import sample_rows
from tests.money_world import low_balance_rows, passed_vote, works_done

MEMBERS = {"application-form.pdf", "result-notice.pdf", "apportionment.xlsx",
           "apportionment.csv", "bundle.zip", "README.txt"}


def _package(runner, tmp_path, pid) -> dict[str, bytes]:
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_package_holds_form_notice_tables_and_a_verified_bundle(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)  # the contractor is chosen: the form names it
    files = _package(runner, tmp_path, pid)
    assert set(files) == MEMBERS

    form = pdf_text(files["application-form.pdf"])
    import os
    if os.environ.get("MONEY_KEEP"):
        for name, data in files.items():
            (__import__("pathlib").Path(os.environ["MONEY_KEEP"]) / name).write_bytes(data)
    for text in ("住宅专项维修资金使用申请表", "阳光花园", "全小区", "6,547.50", "福州电梯工程有限公司",
                 "6,000.00", "参与表决专有面积", "594.75 m²", "≥2/3", "同意的人数", "3人",
                 "达到", "通过", "盖章", "主任（签字）"):
        assert text in form, text
    assert "维修资金使用" in pdf_text(files["result-notice.pdf"]) or \
        "表决结果公告" in pdf_text(files["result-notice.pdf"])

    rows = list(csv.reader(io.StringIO(files["apportionment.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["building", "entrance", "room", "area_m2", "share_yuan",
                       "balance_yuan", "shortfall_yuan"]
    body = {(r[0], r[2]): r for r in rows[1:]}
    assert len(body) == 7
    assert sum(int(r[4].replace(".", "")) for r in rows[1:]) == 654750  # the budget, exactly
    tiny = body[("1", "201")]  # balance 100.00, share larger: the rest is the shortfall
    assert tiny[5] == "100.00" and float(tiny[6]) == round(float(tiny[4]) - 100, 2)
    assert body[("2", "101")][5] == "" and body[("2", "101")][6] == ""  # unknown balance

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(files["apportionment.xlsx"])).active
    header = [c.value for c in ws[2]]
    assert header[:4] == ["楼栋", "单元", "房号", "面积(m²)"]
    first = [c.value for c in ws[3]]
    assert isinstance(first[3], (int, float)) and isinstance(first[4], (int, float))
    assert ws.cell(3, 4).number_format == "0.00"
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "合计" and round(total[4] * 100) == 654750

    from votes.core.verifier import verify_bundle

    with app.app_context():
        from votes.services.keys import keyring

        report = verify_bundle(files["bundle.zip"], trusted_keys=keyring())
    assert report.outcome == "verified", report.render()
    readme = files["README.txt"].decode("utf-8")
    assert "shortfall_yuan" in readme and report.chain_head in readme


def test_no_package_for_a_vote_that_did_not_pass(app, runner, tmp_path):
    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    out = tmp_path / "a.zip"
    result = runner.invoke(args=["works", "application", str(vote["id"]), "-o", str(out)])
    assert result.exit_code == 1 and "表决结束且通过后" in result.output and not out.exists()


def test_a_formula_in_a_room_label_stays_text(app, runner, tmp_path):
    rows = low_balance_rows()
    rows[4] = dict(rows[4], room="=1+1")  # 1-202, who does not vote
    pid = passed_vote(app, runner, tmp_path, rows=rows)["pid"]
    files = _package(runner, tmp_path, pid)
    assert "'=1+1" in files["apportionment.csv"].decode("utf-8-sig")


def test_the_forms_shortfall_says_how_many_balances_are_unknown(app, runner, tmp_path):
    """The developer's two flats (2-1-101, 2-1-102: 2,000.00 of the budget) have no known
    balance: the table leaves their shortfall empty, and the form's 分户账不足合计 read
    652.50 元 as if all the rest were covered. The office is told the total leaves them out."""
    import re

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    form = re.sub(r"\s+", "", pdf_text(_package(runner, tmp_path, pid)["application-form.pdf"]))
    assert "652.50元" in form
    assert "另有2户分户账余额未知，未计入" in form, form


def test_the_tables_total_says_how_many_balances_are_unknown(app, runner, tmp_path):
    """The XLSX's total row added up the known shortfalls only (652.50) and said nothing of
    the developer's two flats whose balance is unknown, as the form did before: the fund
    office read it as all of the budget not covered. The total row says so, as the form."""
    from openpyxl import load_workbook

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    ws = load_workbook(io.BytesIO(_package(runner, tmp_path, pid)["apportionment.xlsx"])).active
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "合计" and round(total[6] * 100) == 65250
    assert "另有 2 户分户账余额未知，未计入" in " ".join(str(v) for v in total if v), total

    rows = [dict(r, fund_balance=r["fund_balance"] or "5000.00") for r in sample_rows()]
    known = passed_vote(app, runner, tmp_path, code="MOON", rows=rows)["pid"]  # all known
    ws = load_workbook(io.BytesIO(_package(runner, tmp_path, known)["apportionment.xlsx"])).active
    assert not any("未知" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


@pytest.mark.sqlite_only  # the layout of a PDF: 60 forms made and read twice was 30 s
def test_the_forms_signatures_never_stand_alone_on_a_page(app, runner, tmp_path):
    """A form of some length (a long emergency reason, many items, objections and their
    answers) broke just before 申请单位（盖章）: the committee's seal and signatures stood
    alone on page 2, detached from what they sign, and a page that can be swapped under a
    signature is no signature at the fund office. The signatures stay with the text above."""
    import os
    import re
    from pathlib import Path

    from tests.browser import pdf_text as text_of

    pid = passed_vote(app, runner, tmp_path)["pid"]
    with app.app_context():
        from votes.services.figures import proposal_figures
        from votes.services.lifecycle import get_proposal
        from votes.services.money.application_pdf import application_form_pdf

        proposal = get_proposal(pid)
        tally = proposal_figures(pid).tally
        broke = 0
        for n in range(1, 2400, 40):
            pdf = application_form_pdf(
                proposal, tally=tally, close_digest="0" * 64, bundle_head="0" * 64,
                total_shortfall=0, emergency={"category_zh": "电梯故障", "applicant_zh": "业主委员会",
                                              "reason": "电梯停运" * n, "failed_before": [],
                                              "split_before": None})
            pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
            if os.environ.get("MONEY_KEEP") and n in (241, 321):
                (Path(os.environ["MONEY_KEEP"]) / f"form-{n}.pdf").write_bytes(pdf)
            # pdftotext ends each page with a form feed: one run reads them all.
            texts = text_of(pdf).split("\f")
            assert len(texts) == pages + 1 and texts[-1].strip() == "", (n, len(texts))
            for page in range(1, pages + 1):
                text = re.sub(r"\s+", "", texts[page - 1])
                if "申请单位" in text:
                    broke += page > 1
                    # What they sign, its attachments, comes with them.
                    assert "附件" in text, (n, page)
                    assert "主任（签字）" in text and "审核人（签字）" in text, (n, page)
        assert broke  # the sweep did reach forms of two pages


def test_the_packages_members_are_dated_in_beijing_time(app, runner, tmp_path):
    """A ZIP's member times have no time zone and zip tools show them as local time: written
    in UTC (or the server's zone), a package made at 00:09 Beijing time showed 16:09 the day
    before. They are Beijing time, the time every page and paper of the app shows. The
    bundle inside keeps its fixed member times (the same records give the same bytes)."""
    from datetime import datetime, timedelta, timezone

    world = passed_vote(app, runner, tmp_path)
    day = (world["t0"] + timedelta(days=8)).date()
    app.config["VOTES_NOW"] = datetime(day.year, day.month, day.day, 16, 9, 30,
                                       tzinfo=timezone.utc)
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", world["pid"], "-o", str(out)])
    assert result.exit_code == 0, result.output
    beijing = day + timedelta(days=1)
    with zipfile.ZipFile(out) as z:
        assert {i.date_time for i in z.infolist()} == \
            {(beijing.year, beijing.month, beijing.day, 0, 9, 30)}
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        bundle = z.read("bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle)) as inner:
        assert {i.date_time for i in inner.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_readme_lines_fit_a_text_editor(app, runner, tmp_path):
    """README.txt's verification line ran to about 150 columns (the outcome, then the chain
    head), and so did the note on balance_yuan and the emergency line: in a text editor
    without word wrap the chain head and the notes' ends were off to the right. Every line
    now fits 80 columns (a CJK character two), the chain head whole on a line of its own."""
    import unicodedata

    from tests.money_world import fire_pump_emergency

    passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid = fire_pump_emergency(runner, tmp_path)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6000.00"]).exit_code == 0
    readme = _package(runner, tmp_path, pid)["README.txt"].decode("utf-8")
    width = {line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
             for line in readme.splitlines()}
    assert max(width.values()) <= 80, [line for line, w in width.items() if w > 80]
    assert any(len(word) == 64 for line in width for word in line.split()), readme
