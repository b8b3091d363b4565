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
    # The table's first row is its header, repeated at the top of the next page.
    text = _flat(out).replace("申请事项电梯更换", "")
    assert re.sub(r"\s+", "", items) in text
    assert "预算金额1.00元" in text
