"""Where a printed line ends (votes.services.pdf_text.Paragraph, every PDF paragraph of the
app): a line that filled just before a <br/> was followed by an empty line (every voting
notice had a blank line before "不便网上表决的："), and a line could end with an opening
bracket, its words on the next line ("…09:00（" / "北京时间）")."""

from __future__ import annotations

import re

from tests.browser import need_tools, pdf_text
from tests.test_pdf_figures_unbroken import _both_ways, _lines

STEP = "3. 选择“同意”“反对”或“弃权”并确认，保存页面上的回执编号。"
AFTER = "不便网上表决的：纸质表决票。"


def test_a_line_break_right_after_a_full_line_adds_no_empty_line():
    """A <br/> directly after a line that just filled ends that line: reportlab (and
    pdf_text after it) printed the line, then the <br/> alone on an empty line."""
    from reportlab.platypus import Paragraph as Stock

    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style, width = pdf.styles()["body"], 504
    stock_blank = set()
    for pad in range(0, 60):
        for text in (f"{'甲' * pad}{STEP}<br/>{AFTER}",
                     f"<font size=12>如何表决</font><br/>{'甲' * pad}{STEP}<br/>{AFTER}",
                     f"{'甲' * pad}{STEP}<br/><br/>{AFTER}"):
            lines = _lines(Paragraph, style, text, width)
            wanted_blanks = text.count("<br/><br/>")
            assert lines.count("") == wanted_blanks, (pad, lines)
            after = next(i for i, line in enumerate(lines) if line.startswith(AFTER[:4]))
            assert lines[after - 1 - wanted_blanks].endswith("号。"), (pad, lines)
            plain = re.sub("<[^>]+>", "", text)
            assert "".join(lines).replace(" ", "") == plain.replace(" ", "")
            if "" in _lines(Stock, style, text, width) and not wanted_blanks:
                stock_blank.add(pad)
    assert stock_blank  # the text does fill a line just before its <br/> for some shift


OPENING = "（《「『【〔“"
# Each opening mark with words after it, and ASCII ( and [ before Chinese text and a figure.
BRACKETED = ["详见（北京时间）", "详见《管理规约》", "详见「第十条」", "详见『附件』",
             "详见【公示栏】", "详见〔2026〕号", "选择“同意”", "详见(附件一)", "详见[清单二]",
             "详见(12 户)"]


def test_no_line_ends_with_an_opening_bracket():
    """The line breaks before the bracket: it goes down with the words it opens."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    for style, width in ((pdf.styles()["body"], 504), (pdf.styles()["cell"], 150)):
        for words in BRACKETED:
            opening = words[2]
            ended = False
            for pad in range(0, 50):
                for text in _both_ways("甲" * pad + words + "完。"):
                    lines = _lines(Paragraph, style, text, width)
                    assert not [line for line in lines if line.endswith(opening)], (pad, lines)
                    plain = re.sub("<[^>]+>", "", text)
                    assert "".join(lines).replace(" ", "") == plain.replace(" ", "")
                    ended |= any(line.endswith(words[:2]) for line in lines[:-1])
            assert ended, words  # the mark did fall at a line end: it went down


def test_an_opening_bracket_alone_wider_than_its_line_is_still_printed():
    """Nothing is lost where the bracket and what follows cannot fit any other way."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    style = pdf.styles()["cell"]
    for text in ("（（（（（（（（", "甲（（（（（（乙", "（北京时间）" * 4):
        lines = _lines(Paragraph, style, text, 30)
        assert "".join(lines) == text and "" not in lines, lines


def _printed(pads) -> list[str]:
    """The lines of notices of the real steps and paper voting text, the 表决期 pushed
    along its cell a character at a time."""
    from dataclasses import replace

    from tests.test_notices_pdf import PLAN, notice
    from votes.services.notices import HOW_TO_VERIFY, PAPER
    from votes.services.notices_pdf import render_notices

    plans = [replace(PLAN, how_to_verify=HOW_TO_VERIFY, paper=PAPER,
                     voting="至" * pad + "2026年11月27日 14:30 至 2026年12月8日 09:00（北京时间）")
             for pad in pads]
    return [line.strip() for line in
            pdf_text(render_notices([notice(1, plan) for plan in plans])).splitlines()]


def test_a_printed_notice_has_no_blank_line_before_its_paper_voting_step():
    """Every voting notice read "…保存页面上的回执编号。", an empty line, "不便网上表决的："."""
    need_tools("pdftotext")
    lines = _printed(range(0, 3))
    steps = [i for i, line in enumerate(lines) if line.endswith("回执编号。")]
    assert len(steps) == 3, lines
    assert all(lines[i + 1].startswith("不便网上表决的：") for i in steps), lines


def test_a_printed_notice_ends_no_line_with_an_opening_bracket():
    """A 表决期 pushed along its cell ended a line with "…09:00（", "北京时间）" below."""
    need_tools("pdftotext")
    lines = _printed(range(0, 30))
    ends = [line for line in lines if line and line[-1] in OPENING]
    assert not ends, ends


def test_no_line_starts_with_two_closing_marks_in_a_row():
    """Where "），" fell at a line end the comma went down with the character before it, the
    bracket too, and the next line began with "）": "（北京时间" / "），详见…"."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    text = "表决期至（北京时间），详见《规约》；“同意”。（附件一）：完」』！"
    for style, width in ((pdf.styles()["body"], 504), (pdf.styles()["cell"], 150)):
        for pad in range(0, 50):
            for t in _both_ways("甲" * pad + text):
                lines = _lines(Paragraph, style, t, width)
                assert not [line for line in lines[1:] if line[:1] in "，；：？！）》」』”。、"], (
                    pad, lines)
                assert "".join(lines) == re.sub("<[^>]+>", "", t)
