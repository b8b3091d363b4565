"""Importing an owner roll: its rows checked first (roll_plan), then stored in one transaction
in place of the last, and what the committee is told of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from votes.core.bulk_gc import paused_gc
from votes.core.numbers import format_area_grouped, format_yuan
from votes.i18n import _
from votes.models import AuditEntry, FundDebit, Owner, Ownership, Proposal, Unit, utcnow
from votes.services import audit, clock, privacy
from votes.services.bulk import insert_rows
from votes.services.communities import get_community, lock_community
from votes.services.errors import DomainError, Problem
from votes.services.plain_text import file_label
from votes.services.roll_file import read_roll
from votes.services.roll_plan import RollPlan, plan_roll
from votes.services.tx import unit_of_work


ZERO_DEPOSITS_NAMED = 10
NAMED_LABEL_MAX = 24  # characters of a label the zero-deposit warning names


@dataclass(frozen=True)
class ImportResult:
    units: int
    owners: int
    replaced: bool
    landlines: int = 0
    zero_deposits: tuple[str, ...] = ()  # labels of the units whose first deposit is 0
    headcount: int = 0  # voters as the law counts them
    area: int = 0  # total area, in centi-m²


class AlreadyImported(DomainError):
    """The preview was imported already (a second click, or two at the same moment): when,
    and by whom, for the page to say so instead of calling it expired."""

    def __init__(self, when, actor: str):
        super().__init__(_("这份名册已于 %(time)s 由 %(who)s 导入，没有再次导入；下面是现在的名册。",
                           time=clock.local_text(when), who=actor))
        self.when, self.actor = when, actor


def imported_upload(session: Session, community_id: int, upload: str) -> AuditEntry | None:
    """The log's entry of the import of this preview (its token's digest), if any."""
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.community_id == community_id,
        AuditEntry.action.in_(("roll.import", "roll.replace"))).order_by(AuditEntry.seq.desc()))
    # A community's roll is imported a few times in its life: its entries are few.
    return next((e for e in entries if (e.details or {}).get("upload") == upload), None)


def roll_counts(units: int, owners: int, headcount: int, area: int) -> str:
    """What a roll holds, each number saying what it counts: the web preview, the page
    after confirming and the CLI's import all say it."""
    return _("%(u)d 户；名册登记业主 %(o)d 名（按证件号码计）；表决人数按法定规则计 %(h)d 人"
             "（一人多套、一套房屋的共有人、开发建设单位的全部房屋，各计一人）；总面积 %(a)s m²",
             u=units, o=owners, h=headcount, a=format_area_grouped(area))


def import_message(result: ImportResult) -> str:
    """What the CLI and the committee's page say once a roll is imported or replaced."""
    counts = roll_counts(result.units, result.owners, result.headcount, result.area)
    if result.replaced:
        return _("已替换业主名册：%(counts)s。", counts=counts)
    return _("已导入业主名册：%(counts)s。", counts=counts)


def landline_note(landlines: int) -> str | None:
    """What the CLI and the committee's pages say of owners whose number is a fixed line."""
    if not landlines:
        return None
    return _("%(n)s 位业主的联系电话是固定电话，不能接收短信验证码；验证身份时不会向他们"
             "提供短信方式", n=landlines)


def _shortened(label: str) -> str:
    """A label cut to NAMED_LABEL_MAX characters, keeping its start and its end (the room):
    the warning after a web upload is flashed into the signed session cookie, and ten labels
    of 64 + 64 + 64 characters took it past the browser's 4 KB, which then drops it."""
    if len(label) <= NAMED_LABEL_MAX:
        return label
    tail = (NAMED_LABEL_MAX - 1) // 2
    return label[:NAMED_LABEL_MAX - 1 - tail] + "…" + label[-tail:]


def zero_deposit_warning(labels) -> str | None:
    """What the CLI and the committee's pages say of units whose first deposit is 0: the
    roll is accepted (a unit may truly have none on record), but settlement will not judge
    whether they must top up."""
    if not labels:
        return None
    named = _("、").join(_shortened(label) for label in labels[:ZERO_DEPOSITS_NAMED])
    if len(labels) > ZERO_DEPOSITS_NAMED:
        named = _("%(units)s 等", units=named)
    return _("%(n)s 户首期交存额为 0（%(units)s）：结算时将无法判断这些房屋是否需续筹，"
             "如有首期交存记录请补充后重新导入", n=len(labels), units=named)


def import_roll(community_code: str, path: str | Path, *, replace: bool = False,
                data: bytes | None = None, actor: str = "cli",
                upload: str | None = None,
                progress: Callable[[str], None] | None = None) -> ImportResult:
    """Import (or, with replace=True, replace) a community's roll, all rows or none.
    `upload` names a web preview (its token's digest): it is imported once, and a second
    import of it raises AlreadyImported. `progress` is told, in words, each stage before
    it starts (a city's roll takes seconds to read and as many to write)."""
    community = get_community(community_code)
    with paused_gc():  # a city's roll: 100,000 rows read, checked and inserted
        return _import(community, path, data, replace, actor, upload,
                       progress or (lambda said: None))


def _import(community, path, data, replace: bool, actor: str,
            upload: str | None, progress: Callable[[str], None]) -> ImportResult:
    progress(_("正在读取名册 %(file)s …", file=Path(path).name))
    plan = plan_roll(read_roll(path, data))
    progress(_("正在写入名册：%(units)s 户；名册登记业主 %(owners)s 名 …", units=len(plan.units),
               owners=len(plan.owners)))
    if replace:
        _move_due_drafts(community)
    with unit_of_work() as session:
        # One import of a community's roll at a time, and never while a proposal freezes
        # it (freeze.freeze takes the same row's shared lock): two first imports at once
        # both found no roll and the second failed on the units' unique key, and a freeze
        # could read the owners of the old roll and the units of the new one.
        community = lock_community(session, community.id)
        # Claimed here, under the community's lock and in the transaction that replaces the
        # roll: two confirms of one preview at the same moment (any worker, any host) both
        # read its file, and the second finds the first's entry once the first commits.
        done = upload and imported_upload(session, community.id, upload)
        if done:
            raise AlreadyImported(done.time, done.actor)
        has_roll = session.scalar(select(Unit.id).where(Unit.community_id == community.id).limit(1))
        if has_roll and not replace:
            raise DomainError(_("小区 %(code)s 已有业主名册；如需替换请使用 --replace"
                                "（已公示的事项仍使用其冻结的名册）", code=community.code))
        check_settled_balances(session, community.id, plan)
        if has_roll:
            unit_ids = select(Unit.id).where(Unit.community_id == community.id)
            session.execute(delete(Ownership).where(Ownership.unit_id.in_(unit_ids)))
            session.execute(delete(Unit).where(Unit.community_id == community.id))
            session.execute(delete(Owner).where(Owner.community_id == community.id))
        _insert_plan(session, community.id, plan)
        community.roll_imported_at = utcnow()
        audit.record(session, actor, "roll.replace" if has_roll else "roll.import",
                     community_id=community.id, target=community.code,
                     details={"units": len(plan.units), "owners": len(plan.owners),
                              "file": file_label(Path(path).name), **({"upload": upload} if upload else {})})
    counted = plan.electorate()
    return ImportResult(units=len(plan.units), owners=len(plan.owners), replaced=bool(has_roll),
                        landlines=plan.landlines, zero_deposits=plan.zero_deposits,
                        headcount=counted.total_headcount, area=counted.total_area)


def _move_due_drafts(community) -> None:
    """Freeze first the drafts whose scheduled publicity has begun: the freeze is dated at
    the publicity's start, so it must bind the roll as it stood then. When the timer missed
    its runs since (a host down), it would otherwise bind this replacement."""
    from votes.extensions import db
    from votes.services import clock
    from votes.services.lifecycle import refresh_or_keep

    due = db.session.scalars(select(Proposal).where(
        Proposal.community_id == community.id, Proposal.state == "draft",
        Proposal.publicity_scheduled.is_(True), Proposal.publicity_start <= clock.now()))
    for proposal in list(due):
        # One that cannot be frozen (say no flat in its scope) stays: `votes tick` reports it.
        refresh_or_keep(proposal)


def check_settled_balances(session: Session, community_id: int, plan: RollPlan) -> None:
    """Refuse a roll whose balance for a flat is the one a settlement debited.

    A settlement debits the sub-ledgers here (money/settlement.py), so after it the balances
    in the database are newer than any file made before it; a roll file carries no date, but
    one whose balance for a flat is exactly what a settlement found there before its debit
    was made before that debit, and importing it would silently give the money back."""
    drawn_on = {(k, b) for k, b in session.execute(
        select(FundDebit.unit_key, FundDebit.balance_before).join(Proposal)
        .where(Proposal.community_id == community_id, FundDebit.debited > 0))}
    if not drawn_on:
        return
    current = dict(session.execute(select(Unit.unit_key, Unit.fund_balance)
                                   .where(Unit.community_id == community_id)).all())
    stale = [("-".join(x for x in key if x), u) for key, u in plan.units.items()
             if (u.unit_key, u.balance) in drawn_on and current.get(u.unit_key) != u.balance]
    if stale:
        problems = [Problem(u.row, _(
            "房屋 %(unit)s 的分户账余额 %(old)s 元是结算扣减前的余额，当前余额为 %(now)s 元",
            unit=flat, old=format_yuan(u.balance), now=_yuan_or_dash(current.get(u.unit_key))))
            for flat, u in stale]
        flats = _("、").join(flat for flat, _u in stale[:5]) + ("…" if len(stale) > 5 else "")
        raise DomainError(_("名册中 %(n)s 户（%(flats)s）的分户账余额早于已完成的结算，导入"
                            "会恢复扣减前的余额；未导入任何数据。请使用结算之后的名册（余额按当前"
                            "分户账填写）", n=len(stale), flats=flats), problems=problems)


def _yuan_or_dash(fen: int | None) -> str:
    return "-" if fen is None else format_yuan(fen)


def _insert_plan(session: Session, community_id: int, plan: RollPlan) -> None:
    """Insert owners, units and ownerships as three bulk inserts (COPY or executemany),
    not one ORM object per row: a city's roll has 100,000 units."""
    encrypt = privacy.encryptor()
    owners, units = Owner.__table__, Unit.__table__
    insert_rows(session, owners, [
        {"community_id": community_id, "id_hash": owner_hash, "kind": o.kind.value,
         "name_enc": encrypt(o.name), "id_enc": encrypt(o.id_number),
         "phone_enc": encrypt(o.phone)}
        for owner_hash, o in plan.owners.items()])
    unit_rows = [
        {"community_id": community_id, "building": building, "entrance": entrance,
         "room": room, "area": u.area, "area_basis": u.basis.value, "fund_balance": u.balance,
         "first_deposit": u.first_deposit, "unit_key": u.unit_key, "kind": u.kind}
        for (building, entrance, room), u in plan.units.items()]
    insert_rows(session, units, unit_rows)
    # Read the new ids back by each table's unique key: RETURNING in parameter order
    # would cost SQLite one statement per row.
    owner_id = dict(session.execute(select(owners.c.id_hash, owners.c.id)
                                    .where(owners.c.community_id == community_id)).all())
    unit_id = {(b, e, r): i for i, b, e, r in session.execute(
        select(units.c.id, units.c.building, units.c.entrance, units.c.room)
        .where(units.c.community_id == community_id))}
    # Matched on the values inserted, whatever key the plan uses for a unit.
    rows = [{"unit_id": unit_id[r["building"], r["entrance"], r["room"]],
             "owner_id": owner_id[h]}
            for r, u in zip(unit_rows, plan.units.values()) for h in u.owners]
    insert_rows(session, Ownership.__table__, rows)
