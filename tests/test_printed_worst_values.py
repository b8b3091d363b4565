"""Printed documents filled with the worst values a committee can legally type: the longest
names and items, amounts near the form's limits. Nothing runs off the page, nothing is cut,
no amount is broken across lines, and no document fails to print."""

from __future__ import annotations

import re

from tests.browser import pdf_text


def _flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


def test_a_table_row_taller_than_a_page_continues_on_the_next_page():
    """The fund application lists every repair item in one row of its facts table: fifteen
    items of 200 characters made that row taller than an A4 page, and the form (and the
    whole application package, on the web and from `votes works application`) failed with
    reportlab's LayoutError. The row now continues on the next page, every word printed."""
    from votes.services.money import pdf

    items = "；".join(f"第{i}项电梯曳引机、控制柜、钢丝绳更换及井道照明改造工程{i:03d}" * 6
                     + " 99,999,999.99 元" for i in range(15))
    s = pdf.styles()
    story = [pdf.para("住宅专项维修资金使用申请表", s["title"]),
             *pdf.table([["申请事项", "电梯更换"], ["维修项目", items], ["预算金额", "1.00 元"]],
                        [3.4, 14.2], s["body"])]
    out = pdf.build("申请表", story)
    # The table's first row is its header, repeated at the top of the next page; each
    # page's numbered foot comes between the pages' text.
    text = re.sub(r"\s+", "", re.sub(r".*第 \d+ 页，共 \d+ 页.*", "", pdf_text(out)))
    text = text.replace("申请事项电梯更换", "")
    assert re.sub(r"\s+", "", items) in text
    assert "预算金额1.00元" in text


def test_an_amount_is_never_broken_across_lines_in_a_table():
    """The settlement notice's committee copy printed a share of 12,499,914.95 元 in a
    column narrower than the figure: "12,499,914." on one line, "95" under it, read as two
    numbers. An amount or area in a money-stage table is printed on one line, in a
    smaller size where its column is too narrow, up to the largest amount a form accepts."""
    from votes.core.numbers import MAX_YUAN, format_yuan
    from votes.services.money import pdf

    figures = ["12,499,914.95", "99,999,999.99", "10,000,000.00", format_yuan(MAX_YUAN),
               "13,827,160.17 m²", "1,234,567 人"]
    s = pdf.styles()
    rows = [["房屋", "面积(m²)", "分摊(元)", "已扣减(元)", "扣减后余额(元)", "不足(元)", "需续筹"]]
    rows += [["1号楼-3单元-2808室", f, f, f, f, f, "无法判断"] for f in figures]
    out = pdf.build("结算公告", pdf.table(rows, [3.2, 2.0, 2.3, 2.3, 2.8, 2.2, 2.2], s["cell"]))
    text = pdf_text(out, layout=False)  # a figure cut in two has a line break inside
    for f in figures:
        assert text.count(f) == 5, (f, text)


def test_a_notice_at_the_field_limits_takes_two_pages_not_three():
    """Eight repair items of 200 characters each (the form's limit) printed whole made each
    voter's notice three pages, the last holding only the QR code and the seal: 9,000 pages
    for 3,000 voters. The notice names each item in its first 60 characters and sends the
    reader to the board for the rest, as it does for a long description; two pages."""
    from tests.test_notices_pdf import _heavy_plan, notice
    from votes.services.notices_pdf import MAX_ITEM, render_notices

    items = tuple((f"第{i}项" + "电梯曳引机控制柜钢丝绳更换及井道照明改造" * 10, "99,999,999.99")
                  for i in range(8))
    plan = _heavy_plan(community="阳" * 200, committee="委" * 200, title="题" * 200, items=items)
    pdf = render_notices([notice(1, plan)])
    # The items' row may run over the page: its text read in the order drawn (its label
    # beside it apart), without the pages' marks.
    text = re.sub(r"（转下页）|（接上页）1号楼1单元101室业主的通知，第2页|费用明细", "",
                  re.sub(r"\s+", "", pdf_text(pdf, layout=False)))
    assert pdf_pages(pdf) == 2
    for name, amount in items:
        assert f"{name[:MAX_ITEM]}……：{amount}元" in text
    assert "项目全称见公示栏" in text


def pdf_pages(pdf: bytes) -> int:
    import subprocess

    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(re.search(rb"Pages:\s+(\d+)", info).group(1))


def test_the_application_forms_facts_repeat_no_row_on_the_next_page(app, runner, tmp_path):
    """The fund application's facts table (申请事项, 小区, 维修项目…) was drawn as a table
    with a header row: fifteen repair items of 200 characters ran it onto page 2, and its
    first row (申请事项 and the vote's title of up to 200 characters) was printed again at
    the top of that page, read as a second application. Each fact is printed once."""
    title = "第一期电梯更换" + "题" * 193
    items = [f"第{i:02d}项" + "电梯曳引机控制柜钢丝绳更换及井道照明改造" * 9 + "工程量清单" + ":100.00"
             for i in range(15)]
    form = _application_form(app, runner, tmp_path, title, "8047.50", items)
    assert pdf_pages(form) >= 2
    text = _flat(form)
    assert text.count("申请事项") == 1
    assert text.count(title) == 1
    assert "业主表决" in text and "主任（签字）" in text


def test_a_facts_row_continued_on_the_next_page_is_as_tall_as_its_text(tmp_path):
    """A voter owning a shop of the longest building name (64 characters) had the notice's
    费用明细 row (eight items named to their first 60 characters) run over to page 2: there
    its last two lines stood over some 100 pt of empty row, the height the label 费用明细,
    centred in the whole row on page 1, had above it (reportlab measured the continued row
    with the first part's padding). The next row follows the continued lines at once."""
    from tests.test_notices_pdf import _heavy_plan, notice, text_boxes
    from votes.services.notices_pdf import render_notices

    building = ("翠湖山庄二期沿街商业综合楼暨地下车库配套用房A座" + "东" * 64)[:64]
    items = tuple((f"第{i}项" + "电梯曳引机控制柜钢丝绳更换及井道照明改造" * 10, "99,999,999.99")
                  for i in range(8))
    plan = _heavy_plan(community="阳" * 200, committee="委" * 200, title="题" * 200, items=items)
    pdf = render_notices([notice(1, plan, units=((f"{building}商铺101-103室（临街）",
                                                  "1,234.56"),))])
    assert pdf_pages(pdf) == 2
    (tmp_path / "notice.pdf").write_bytes(pdf)
    words = text_boxes(tmp_path / "notice.pdf")[1][1]
    # The continued row's last words, then the label of the row after it.
    last = max(w[3] for w in words if "项目全称见公示栏" in w[4])
    label = min(w[1] for w in words if w[4] == "列支范围")
    assert 0 < label - last < 2 * 15, (last, label)


def test_the_application_forms_vote_heading_stays_with_its_table(app, runner, tmp_path):
    """With a title of 166 characters and fourteen items of 200, the form's heading
    "业主表决：……，结果：通过" was the last line of page 1 and the table of figures it
    introduces began page 2: the result read alone at a page's foot, its figures apart
    from it. A heading is kept on the page of what follows it."""
    name = "电梯曳引机控制柜钢丝绳更换及井道照明改造工程量清单"
    items = [(f"第{i:02d}项" + name * 10)[:200] + ":100.00" for i in range(14)]
    pages = pdf_text(_application_form(app, runner, tmp_path, ("电梯更换" * 60)[:166],
                                       "7947.50", items)).split("\f")
    heading = [n for n, page in enumerate(pages) if "业主表决：" in page]
    table = [n for n, page in enumerate(pages) if "参与表决专有面积" in page]
    assert len(heading) == 1 and heading == table, (heading, table)


def _application_form(app, runner, tmp_path, title: str, budget: str, items) -> bytes:
    """The application form of a passed vote with this title and these items, its works
    accepted and paid (the CLI's package)."""
    import zipfile

    from tests.money_world import passed_vote, works_done

    extra = ("--title", title, "--budget", budget,
             *[arg for item in items for arg in ("--item", item)])
    pid = passed_vote(app, runner, tmp_path, extra=extra)["pid"]
    works_done(runner, tmp_path, pid)
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        return z.read("application-form.pdf")
