"""A paragraph's Chinese indent in every PDF the app prints (votes.services.pdf_text.Paragraph):
the voting notice, the letter of an owner who does not vote and the emergency-use letter open
their first paragraph with two ideographic spaces ("　　"), and reportlab dropped them (its
markup cleaner takes U+3000 for whitespace to collapse): the paragraph printed flush left,
and an ideographic space between two phrases ("小区：…　事项：…") printed as a narrow space."""

from __future__ import annotations

import io
import re
import subprocess

from tests.browser import need_tools
from tests.test_pdf_figures_unbroken import _both_ways, _lines

LEFT = 100.0  # where the paragraphs are drawn
SENTENCE = ("阳光花园业主委员会就下列事项征求您的意见，请在表决期内表决。"
            "本通知上的二维码和网址只属于您的房屋，请勿转交他人。")


def _printed_lines(pdf: bytes) -> list[list[list[tuple[float, float, str]]]]:
    """Each page's lines, top to bottom, each its words (xMin, xMax, text) left to right, as
    pdftotext finds them (it takes an ideographic space for a gap between words)."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode("utf-8")
    pages = []
    for page in out.split("<page ")[1:]:
        words = sorted((float(y0), float(y1), float(x0), float(x1), text)
                       for x0, y0, x1, y1, text in re.findall(
                           r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                           r'yMax="([-\d.]+)">([^<]*)</word>', page))
        rows: list[tuple[float, list]] = []  # a line: its words overlap it up and down
        for y0, y1, x0, x1, text in words:
            if not rows or y0 >= rows[-1][0] - 1:
                rows.append((y1, []))
            rows[-1][1].append((x0, x1, text))
        pages.append([sorted(row) for _, row in rows])
    return pages


def _drawn(texts: list[str], style, width: float) -> list[list[list[tuple[float, float, str]]]]:
    """Each text as a pdf_text.Paragraph `width` wide at x = LEFT, one a page."""
    from reportlab.pdfgen.canvas import Canvas

    from votes.services.pdf_text import Paragraph

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for text in texts:
        paragraph = Paragraph(text, style)
        _, height = paragraph.wrap(width, 10_000)
        paragraph.drawOn(canvas, LEFT, 800 - height)
        canvas.showPage()
    canvas.save()
    return _printed_lines(buffer.getvalue())


def test_a_paragraph_opening_with_two_ideographic_spaces_prints_its_indent():
    """The first line starts two font sizes in, the lines after it at the margin, wherever
    the text wraps, as one plain run and after other markup."""
    need_tools("pdftotext")
    from votes.services.money import pdf

    for style, width in ((pdf.styles()["body"], 300), (pdf.styles()["cell"], 150)):
        texts = [t for pad in range(0, 30) for t in
                 ("　　" + "甲" * pad + SENTENCE, f"　　<font size=13>乙</font>{'甲' * pad}{SENTENCE}")]
        pages = _drawn(texts, style, width)
        assert len(pages) == len(texts)
        for text, lines in zip(texts, pages):
            assert abs(lines[0][0][0] - (LEFT + 2 * style.fontSize)) < 0.5, (text, lines[0])
            assert len(lines) > 2 and all(abs(line[0][0] - LEFT) < 0.5 for line in lines[1:]), (
                text, lines)


def test_a_paragraph_after_a_line_break_keeps_its_indent_too():
    need_tools("pdftotext")
    from votes.services.money import pdf

    style = pdf.styles()["body"]
    lines = _drawn([f"　　{SENTENCE}<br/>　　第二段。"], style, 300)[0]
    assert lines[-1][0][2] == "第二段。"
    assert abs(lines[-1][0][0] - (LEFT + 2 * style.fontSize)) < 0.5, lines
    assert abs(lines[0][0][0] - (LEFT + 2 * style.fontSize)) < 0.5, lines


def test_an_ideographic_space_between_phrases_prints_its_full_width():
    """"小区：阳光花园　事项：…" printed with a narrow Latin space; where the space falls at
    a line end, the next line still starts at the margin."""
    need_tools("pdftotext")
    from votes.services.money import pdf

    style = pdf.styles()["body"]
    lines = _drawn(["小区：阳光花园　事项：电梯更换"], style, 300)[0]
    assert [w[2] for w in lines[0]] == ["小区：阳光花园", "事项：电梯更换"], lines
    assert abs(lines[0][1][0] - lines[0][0][1] - style.fontSize) < 0.5, lines
    texts = ["甲" * pad + "小区：阳光花园　事项：电梯更换" * 3 for pad in range(0, 30)]
    for text, lines in zip(texts, _drawn(texts, style, 150)):
        assert all(abs(line[0][0] - LEFT) < 0.5 for line in lines), (text, lines)


def test_the_text_of_an_indented_paragraph_is_whole():
    """Nothing is lost or doubled where the indent and the ideographic spaces go, and no line
    but a paragraph's first starts with one."""
    from votes.services.money import pdf
    from votes.services.pdf_text import Paragraph

    for style, width in ((pdf.styles()["body"], 300), (pdf.styles()["cell"], 150)):
        for pad in range(0, 30):
            for text in _both_ways("　　" + "甲" * pad + SENTENCE + "小区：阳光花园　事项：电梯更换"):
                lines = _lines(Paragraph, style, text, width)
                plain = re.sub("<[^>]+>", "", text)
                assert "".join(lines).replace("\u3000", "") == plain.replace("\u3000", "")
                assert not [line for line in lines[1:] if line.startswith("\u3000")], lines


def _indent(pdf: bytes, opening: str) -> list[float]:
    """On each page, how far right of the salutation ("… 业主：") the line starting with
    `opening` begins, in that line's character widths (its words are all Chinese)."""
    found = []
    for lines in _printed_lines(pdf):
        lead = next(line for line in lines if line[-1][2] == "业主：")
        line = next(line for line in lines if line[0][2].startswith(opening))
        x0, x1, text = line[0]
        assert all(ord(c) >= 0x3000 for c in text), text
        found.append((x0 - lead[0][0]) / ((x1 - x0) / len(text)))
    return found


def test_printed_notices_and_letters_indent_their_first_paragraph():
    """The voting notice, the letter of an owner who does not vote and the emergency-use
    letter: their paragraph under the salutation starts two characters in."""
    need_tools("pdftotext")
    from tests.test_notices_pdf import PLAN, notice
    from votes.services.money.emergency_letters import HEADING, _letter
    from votes.services.notices_pdf import render_notices

    notices = render_notices([notice(1), notice(2, no_vote="您的房屋不在表决范围内。")])
    assert [round(x, 2) for x in _indent(notices, PLAN.community + "业主委员会")] == [2, 2]
    letters = render_notices([notice(3)], heading=HEADING, page=_letter)
    assert [round(x, 2) for x in _indent(letters, "下列事项为危及")] == [2]
