"""The apportionment table for the fund office: each unit's area, share, balance, shortfall.

CSV columns (docs/fund-application.md): building, entrance, room, area_m2, share_yuan,
balance_yuan, shortfall_yuan — UTF-8 with a BOM, comma-separated, amounts and areas with
a decimal point and exactly 2 decimals, an empty cell where the balance is unknown."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from votes.core.cells import safe_row
from votes.core.numbers import format_area, format_yuan_plain
from votes.extensions import db
from votes.models import FundDebit, Proposal, Unit
from votes.services.notices import delivery_key
from votes.services.records import frozen_units
from votes.services.sheets import sheet_row

CSV_COLUMNS = ("building", "entrance", "room", "area_m2", "share_yuan", "balance_yuan",
               "shortfall_yuan")
XLSX_HEADER = ("楼栋", "单元", "房号", "面积(m²)", "分摊金额(元)", "分户账余额(元)", "不足金额(元)")


@dataclass(frozen=True)
class ApportionmentRow:
    building: str
    entrance: str
    room: str
    area: int  # centi-m²
    share: int  # fen of the approved budget
    balance: int | None  # fen in the unit's sub-ledger today; None when unknown
    shortfall: int | None  # share not covered by the balance; None when unknown


def apportionment_rows(proposal: Proposal) -> list[ApportionmentRow]:
    """The frozen roll's units with their budget share and today's balance — before this
    use's own settlement: once settled, the balance its settlement drew on, or its
    shortfall would be counted against the balance it already paid out of (a flat that
    paid its whole share shown short by the amount it paid), and against what later
    settlements of other uses took."""
    balances = dict(db.session.execute(select(Unit.unit_key, Unit.fund_balance).where(
        Unit.community_id == proposal.community_id)).all())
    drawn_on = {key: before for key, before in db.session.execute(
        select(FundDebit.unit_key, FundDebit.balance_before).where(
            FundDebit.proposal_id == proposal.id)) if before is not None}
    rows = []
    for u in sorted(frozen_units(proposal), key=delivery_key):
        balance = drawn_on.get(u.unit_key, balances.get(u.unit_key))
        rows.append(ApportionmentRow(u.building, u.entrance, u.room, u.area, u.share, balance,
                                     None if balance is None else max(0, u.share - balance)))
    return rows


def _money(fen: int | None) -> str:
    return "" if fen is None else format_yuan_plain(fen)


def apportionment_csv(rows: list[ApportionmentRow]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(safe_row([r.building, r.entrance, r.room, format_area(r.area),
                             format_yuan_plain(r.share), _money(r.balance), _money(r.shortfall)]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _number(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-2)


def apportionment_xlsx(rows: list[ApportionmentRow], title: str) -> bytes:
    """The same table as numbers (not text), with a total row (and beside it, how many
    units' balances are unknown and left out of its shortfall)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "分摊表"
    ws.append(sheet_row(ws, [title]))
    ws.append(list(XLSX_HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(sheet_row(ws, [r.building, r.entrance, r.room, _number(r.area),
                                 _number(r.share), _number(r.balance), _number(r.shortfall)]))
    total = ["合计", "", "", _number(sum(r.area for r in rows)),
             _number(sum(r.share for r in rows)), None,
             _number(sum(r.shortfall or 0 for r in rows))]
    unknown = sum(1 for r in rows if r.balance is None)
    if unknown:
        # Their shortfall cells are empty, so the sum leaves them out: said beside it, as
        # the application form says, or the office reads it as all the budget not covered.
        total.append(f"另有 {unknown} 户分户账余额未知，未计入不足金额合计")
    ws.append(total)
    for row in ws.iter_rows(min_row=3, min_col=4, max_col=7):
        for cell in row:
            cell.number_format = "0.00"
    for column, width in zip("ABCDEFGH", (10, 8, 10, 12, 16, 16, 16, 40)):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
