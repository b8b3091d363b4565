"""Importing an owner roll: validate every row first, then replace in one transaction."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from votes.core.bulk_gc import paused_gc
from votes.core.identity import check_resident_id, valid_landline, valid_phone
from votes.core.counting import electorate
from votes.core.numbers import format_area_grouped, format_yuan, parse_area, parse_yuan
from votes.core.local_rules import UnitKind
from votes.core.bidi import has_bidi_control
from votes.core.roll_labels import building_separator, entrance_separator, room_separator
from votes.core.roll import (AreaBasis, OwnerKind, Scope, UnitRecord, has_control, spelled,
                             unit_key, unit_label)
from votes.i18n import _
from votes.models import AuditEntry, FundDebit, Owner, Ownership, Proposal, Unit, utcnow
from votes.services import audit, clock, privacy
from votes.services.bulk import insert_rows
from votes.services.communities import get_community, lock_community
from votes.services.errors import DomainError, Problem
from votes.services.plain_text import file_label
from votes.services.proxies import ID_MAX, NAME_MAX
from votes.services.roll_file import RollRow, read_roll
from votes.services.roll_lookalikes import SpelledIds, check_labels, id_letters, label_letter
from votes.services.tx import unit_of_work


LABEL_MAX = 64  # the units table's column widths
KEY_MAX = 255
ZERO_DEPOSITS_NAMED = 10
QUOTED_MAX = 20  # characters of a wrong cell a message quotes
NAMED_LABEL_MAX = 24  # characters of a label the zero-deposit warning names


@dataclass(slots=True)
class _UnitPlan:
    row: int
    area: int
    basis: AreaBasis
    balance: int | None
    owners: list[str] = field(default_factory=list)  # id hashes, in row order
    kind: str = "dwelling"
    first_deposit: int | None = None  # fen; the base of settlement's 30% 续筹 flag
    unit_key: str = ""  # canonical, computed once while checking the row


@dataclass(slots=True)
class _OwnerPlan:
    row: int
    name: str
    id_number: str
    kind: OwnerKind
    phone: str | None


@dataclass
class RollPlan:
    units: dict[tuple[str, str, str], _UnitPlan]
    owners: dict[str, _OwnerPlan]

    @property
    def unit_count(self) -> int:
        return len(self.units)

    @property
    def landlines(self) -> int:
        """Owners whose number on the roll is a fixed line: no SMS code can reach them."""
        return sum(1 for o in self.owners.values() if o.phone and not valid_phone(o.phone))

    @property
    def zero_deposits(self) -> tuple[str, ...]:
        """Labels of the units whose first deposit is 0: settlement can judge no 需续筹 for
        them (30 % of 0 is 0), so it shows them as unknown."""
        return tuple(unit_label(*key) for key, u in self.units.items() if u.first_deposit == 0)

    def electorate(self):
        """The voters and the area the law counts on this roll (votes.core.counting): an
        owner of several units, the co-owners of one unit and all the developer's units
        each count as one."""
        records = [UnitRecord(str(i), b, e, r, u.area, AreaBasis(u.basis.value),
                              frozenset(u.owners),
                              developer=all(self.owners[h].kind.value == "developer"
                                            for h in u.owners))
                   for i, ((b, e, r), u) in enumerate(self.units.items())]
        return electorate(records, Scope("all"))


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


def plan_roll(rows: list[RollRow]) -> RollPlan:
    """Validate rows; raise DomainError listing every problem with its row number."""
    problems: list[Problem] = []
    units: dict[tuple[str, str, str], _UnitPlan] = {}
    # Canonical key -> the spelling first seen: '1/1/101' and '1号楼/1单元/101' are one flat.
    spellings: dict[str, tuple[str, str, str]] = {}
    owners: dict[str, _OwnerPlan] = {}
    ids = SpelledIds()
    parse_row = _RowParser()
    id_hash = privacy.id_hasher()
    for row in rows:
        parsed = parse_row(row, problems)
        if parsed is None:
            continue
        key, canonical, area, basis, balance, owner, unit_kind, deposit = parsed
        owner_hash = id_hash(owner.id_number)
        known = owners.get(owner_hash)
        if clash := ids.clash(row.number, owner.id_number, owner_hash):
            problems.append(Problem(row.number, clash))
            continue
        if known is None:
            owners[owner_hash] = owner
        elif known.name != owner.name:
            problems.append(Problem(row.number, (
                _("证件号码 %(id)s 在第 %(row)s 行的姓名不同", id=_masked(owner.id_number),
                  row=known.row))))
            continue
        elif known.kind != owner.kind:
            problems.append(Problem(row.number, (
                _("证件号码 %(id)s 在第 %(row)s 行的业主类型不同", id=_masked(owner.id_number),
                  row=known.row))))
            continue
        first = spellings.setdefault(canonical, key)
        unit = units.get(first)
        if unit is not None and first != key:
            problems.append(Problem(row.number, (
                _("房屋“%(unit)s”与第 %(row)s 行的“%(first)s”是同一套房屋的不同写法，请统一写法",
                  unit=spelled(*key), row=unit.row, first=spelled(*first)))))
            _check_same_unit(row.number, unit, area, basis, balance, problems)
            continue
        if unit is None:
            unit = units[key] = _UnitPlan(row.number, area, basis, balance, kind=unit_kind,
                                          first_deposit=deposit, unit_key=canonical)
        else:
            _check_same_unit(row.number, unit, area, basis, balance, problems)
            if deposit is not None and unit.first_deposit not in (None, deposit):
                problems.append(Problem(row.number, _(
                    "同一房屋在第 %(row)s 行的首期交存额不同", row=unit.row)))
            elif unit.first_deposit is None:
                unit.first_deposit = deposit
            if unit.kind != unit_kind:
                problems.append(Problem(row.number, _(
                    "同一房屋在第 %(row)s 行的房屋类型不同", row=unit.row)))
        if owner_hash in unit.owners:
            problems.append(Problem(row.number, (
                _("该业主在第 %(row)s 行已登记为此房屋的业主", row=unit.row))))
        else:
            unit.owners.append(owner_hash)
    check_labels(units, problems)
    if problems:
        raise DomainError(_("名册有 %(n)s 处错误，未导入任何数据", n=len(problems)),
                          problems=problems)
    return RollPlan(units, owners)


class _RowParser:
    """Checks one row at a time. Built per plan_roll: it caches the column names in the
    current language and what it parsed from each distinct text (per-row gettext and
    re-parsing were most of a city's import time): a roll repeats the same few areas,
    bases, kinds and labels over 100,000 rows. A text that fails is not cached (a cache
    keeps results, not exceptions): it is parsed, and reported, again on every row."""

    def __init__(self) -> None:
        self.required = (("building", _("楼栋")), ("room", _("房号")),
                         ("owner_name", _("业主姓名")), ("owner_id", _("证件号码")))
        self.labels = (("building", _("楼栋")), ("entrance", _("单元")), ("room", _("房号")))
        self.separator = {"building": building_separator, "entrance": entrance_separator,
                          "room": room_separator}
        self.area = functools.cache(parse_area)
        self.basis = functools.cache(AreaBasis.parse)
        self.kind = functools.cache(OwnerKind.parse)
        self.unit_kind = functools.cache(lambda text: UnitKind.parse(text).value)
        self.yuan = functools.cache(parse_yuan)
        # A label is shown to anyone (the board's share look-up and per-unit list) and on
        # the notices: a direction control there reorders the figures printed after it.
        self.control = functools.cache(lambda text: has_control(text)
                                       or has_bidi_control(text))
        # Printed on every notice, the result notice and the settlement notice.
        self.unprintable = functools.cache(_unprintable)

    def __call__(self, row: RollRow, problems: list[Problem]):
        v = row.values
        before = len(problems)

        def fail(message: str) -> None:
            problems.append(Problem(row.number, message))

        for name, zh in self.required:
            if not v.get(name):
                fail(_("%(column)s为空", column=zh))
        for name, zh in self.labels:
            if len(v.get(name, "")) > LABEL_MAX:
                fail(_("%(column)s超过 %(n)s 个字", column=zh, n=LABEL_MAX))
            elif self.control(v.get(name, "")):
                fail(_("%(column)s含有控制字符", column=zh))
            elif letter := label_letter(zh, v.get(name, "")):
                fail(letter)
            elif self.unprintable(v.get(name, "")):
                fail(_("%(column)s含有印不出的字“%(chars)s”：通知和公告所用的字体中没有这个字，印出来是"
                       "空白方框。请改用常用字", column=zh,
                       chars="、".join(self.unprintable(v.get(name, "")))))
            elif self.separator[name](v.get(name, "")):
                # A scope is text cut at these (entrance:3-1, building:3,5) and a unit's
                # label joins its parts with "-": "A-3栋" and "A" / "3-1单元" were one text.
                fail(_("%(column)s“%(value)s”含有“%(char)s”：表决范围和房屋编号用 - , : 分隔楼栋、单元"
                       "和房号，楼栋和单元不能含有这些符号（房号不能含有逗号）。请改用其他写法，如 A3栋、"
                       "A座3单元", column=zh, value=_quoted(v.get(name, "")),
                       char=self.separator[name](v.get(name, ""))))
        # As a proxy's name (proxies.parse_proxy: spaces and tabs folded, at most NAME_MAX
        # characters, no control character, no direction control: one reordered the names
        # "、" joins it with). A line break is most often two co-owners typed into one cell
        # (Alt+Enter), which would import as one owner: say how to enter them.
        raw_name = v.get("owner_name", "")
        owner_name = " ".join(raw_name.split())
        if "\n" in raw_name or "\r" in raw_name:
            fail(_("业主姓名含有换行：共有人请每人填写一行，写明各自的证件号码，房屋写法和面积相同"))
        elif len(owner_name) > NAME_MAX:
            fail(_("%(column)s超过 %(n)s 个字", column=_("业主姓名"), n=NAME_MAX))
        elif has_control(owner_name) or has_bidi_control(owner_name):  # not cached: rarely repeat
            fail(_("%(column)s含有控制字符", column=_("业主姓名")))
        area = basis = kind = balance = unit_kind = deposit = None
        try:
            area = self.area(v.get("area", ""))
        except ValueError as exc:
            fail(_("面积“%(value)s”无效：%(problem)s", value=_quoted(v.get("area", "")),
                   problem=str(exc)))
        try:
            basis = self.basis(v.get("area_basis", ""))
        except ValueError:
            fail(_("面积依据“%(value)s”无效，应为 登记、实测 或 合同",
                   value=_quoted(v.get("area_basis", ""))))
        try:
            kind = self.kind(v.get("owner_kind", ""))
        except ValueError:
            fail(_("业主类型“%(value)s”无效，应为 个人、单位 或 开发建设单位",
                   value=_quoted(v.get("owner_kind", ""))))
        id_number = privacy.normalise_id(v.get("owner_id", ""))
        if "owner_id" in row.numeric and len(id_number) >= 12:
            # Excel keeps 15 significant digits: an 18-digit ID typed into a number cell is
            # already damaged in the file, so say so rather than report a bad checksum.
            fail(_("证件号码在 Excel 中被存成了数字，末几位已丢失；请把该列设为“文本”后重新录入"))
        elif len(id_number) > ID_MAX:  # as a proxy's or a buyer's (proxies.parse_proxy)
            fail(_("%(column)s超过 %(n)s 个字", column=_("证件号码"), n=ID_MAX))
        elif has_control(id_number):
            fail(_("%(column)s含有控制字符", column=_("证件号码")))
        elif id_letters(id_number):
            fail(id_letters(id_number))
        elif id_number and kind is OwnerKind.PERSON and len(id_number) == 18:
            # check_resident_id also checks the shape (looks_like_resident_id).
            if not check_resident_id(id_number):
                fail(_("身份证号码 %(id)s 校验位错误", id=_masked(id_number)))
        try:
            unit_kind = self.unit_kind(v.get("unit_kind") or "dwelling")
        except ValueError:
            fail(_("房屋类型 “%(value)s” 无效，应为 住宅、商业、车位、储藏室 或 其他",
                   value=_quoted(v.get("unit_kind", ""))))
        phone = _mobile_digits(v.get("phone", "")) or None
        if phone and not valid_phone(phone) and not valid_landline(phone):
            fail(_("手机号“%(phone)s”无效，应为 11 位手机号，或带区号的固定电话（如 010-12345678）",
                   phone=_quoted(_masked_phone(phone))))
        if v.get("fund_balance"):
            try:
                balance = self.yuan(v["fund_balance"])
            except ValueError as exc:
                fail(_("分户账余额“%(value)s”无效：%(problem)s",
                       value=_quoted(v["fund_balance"]), problem=str(exc)))
        if v.get("first_deposit"):
            try:
                deposit = self.yuan(v["first_deposit"])
            except ValueError as exc:
                fail(_("首期交存额 “%(value)s” 无效：%(why)s", value=_quoted(v["first_deposit"]),
                       why=str(exc)))
        key = (v.get("building", ""), v.get("entrance", ""), v.get("room", ""))
        canonical = unit_key(*key)
        if len(canonical) > KEY_MAX:
            fail(_("房屋写法过长"))
        if len(problems) > before:
            return None
        owner = _OwnerPlan(row.number, owner_name, id_number, kind, phone)
        return key, canonical, area, basis, balance, owner, unit_kind, deposit


def _unprintable(text: str) -> str:
    from votes.services.pdf_text import unprintable  # reportlab, only once a roll is read

    return unprintable(text)


def _quoted(value: str) -> str:
    """A cell's value as a message quotes it: a cell holds up to 32,767 characters, and a
    wrong one quoted whole made the message (and the preview page, one per row) that long."""
    return value if len(value) <= QUOTED_MAX else value[:QUOTED_MAX] + "…"


def _mobile_digits(text: str) -> str:
    """A mobile number as its 11 ASCII digits when that is what the cell holds, written as
    rolls often group it (139 1234 5678, 139-1234-5678) or in full-width digits: the SMS
    gateway is given the stored text. Anything else is kept as written (a landline keeps
    its separators; a wrong number is quoted back as the committee typed it)."""
    if text.isascii() and valid_phone(text):
        return text
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c not in " -")
    return digits if digits.isascii() and valid_phone(digits) else text


def _check_same_unit(number, unit, area, basis, balance, problems) -> None:
    if unit.area != area or unit.basis is not basis:
        problems.append(Problem(number, (
            _("同一房屋在第 %(row)s 行的面积或面积依据不同", row=unit.row))))
    elif balance is not None and unit.balance is not None and balance != unit.balance:
        problems.append(Problem(number, (
            _("同一房屋在第 %(row)s 行的分户账余额不同", row=unit.row))))
    elif unit.balance is None:
        unit.balance = balance


def _masked(id_number: str) -> str:
    from votes.core.identity import mask_id

    return mask_id(id_number)


def _masked_phone(phone: str) -> str:
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "***"


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
        # it (lifecycle._freeze takes the same row's shared lock): two first imports at once
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
