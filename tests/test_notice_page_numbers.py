"""The notices posted in the lobby, numbered: "第 3 页，共 4 页" and whose notice, on every
page. A result notice lists every flat over hundreds of pages; without numbers a page taken
down (the one with a neighbour's vote) left no trace, and two notices' loose pages mixed."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.browser import need_tools, pdf_text
from tests.factories import make_open_proposal, make_row, resident_id


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", p) for p in pdf_text(pdf).split("\f")[:-1]]


def test_every_page_of_a_long_result_notice_says_its_number_and_whose_it_is(app, runner,
                                                                            tmp_path):
    need_tools("pdftotext")
    from tests.staff_world import clerk_client

    rows = [make_row(room=f"{floor}{side:02d}", owner_name=f"业主{n}", owner_id=resident_id(n))
            for n, (floor, side) in enumerate(
                ((f, s) for f in range(1, 41) for s in (1, 2)), start=1)]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    app.config["VOTES_NOW"] += timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    response = clerk_client(app, runner).get(f"/committee/p/{vote['id']}/result-notice.pdf")
    assert response.status_code == 200
    pages = _pages(response.data)
    assert len(pages) >= 3  # 80 flats
    for n, page in enumerate(pages, 1):
        assert f"第{n}页，共{len(pages)}页" in page, page[-80:]
        assert re.search("(初步结果|表决结果)公告（电梯更换）第", page), page[-80:]


def test_the_settlement_notice_is_numbered_too(app, runner, tmp_path):
    need_tools("pdftotext")
    from tests.test_printed_documents import _settled_package

    docs = _settled_package(app, runner, tmp_path)
    for name in ("settlement", "settlement-balances"):
        pages = _pages(docs[name])
        for n, page in enumerate(pages, 1):
            assert f"维修资金使用结算公告（电梯更换）第{n}页，共{len(pages)}页" in page, (name, page[-80:])


def test_the_emergency_announcement_says_whose_it_is(app, runner, tmp_path):
    """The emergency announcement's feet said "维修资金应急使用公告　第 2 页，共 6 页" and no
    more: two emergency uses announced at once in one lobby (a long reason runs to several
    pages) could not have their loose pages put back. Each page names its proposal, as the
    result and settlement notices do."""
    need_tools("pdftotext")
    from tests.test_emergency_notice import _emergency

    pid, _uid = _emergency(app, runner, tmp_path, title="2号楼消防水泵抢修",
                           reason="消防水泵失效，需立即抢修。" * 150)
    out = tmp_path / "e.pdf"
    assert runner.invoke(args=["works", "emergency-notice", pid, "-o", str(out)]).exit_code == 0
    pages = _pages(out.read_bytes())
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"维修资金应急使用公告（2号楼消防水泵抢修）第{n}页，共{len(pages)}页" in page, \
            page[-80:]


def test_the_application_form_says_whose_it_is(app, runner, tmp_path):
    """The form's feet said "住宅专项维修资金使用申请表　第 1 页，共 5 页" and no more: the
    pages of two applications handed in together could not be told apart."""
    need_tools("pdftotext")
    import zipfile

    from tests.money_world import passed_vote, works_done

    vote = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, vote["pid"])
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", vote["pid"], "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        pages = _pages(z.read("application-form.pdf"))
    for n, page in enumerate(pages, 1):
        assert f"住宅专项维修资金使用申请表（电梯更换）第{n}页，共{len(pages)}页" in page, \
            page[-80:]
