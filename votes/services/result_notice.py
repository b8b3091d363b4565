"""The result notice for the lobby (公示): each unit's choice by room, never a name."""

from __future__ import annotations

import io

from votes.core.local_rules import Procedure
from votes.core.numbers import format_area_grouped
from votes.core.rules import Matter
from votes.extensions import db
from votes.i18n import _
from votes.models import Proposal
from votes.services.choices import unseal
from votes.services import clock
from votes.services.clock import printed_date, printed_time
from votes.services.errors import DomainError
from votes.services.figures import proposal_figures
from votes.services.procedure.notice_lines import (NAMES, figure, follow_lines,
                                                   objection_lines, procedure_lines)
from votes.services.procedure.outcome import outcome
from votes.services.notices import unit_label, units_in_delivery_order
from votes.services.tally import counted_ballots

# One column of the flat as the voting notice printed it: the roll's three stored parts
# (Ｂ座１２３号楼 | 1单元 | ８０８室) were another spelling of the flat the owner's notice
# named B座123号楼1单元808室.
HEADER = ["房屋", "面积(m²)", "表决意见"]


def result_notice_pdf(proposal: Proposal) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

    from votes.services.pdf_text import Paragraph, long_table, markup, register_fonts

    if proposal.state not in ("closed", "published"):
        raise DomainError(_("表决结束后才能生成结果公告"))
    font = register_fonts()
    t = proposal_figures(str(proposal.id)).tally
    choice_of = {b.voter_key: unseal(b.choice_enc)[0].label_zh
                 for b in counted_ballots(db.session, proposal)}
    units = units_in_delivery_order(proposal)
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1,
                           wordWrap="CJK")
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    story = [Paragraph("业主共同决定事项表决结果公告", title), Spacer(1, 0.4 * cm),
             Paragraph(f"小区：{markup(proposal.community.name)}　事项：{markup(proposal.title)}"
                       f"（{markup(Matter(proposal.matter).label_zh)}）", body),
             Paragraph(f"表决时间：{printed_time(proposal.voting_start)} 至 "
                       f"{printed_time(proposal.voting_end)}（北京时间）", body)]
    story += [Paragraph(markup(line), body) for line in procedure_lines(proposal.rules)]
    for c in t.checks:
        story.append(Paragraph(markup(
            f"{NAMES[c.name]}：{figure(c.name, c.part)} / {figure(c.name, c.whole)}，"
            f"门槛 {c.threshold}，需 {figure(c.name, c.needed)}，"
            f"{'达到' if c.met else '未达到'}"), body))
    o = outcome(proposal)
    story += [Paragraph(markup(line), body) for line in follow_lines(o, t.checks)]
    label = "初步结果" if o.preliminary else "表决结果"
    story += [Paragraph(markup(f"{label}：{'通过' if o.result_passed else '未通过'}　"
                               f"记录链头：{proposal.chain_head}"), body)]
    story += [Paragraph(markup(line), body) for line in objection_lines(o)]
    story.append(Spacer(1, 0.4 * cm))
    followers = set(o.follow["voters"]) if o.follow else set()
    # Units of a kind the rules leave out (§16) count for nobody, whatever their owner did.
    excluded = set(Procedure.from_rules(proposal.rules).excluded_kinds)
    rows = [HEADER] + [[unit_label(u), format_area_grouped(u.area),
                        "不计入表决（议事规则）" if u.kind in excluded else
                        choice_of.get(u.voter_key, "未表决（从多）" if u.voter_key in followers
                                      else "未表决")] for u in units]
    style = TableStyle([("FONT", (0, 0), (-1, -1), font, 10),
                        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])
    widths = [8 * cm, 3 * cm, 3 * cm]
    cell = ParagraphStyle("c", fontName=font, fontSize=10, leading=12, wordWrap="CJK")
    # A plain string is drawn on one line whatever its length: a long flat label
    # (the roll allows 64 characters), or 不计入表决（议事规则）, ran over the next column or
    # past the table. Only those become wrapped paragraphs: a paragraph in every cell would
    # make a city's 20,000 rows several times slower to lay out.
    rows = [[Paragraph(markup(v), cell)
             if pdfmetrics.stringWidth(v, font, 10) > w - 12 else v
             for v, w in zip(row, widths)] for row in rows]

    def make(piece: list) -> Table:
        table = Table(piece, repeatRows=1, colWidths=widths)
        table.setStyle(style)
        return table

    story.append(long_table(rows, make))
    # Who publishes it, when, and room for the seal, as on the voting notice: a lobby sheet
    # nobody signed could not be told from a forgery, and owners did not know whom to ask.
    c = proposal.community
    blank = "＿＿＿＿＿＿＿＿＿＿"
    sign = ParagraphStyle("s", fontName=font, fontSize=11, leading=18, alignment=2,
                          wordWrap="CJK")
    story.append(KeepTogether([Spacer(1, 0.6 * cm), Paragraph(
        f"{markup(c.committee_name or blank)}（盖章）<br/>"
        f"联系电话：{markup(c.contact_phone or blank)}<br/>"
        f"日期：{printed_date(clock.now())}", sign)]))
    from votes.services.pdf_pages import numbered

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="表决结果公告", invariant=1,
                      initialFontName=font).build(
        story, canvasmaker=numbered(f"{label}公告", proposal.title))
    return out.getvalue()
