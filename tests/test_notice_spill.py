"""Notices that run over a page (long names, a long title, many repair items): the line that
heads each continued page, and the progress reported while thousands of them are drawn."""

from __future__ import annotations

from tests.browser import need_tools, pdf_text
from tests.factories import make_open_proposal, make_row, resident_id

# A building label of the roll's full 64 characters, as a developer's registry spells it.
LONG_BUILDING = ("阳光花园东区商住综合楼" * 6)[:60] + "A座"
ITEMS = tuple(x for i in range(1, 13) for x in (
    "--item", f"第{i}项" + "外墙保温层及防水层整体翻新工程" * 6 + ":1000.00"))
SPILLING = ("--title", "外墙及屋面防水整体维修工程" * 15, "--budget", "18547.50", *ITEMS)


def spilling_vote(app, runner, tmp_path):
    rows = [make_row(building=LONG_BUILDING, room=f"{n}01", owner_name=f"业主{n}",
                     owner_id=resident_id(n)) for n in range(1, 4)]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows, extra=SPILLING)
    result = runner.invoke(args=["community", "contact", "SUN", "--committee",
                                 "阳光花园东区业主大会业主委员会" * 13, "--phone", "0595-22881234"])
    assert result.exit_code == 0, result.output
    return vote


def test_a_continued_page_says_whose_notice_and_which_page_within_the_page(app, runner,
                                                                          tmp_path):
    """The heading of a continued page was drawn in one line whatever its length: with a
    long building name, "业主的通知，第 2 页" ran off the paper's edge (and pdftotext, which
    keeps only what is on the page, did not find it)."""
    need_tools("pdftotext")
    vote = spilling_vote(app, runner, tmp_path)
    out = tmp_path / "n.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_text(out).split("\f")[:-1]
    continued = [p for p in pages if p.lstrip().startswith("（接上页）")]
    assert len(pages) == 6 and len(continued) == 3  # each of the three runs over
    for page in continued:
        head = page.lstrip().splitlines()[0]
        assert head.endswith("业主的通知，第 2 页"), head
        assert LONG_BUILDING[:8] in head


def test_progress_reaches_the_end_only_when_the_last_notice_is_drawn(app, runner, tmp_path):
    """Progress counted pages as notices: with notices of two pages, it said all were drawn
    halfway through, and the bar stood at 100 % for the other half of the minutes."""
    from votes.services.notices import notices_pdf

    vote = spilling_vote(app, runner, tmp_path)
    seen: list[tuple[int, int]] = []
    with app.app_context():
        notices_pdf(str(vote["id"]), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_each_notice_is_laid_out_only_when_the_one_before_it_is_drawn():
    """render_notices built every notice's flowables (paragraphs, tables, QR matrices, about
    170 KB a notice) before drawing the first: `votes notices` for 5,000 two-page notices
    peaked at 712 MB, growing with the roll. Each notice's flowables are now made when the
    document reaches it, and released once drawn: memory stays flat but for the PDF."""
    from tests.test_notices_pdf import notice
    from votes.services.notices_pdf import _story, render_notices

    events: list[str] = []

    def page(n, heading, styles):
        events.append(f"laid out {n.units[0][0]}")
        return _story(n, heading, styles)

    render_notices([notice(i) for i in range(1, 4)], page=page,
                   progress=lambda done, total: events.append(f"drawn {done}"))
    assert events == ["laid out 1号楼1单元101室", "drawn 1", "laid out 1号楼1单元201室",
                      "drawn 2", "laid out 1号楼1单元301室", "drawn 3"]
