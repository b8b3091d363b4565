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
