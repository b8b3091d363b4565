"""Thresholds of Civil Code art. 278, and a community's stricter rules of procedure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Mapping

from votes.core.refusal import Refusal, Term, _


@dataclass(frozen=True)
class Threshold:
    """part/whole must reach num/den: inclusive is "at least" (以上), exclusive is "more
    than" (过半数)."""

    num: int
    den: int
    inclusive: bool

    def __post_init__(self):
        if self.den <= 0 or not 0 <= self.num <= self.den:
            raise ValueError(f"threshold must be a fraction between 0 and 1: {self.num}/{self.den}")

    def met(self, part: int, whole: int) -> bool:
        """Exact comparison in integers; nothing is met against an empty whole."""
        if whole <= 0:
            return False
        if self.inclusive:
            return part * self.den >= self.num * whole
        return part * self.den > self.num * whole

    def needed(self, whole: int) -> int:
        """The smallest integer part that meets the threshold for this whole."""
        if whole <= 0:
            return 1
        product = self.num * whole
        if self.inclusive:
            return -(-product // self.den)
        return product // self.den + 1

    def at_least_as_strict_as(self, other: "Threshold") -> bool:
        """True when every part meeting self also meets other."""
        mine, theirs = Fraction(self.num, self.den), Fraction(other.num, other.den)
        if mine != theirs:
            return mine > theirs
        return other.inclusive or not self.inclusive

    def __str__(self) -> str:
        return f"{'≥' if self.inclusive else '>'}{self.num}/{self.den}"

    def to_dict(self) -> dict:
        return {"num": self.num, "den": self.den, "inclusive": self.inclusive}

    @classmethod
    def from_dict(cls, data: Mapping) -> "Threshold":
        return cls(int(data["num"]), int(data["den"]), bool(data["inclusive"]))

    @classmethod
    def parse(cls, text: str) -> "Threshold":
        """'>1/2', '>=2/3' or '≥3/4'. At most 6 digits each: the fraction is frozen into the
        genesis, whose integers stop at 2^53 (a larger one made every bundle of the vote fail
        step 1.4), and no rule of procedure needs a finer one."""
        match = re.fullmatch(r"\s*(>=|≥|>)\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
        if match:
            op, num, den = match.groups()
            # A fraction above 1 (3/2) or over 0 was refused in __post_init__'s English.
            if 0 <= int(num) <= int(den) > 0:
                return cls(int(num), int(den), op != ">")
        raise Refusal(_("门槛“%(text)s”无效，例如 >=2/3 或 >1/2"), text=text)


class Matter(str, Enum):
    """What the owners decide (Civil Code art. 278, items 5–8 and the rest)."""

    USE_FUND = "use_fund"
    RAISE_FUND = "raise_fund"
    REBUILD = "rebuild"
    CHANGE_USE = "change_use"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {
            "use_fund": "使用维修资金",
            "raise_fund": "筹集维修资金",
            "rebuild": "改建重建建筑物及其附属设施",
            "change_use": "改变共有部分用途或利用共有部分从事经营活动",
            "other": "其他重大事项",
        }[self.value]


QUORUM = Threshold(2, 3, True)
MAJORITY = Threshold(1, 2, False)
THREE_QUARTERS = Threshold(3, 4, True)
_SUPERMAJORITY = {Matter.RAISE_FUND, Matter.REBUILD, Matter.CHANGE_USE}
APPROVAL_BASES = ("participating", "total")


@dataclass(frozen=True)
class Rules:
    matter: Matter
    quorum_area: Threshold
    quorum_headcount: Threshold
    approval_area: Threshold
    approval_headcount: Threshold
    approval_base: str = "participating"

    def to_dict(self) -> dict:
        return {"matter": self.matter.value, "quorum_area": self.quorum_area.to_dict(),
                "quorum_headcount": self.quorum_headcount.to_dict(),
                "approval_area": self.approval_area.to_dict(),
                "approval_headcount": self.approval_headcount.to_dict(),
                "approval_base": self.approval_base}

    @classmethod
    def from_dict(cls, data: Mapping) -> "Rules":
        return cls(Matter(data["matter"]),
                   *(Threshold.from_dict(data[name]) for name in THRESHOLD_NAMES),
                   approval_base=data.get("approval_base", "participating"))


THRESHOLD_NAMES = ("quorum_area", "quorum_headcount", "approval_area", "approval_headcount")


def default_rules(matter: Matter) -> Rules:
    """The Civil Code's thresholds for a matter."""
    approval = THREE_QUARTERS if matter in _SUPERMAJORITY else MAJORITY
    return Rules(matter, QUORUM, QUORUM, approval, approval)


_THRESHOLD_WORDS = {"quorum_area": _("参与表决专有面积"), "quorum_headcount": _("参与表决人数"),
                    "approval_area": _("同意的专有面积"), "approval_headcount": _("同意的人数")}


def community_rules(matter: Matter, overrides: Mapping | None = None) -> Rules:
    """The legal defaults made stricter by a community's rules; looser ones are refused."""
    base = default_rules(matter)
    if not overrides:
        return base
    values = {name: getattr(base, name) for name in THRESHOLD_NAMES}
    for name, raw in overrides.items():
        if name == "approval_base":
            if raw not in APPROVAL_BASES:
                raise Refusal(_("同意比例的计算基数“%(value)s”无效，应为 participating（参与表决的业主）"
                                "或 total（全体业主）"), value=str(raw)[:40])
            continue
        if name not in values:
            raise Refusal(_("未知的议事规则项 %(name)s"), name=name)
        said = Term(_THRESHOLD_WORDS[name])
        wanted = raw if isinstance(raw, Threshold) else Threshold.parse(str(raw))
        legal = getattr(base, name)
        if not wanted.at_least_as_strict_as(legal):
            raise Refusal(_("议事规则的 %(name)s 门槛 %(wanted)s 低于法定的 %(legal)s，不能放宽"),
                          name=said, wanted=str(wanted), legal=str(legal))
        values[name] = wanted
    return Rules(matter, **values,
                 approval_base=overrides.get("approval_base", base.approval_base))
