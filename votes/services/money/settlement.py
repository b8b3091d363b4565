"""Settlement: the final cost re-apportioned by area, each unit's sub-ledger debited (§18)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from votes.core import works
from votes.core.numbers import format_yuan
from votes.extensions import db
from votes.i18n import _
from votes.models import FundDebit, Proposal, Unit
from votes.services.errors import DomainError
from votes.services.labels import unit_words
from votes.services.money.works import (append_stage, beyond_emergency,
                                       refuse_above_emergency_cap)
from votes.services.records import frozen_units, roll_record

LOW_NUM, LOW_DEN = 3, 10  # a balance below 30% of the first deposit calls for 续筹


def is_low(balance: int | None, first_deposit: int | None) -> bool | None:
    """balance < 30% of the first deposit, in integers. None when either is unknown: a
    first deposit of 0 (or none) makes 30 % of it 0, below which no balance falls, and an
    unknown balance is no figure to compare; either was shown as needing no top-up when no
    one can say."""
    if not first_deposit or balance is None:
        return None
    return balance * LOW_DEN < first_deposit * LOW_NUM


def settle(proposal_ref: str, *, final_cost: int, actor: str = "cli") -> Proposal:
    """Append the settlement entry and debit every unit of the frozen roll, all or nothing."""

    def build(session, p, bodies, when):
        summary = works.money_stage(bodies)
        if final_cost <= 0:
            raise DomainError(_("金额必须大于 0。"))
        if final_cost < summary["paid"]:
            # The payments are on the chain for good and no entry records a refund: the
            # money paid too much comes back through the fund office, not through here.
            raise DomainError(_(
                "结算金额 %(cost)s 元少于已付款 %(paid)s 元。如结算金额填错了，请按实际结算金额"
                "重新填写。如确实少于已付款，多付的 %(over)s 元须由施工单位退回维修资金专户：本系统"
                "没有退款记录，已登记的付款不能撤回或减少，也不能登记低于已付款的结算，请与维修资金"
                "管理部门联系办理退款和结算。", cost=format_yuan(final_cost),
                paid=format_yuan(summary["paid"]), over=format_yuan(summary["paid"] - final_cost)))
        contract = next(b["data"] for b in bodies if b["stage"] == "contract")
        if not works.within_tolerance(final_cost, p.budget, contract["tolerance_bp"]):
            # The most it may be, so the committee need not work out budget × (1 + tolerance).
            most = works.most_within_tolerance(p.budget, contract["tolerance_bp"])
            figures = dict(cost=format_yuan(final_cost), budget=format_yuan(p.budget),
                           pct=format_yuan(contract["tolerance_bp"]), most=format_yuan(most))
            if p.state == "emergency":
                raise DomainError(_(
                    "结算金额 %(cost)s 元超过应急使用预算 %(budget)s 元，且超出幅度大于议事规则"
                    "允许的 %(pct)s%%（结算金额最高 %(most)s 元）：%(why)s",
                    why=beyond_emergency(), **figures))
            raise DomainError(_(
                "结算金额 %(cost)s 元超过表决通过的预算 %(budget)s 元，且超出幅度大于议事规则"
                "允许的 %(pct)s%%：结算金额最高 %(most)s 元，超出的费用需要重新表决。", **figures))
        refuse_above_emergency_cap(p, final_cost, _("结算金额"))
        roll = roll_record(p)
        _debit(session, p, works.settlement_shares(roll, final_cost), when)
        return works.settlement_body(final_cost=final_cost, paid=summary["paid"], roll=roll)

    return append_stage(proposal_ref, "settlement", actor, build)


def _debit(session, p: Proposal, shares, when: datetime) -> None:
    from votes.services.communities import lock_community

    frozen = {u.unit_uid: u for u in frozen_units(p)}
    # Never while the roll is being replaced (roll_import holds the community's row, then
    # deletes its units in the table's order): the units would be gone, or locked in two
    # orders. The shared lock, after the proposal's, in the order a freeze takes them.
    lock_community(session, p.community_id, share=True)
    # The rows are locked (in one order, so two settlements never deadlock): another
    # proposal of the community settling at the same moment debits the balances this one
    # leaves, never the ones both read (a lost debit). SQLite holds its write lock already.
    current = {u.unit_key: u for u in session.scalars(
        select(Unit).where(Unit.community_id == p.community_id).order_by(Unit.id)
        .with_for_update().execution_options(populate_existing=True))}
    # Every flat gone is named at once: the committee brings them all back in one import.
    gone = [unit_words(f) for f in frozen.values() if f.unit_key not in current]
    if gone:
        raise DomainError(_(
            "房屋 %(units)s 已不在当前业主名册中（共 %(n)d 户），无法扣减其维修资金分户账，结算未"
            "登记。结算按表决时冻结的名册分摊到每一户，每户都须扣减：请把这些房屋按原房号补回"
            "业主名册（分户账余额按维修资金管理部门的数据填写，未知可留空），在小区页面“导入业主"
            "名册”重新导入（命令行：votes roll import --replace），然后再结算。",
            units=_("%(units)s等", units=_("、").join(gone[:20])) if len(gone) > 20
            else _("、").join(gone), n=len(gone)))
    for share in shares:
        f = frozen[share.unit_id]
        unit = current[f.unit_key]
        before = unit.fund_balance
        if unit.first_deposit is None and before is not None:
            unit.first_deposit = before  # the first balance seen stands for the first deposit
        debited = 0 if before is None else min(before, share.amount)
        after = None if before is None else before - debited
        unit.fund_balance = after
        session.add(FundDebit(
            proposal_id=p.id, unit_key=f.unit_key, building=f.building, entrance=f.entrance,
            room=f.room, area=f.area, share=share.amount, debited=debited,
            balance_before=before, balance_after=after, shortfall=share.amount - debited,
            low=is_low(after, unit.first_deposit), created_at=when))


def debits(proposal: Proposal) -> list[FundDebit]:
    return list(db.session.scalars(select(FundDebit).where(FundDebit.proposal_id == proposal.id)
                                   .order_by(FundDebit.id)))
