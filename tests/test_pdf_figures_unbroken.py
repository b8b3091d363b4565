"""A figure and its unit on one line in every PDF the app prints: reportlab's CJK wrapping
ended a line before any Chinese character that did not fit and at any space, so a notice read
"共 12" / "户", "654.75" / "m²", "12,500.0" / "0 元" (votes.services.pdf_text.Paragraph)."""

from __future__ import annotations

import re

from tests.browser import need_tools, pdf_text

FIGURES = ("12 户", "654.75 m²", "12,500.00 元", "3户", "51.20%", "2026年")
SENTENCE = "本次共 12 户参与，面积 654.75 m²，预算 12,500.00 元，另有3户未表决，占 51.20%，2026年结算。"
PADS = range(0, 50)  # the sentence shifted a character at a time: each figure meets a line end


def _lines(paragraph_class, style, text: str, width: float) -> list[str]:
    p = paragraph_class(text, style)
    p.wrap(width, 10_000)
    return ["".join(line[1]) if isinstance(line, (list, tuple)) else
            "".join(w.text for w in line.words) for line in p.blPara.lines]


def test_the_sentences_are_crafted_so_reportlab_alone_breaks_the_figures():
    from reportlab.platypus import Paragraph as Stock

    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style, width = pdf.styles()["body"], 504
    broken = set()
    for pad in PADS:
        stock = "\n".join(_lines(Stock, style, "甲" * pad + SENTENCE, width))
        mine = _lines(Paragraph, style, "甲" * pad + SENTENCE, width)
        broken |= {f for f in FIGURES if f not in stock}
        assert all(f in "\n".join(mine) for f in FIGURES), mine
        # Nothing lost (a space where a line ends is not printed, as before).
        assert "".join(mine).replace(" ", "") == ("甲" * pad + SENTENCE).replace(" ", "")
    # Every figure fell at a line end for some shift, and reportlab cut it there; all but a
    # percentage, Latin characters only, which it moved whole.
    assert broken == set(FIGURES) - {"51.20%"}


def test_a_printed_pdf_keeps_each_figure_and_its_unit_on_one_line():
    need_tools("pdftotext")
    from votes.services.money import pdf

    s = pdf.styles()
    story = [pdf.para("甲" * pad + SENTENCE, s["body"]) for pad in PADS]
    text = pdf_text(pdf.build("figures", story))
    lines = [re.sub(r"\s+", " ", line.strip()) for line in text.splitlines()]
    for figure in FIGURES:
        assert sum(line.count(figure) for line in lines) == len(PADS), (figure, text)


def test_no_line_starts_with_a_chinese_comma_or_closing_mark():
    """reportlab's list of characters no line may start with has 、 and 。 but not ，；：？！）:
    a printed notice had lines beginning "，占 51.20%"."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style, width = pdf.styles()["body"], 504
    text = "业主（含共有人）表决：同意，反对；弃权？是！完成。"
    for pad in range(0, 60):
        lines = _lines(Paragraph, style, "甲" * pad + text + SENTENCE, width)
        assert not [line for line in lines[1:] if line[:1] in "，；：？！）"], (pad, lines)
        assert "".join(lines).replace(" ", "") == ("甲" * pad + text + SENTENCE).replace(" ", "")


# A date and its time as the app prints them: ISO on screens and in some tables, and
# clock.printed_time's 2026年11月27日 14:30 on notices (a period: "… 至 …（北京时间）").
DATES = ("2026-11-27 14:30", "2026年11月27日 14:30", "2026年12月8日 09:00", "2026-12-08")
DATED = ("表决期：2026-11-27 14:30 至 2026年12月8日 09:00（北京时间），"
         "公示期自2026年11月27日 14:30起，结算日为 2026-12-08，共 12 户参与。")


def _both_ways(text: str) -> list[str]:
    """`text` as one plain run (reportlab's one-fragment path) and with a fragment of another
    size before it (the path of a paragraph with <font> or <br/> markup): both are laid out."""
    return [text, f"<font size=13>乙</font>{text}"]


def test_a_date_and_its_time_stay_on_one_line_where_they_fit():
    """A notice's period read "2026年11月27日" / "14:30", "2026-11-27" / "14:30": the
    date and its time were two figures, broken between like words."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style, width = pdf.styles()["body"], 504
    for pad in range(0, 70):
        for text in _both_ways("甲" * pad + DATED):
            lines = _lines(Paragraph, style, text, width)
            assert all(any(d in line for line in lines) for d in DATES), (pad, lines)
            plain = re.sub("<[^>]+>", "", text)
            assert "".join(lines).replace(" ", "") == plain.replace(" ", "")


def test_a_date_and_time_wider_than_the_line_breaks_between_the_date_and_the_time():
    """In a cell too narrow for the whole of it, the date and the time each stay whole."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style = pdf.styles()["cell"]
    for text in _both_ways("2026年11月27日 14:30 至 2026年12月8日 09:00"):
        lines = _lines(Paragraph, style, text, 80)
        for part in ("2026年11月27日", "14:30", "2026年12月8日", "09:00"):
            assert any(part in line for line in lines), (part, lines)
        assert len(lines) > 2, lines  # the width is narrow enough to need the fallback


def test_no_line_starts_or_ends_with_a_space():
    """Where a line ended right after a figure ("共 12 户" and a space), the space went down
    with the next word: the line after it began one space in, out of line with the margin
    (on a centred or right-aligned line, the one before sat half a space off)."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style, width = pdf.styles()["body"], 504
    text = "共 12 户 参与，面积 654.75 m² 合计，预算 12,500.00 元 整，截至 2026-11-27 14:30 止。"
    for pad in range(0, 60):
        for t in _both_ways("甲" * pad + text):
            lines = _lines(Paragraph, style, t, width)
            assert not [line for line in lines if line != line.strip(" ")], (pad, lines)
            plain = re.sub("<[^>]+>", "", t)
            assert "".join(lines).replace(" ", "") == plain.replace(" ", "")


def test_a_printed_notice_keeps_its_dates_and_times_whole():
    """The notice's 表决期 and 公示期 rows, their dates pushed to every place on the line."""
    need_tools("pdftotext")
    from dataclasses import replace

    from tests.test_notices_pdf import PLAN, notice
    from votes.services.notices_pdf import render_notices

    pads = range(0, 36, 1)
    plans = [replace(PLAN, voting="至" * pad + "2026年11月27日 14:30 至 2026年12月8日 09:00（北京时间）",
                     publicity="自" * pad + "2026-11-20 09:00 至 2026-11-27 14:30（北京时间）")
             for pad in pads]
    text = pdf_text(render_notices([notice(1, plan) for plan in plans]))
    lines = [re.sub(r"\s+", " ", line.strip()) for line in text.splitlines()]
    for when in ("2026年11月27日 14:30", "2026年12月8日 09:00", "2026-11-20 09:00",
                 "2026-11-27 14:30"):
        assert sum(line.count(when) for line in lines) == len(pads), (when, text)


def test_the_lobby_poster_keeps_figures_and_dates_whole_in_its_title():
    """The poster's title was cut character by character where a line was full: "2026年11"
    / "月27日 14:30", "654.7" / "5 m²"."""
    need_tools("pdftotext")
    from votes.services.notices_pdf import render_poster

    for pad in range(14, 26):
        title = "甲" * pad + "2026年11月27日 14:30 电梯更换 654.75 m²，共 12 户"
        text = pdf_text(render_poster("阳光花园", title, "2026-12-08 09:00", "http://v.test/l"))
        lines = [re.sub(r"\s+", " ", line.strip()) for line in text.splitlines()]
        for whole in ("2026年11月27日 14:30", "654.75 m²", "12 户"):
            assert any(whole in line for line in lines), (pad, whole, text)
        assert not [line for line in lines if line.startswith("，")], (pad, text)
