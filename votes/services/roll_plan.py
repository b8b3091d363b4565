"""Checking an owner roll before anything is stored: every row read and checked, each problem
named by its row, and the plan of units and owners an import stores (roll_import)."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field

from votes.core.identity import check_resident_id, valid_landline, valid_phone
from votes.core.counting import electorate
from votes.core.numbers import parse_area, parse_yuan
from votes.core.local_rules import UnitKind
from votes.core.bidi import has_bidi_control
from votes.core.roll_labels import building_separator, entrance_separator, room_separator
from votes.core.roll import (AreaBasis, OwnerKind, Scope, UnitRecord, has_control, spelled,
                             unit_key, unit_label)
from votes.i18n import _
from votes.services import privacy
from votes.services.errors import DomainError, Problem
from votes.services.proxies import ID_MAX, NAME_MAX
from votes.services.roll_file import RollRow
from votes.services.roll_lookalikes import SpelledIds, check_labels, id_letters, label_letter


LABEL_MAX = 64  # the units table's column widths
KEY_MAX = 255
QUOTED_MAX = 20  # characters of a wrong cell a message quotes


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
