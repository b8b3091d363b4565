"""The apportionment table for the fund office: each unit's area, share, balance, shortfall.

CSV columns (docs/fund-application.md): building, entrance, room, area_m2, share_yuan,
balance_yuan, shortfall_yuan — UTF-8 with a BOM, comma-separated, amounts and areas with
a decimal point and exactly 2 decimals, an empty cell where the balance is unknown. Once
the use is settled, settled_share_yuan, debited_yuan and settled_shortfall_yuan follow:
the settlement's own figures, as the settlement notice prints them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from votes.core.cells import safe_row
from votes.core.numbers import format_area, format_yuan_plain
from votes.extensions import db
from votes.models import Proposal, Unit
from votes.services.money.settlement import debits
from votes.services.notices import delivery_key
from votes.services.records import frozen_units
from votes.services.sheets import fit_columns, sheet_row

CSV_COLUMNS = ("building", "entrance", "room", "area_m2", "share_yuan", "balance_yuan",
               "shortfall_yuan")
XLSX_HEADER = ("楼栋", "单元", "房号", "面积(m²)", "分摊金额(元)", "分户账余额(元)", "不足金额(元)")
# Appended once settled, the three before them then named for the budget they split: the
# table a fund office holds beside the settlement notice gives both, each by its name.
SETTLED_COLUMNS = ("settled_share_yuan", "debited_yuan", "settled_shortfall_yuan")
SETTLED_HEADER = ("楼栋", "单元", "房号", "面积(m²)", "预算分摊(元)", "结算前分户账余额(元)",
                  "预算不足(元)", "结算分摊(元)", "已扣减(元)", "结算不足(元)")


@dataclass(frozen=True)
class ApportionmentRow:
    building: str
    entrance: str
    room: str
    area: int  # centi-m²
    share: int  # fen of the approved budget
    balance: int | None  # fen in the unit's sub-ledger today; None when unknown
    shortfall: int | None  # share not covered by the balance; None when unknown
    # The settlement's debit of the unit (fen), None before the settlement: its share of the
    # final cost, what was debited, and the rest (the whole share when the balance was
    # unknown), read from the debits the settlement notice prints.
    settled_share: int | None = None
    debited: int | None = None
    settled_shortfall: int | None = None


def is_settled(rows: list[ApportionmentRow]) -> bool:
    return any(r.settled_share is not None for r in rows)


def apportionment_rows(proposal: Proposal) -> list[ApportionmentRow]:
    """The frozen roll's units with their budget share and today's balance — before this
    use's own settlement: once settled, the balance its settlement drew on, or its
    shortfall would be counted against the balance it already paid out of (a flat that
    paid its whole share shown short by the amount it paid), and against what later
    settlements of other uses took."""
    balances = dict(db.session.execute(select(Unit.unit_key, Unit.fund_balance).where(
        Unit.community_id == proposal.community_id)).all())
    settled = {d.unit_key: d for d in debits(proposal)}
    rows = []
    for u in sorted(frozen_units(proposal), key=delivery_key):
        d = settled.get(u.unit_key)
        balance = d.balance_before if d is not None and d.balance_before is not None \
            else balances.get(u.unit_key)
        rows.append(ApportionmentRow(
            u.building, u.entrance, u.room, u.area, u.share, balance,
            None if balance is None else max(0, u.share - balance),
            settled_share=d.share if d else None, debited=d.debited if d else None,
            settled_shortfall=d.shortfall if d else None))
    return rows


def _money(fen: int | None) -> str:
    return "" if fen is None else format_yuan_plain(fen)


def apportionment_csv(rows: list[ApportionmentRow]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    settled = is_settled(rows)
    w.writerow(CSV_COLUMNS + (SETTLED_COLUMNS if settled else ()))
    for r in rows:
        w.writerow(safe_row([r.building, r.entrance, r.room, format_area(r.area),
                             format_yuan_plain(r.share), _money(r.balance), _money(r.shortfall)]
                            + ([_money(r.settled_share), _money(r.debited),
                                _money(r.settled_shortfall)] if settled else [])))
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
    settled = is_settled(rows)
    ws.append(sheet_row(ws, [title]))
    ws.append(list(SETTLED_HEADER if settled else XLSX_HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(sheet_row(ws, [r.building, r.entrance, r.room, _number(r.area),
                                 _number(r.share), _number(r.balance), _number(r.shortfall)]
                            + ([_number(r.settled_share), _number(r.debited),
                                _number(r.settled_shortfall)] if settled else [])))
    total = ["合计", "", "", _number(sum(r.area for r in rows)),
             _number(sum(r.share for r in rows)), None,
             _number(sum(r.shortfall or 0 for r in rows))]
    if settled:
        total += [_number(sum(r.settled_share for r in rows)),
                  _number(sum(r.debited for r in rows)),
                  _number(sum(r.settled_shortfall for r in rows))]
    unknown = sum(1 for r in rows if r.balance is None)
    if unknown:
        # Their shortfall cells are empty, so the sum leaves them out: said beside it, as
        # the application form says, or the office reads it as all the budget not covered.
        # The settlement debited nothing from them: their whole share is its shortfall.
        total.append(f"另有 {unknown} 户分户账余额未知，未计入预算不足合计；结算未扣减，其结算分摊"
                     "全部计入结算不足合计" if settled
                     else f"另有 {unknown} 户分户账余额未知，未计入不足金额合计")
    ws.append(total)
    last = 10 if settled else 7
    for row in ws.iter_rows(min_row=3, min_col=4, max_col=last):
        for cell in row:
            cell.number_format = "0.00"
    fit_columns(ws, header_row=2)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
