"""Rules of procedure beyond the thresholds: proxies, unit kinds left out of the count, and
ownership transfers during the vote (docs/verification.md §16).

The settings live beside the thresholds in a proposal's frozen rules, each key present only
when it departs from the Civil Code default (no proxy limit, proxies may be anyone, every
unit counts), so rules without them mean exactly what they meant before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from votes.core.counting import Electorate, Voter
from votes.core.labels import Labelled
from votes.core.numbers import whole_number


class UnitKind(Labelled):
    """What an exclusive part is, as the roll says (住宅 by default)."""

    DWELLING = "dwelling"
    COMMERCIAL = "commercial"
    PARKING = "parking"
    STOREROOM = "storeroom"
    OTHER = "other"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"dwelling": "住宅", "commercial": "商业", "parking": "车位",
                "storeroom": "储藏室", "other": "其他"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"住房": "dwelling", "住宅用房": "dwelling", "商铺": "commercial",
                "商业用房": "commercial", "车库": "parking", "停车位": "parking",
                "储物间": "storeroom", "杂物间": "storeroom", "储藏间": "storeroom"}


# Kinds a community's rules may leave out of the voting area and headcount (e.g. Ningbo).
EXCLUDABLE = ("parking", "storeroom")
PROXY_LIMIT = "proxy_limit"
STAFF_BARRED = "proxy_staff_barred"
EXCLUDED_KINDS = "excluded_kinds"
SETTINGS = (PROXY_LIMIT, STAFF_BARRED, EXCLUDED_KINDS)
# The most an emergency use (应急使用, without an owner vote) may budget, in fen; absent: no
# cap. A community-only rule the server applies when the use is applied for: it is never
# frozen into a proposal's rules, so never in a genesis (docs/verification.md §18.6).
EMERGENCY_MAX_BUDGET = "emergency_max_budget"


def parse_emergency_cap(raw) -> int:
    """The cap in fen from yuan text (empty, none, 无 or 0: no cap, returned as 0);
    ValueError if bad."""
    from votes.core.numbers import parse_yuan

    text = str(raw).strip()
    if text.lower() in ("", "none", "无"):
        return 0
    return parse_yuan(text)  # a Refusal (a ValueError) for anything but an amount


def emergency_cap(rules: Mapping | None) -> int:
    """A community's cap on an emergency use's budget in fen, 0 for none."""
    return int((rules or {}).get(EMERGENCY_MAX_BUDGET, 0))


@dataclass(frozen=True)
class Procedure:
    """proxy_limit 0 means no limit."""

    proxy_limit: int = 0
    proxy_staff_barred: bool = False
    excluded_kinds: tuple[str, ...] = ()

    def to_rules(self) -> dict:
        """The keys this procedure adds to a proposal's frozen rules (only non-defaults)."""
        out: dict = {}
        if self.proxy_limit:
            out[PROXY_LIMIT] = self.proxy_limit
        if self.proxy_staff_barred:
            out[STAFF_BARRED] = True
        if self.excluded_kinds:
            out[EXCLUDED_KINDS] = list(self.excluded_kinds)
        return out

    @classmethod
    def from_rules(cls, rules: Mapping | None) -> "Procedure":
        rules = rules or {}
        return cls(int(rules.get(PROXY_LIMIT, 0)), bool(rules.get(STAFF_BARRED, False)),
                   tuple(rules.get(EXCLUDED_KINDS, ())))


def parse_setting(name: str, raw) -> object:
    """A setting's value from text (CLI or form); ValueError with a sentence if bad."""
    text = str(raw).strip()
    if name == PROXY_LIMIT:
        if text.lower() in ("", "0", "none", "无"):
            return 0
        limit = whole_number(text)
        if limit is None or not 1 <= limit <= 1000:
            raise ValueError("proxy_limit")
        return limit
    if name == STAFF_BARRED:
        value = {"on": True, "yes": True, "true": True, "1": True, "是": True,
                 "off": False, "no": False, "false": False, "0": False, "否": False}.get(
            text.lower())
        if value is None:
            raise ValueError(STAFF_BARRED)
        return value
    if name == EXCLUDED_KINDS:
        if text.lower() in ("", "none", "无"):
            return []
        kinds = []
        for part in text.replace("，", ",").split(","):
            try:
                kind = UnitKind.parse(part.strip()).value
            except ValueError:
                raise ValueError(EXCLUDED_KINDS) from None
            if kind not in EXCLUDABLE:
                raise ValueError(EXCLUDED_KINDS)
            if kind not in kinds:
                kinds.append(kind)
        return sorted(kinds, key=EXCLUDABLE.index)
    raise KeyError(name)


def counting_electorate(e: Electorate, excluded: Iterable[str]) -> Electorate:
    """The electorate the thresholds are judged on: units of an excluded kind taken out of
    the area and headcount, and voters left with no counted unit dropped. Their shares of
    the cost are not touched (apportionment uses the whole scope)."""
    left_out = set(excluded)
    if not left_out:
        return e
    counted = tuple(u for u in e.units if u.kind not in left_out)
    kept = {u.unit_id for u in counted}
    area = {u.unit_id: u.area for u in counted}
    voters = []
    for v in e.voters:
        ids = tuple(i for i in v.unit_ids if i in kept)
        if ids:
            voters.append(Voter(v.key, v.unit_ids, sum(area[i] for i in ids), v.developer))
    return Electorate(units=counted, voters=tuple(voters))


def roll_totals(roll: Mapping, rules: Mapping | None) -> tuple[int, int]:
    """(area, headcount) of the roll's units the rules count (§16.1)."""
    left_out = set(Procedure.from_rules(rules).excluded_kinds)
    area, voters = 0, set()
    for u in roll["units"]:
        if u.get("kind", "dwelling") not in left_out:
            area += u["area"]
            voters.add(u["voter"])
    return area, len(voters)
