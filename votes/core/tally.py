"""The double-majority tally: quorum of area and headcount, then approval of both."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Mapping

from votes.core.counting import Electorate
from votes.core.labels import Labelled
from votes.core.rules import Rules, Threshold


class Choice(Labelled):
    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {"agree": "同意", "disagree": "反对", "abstain": "弃权"}

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return {"不同意": "disagree"}


_CHOICES = {c.value: c for c in Choice}


def as_choice(value) -> Choice:
    """Choice(value), without the enum machinery for the plain strings of parsed JSON
    (100,000 of them in a tally); ValueError as Choice() for anything else."""
    if type(value) is str:
        found = _CHOICES.get(value)
        if found is not None:
            return found
    return Choice(value)


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold applied: part of whole against threshold; margin = part - needed."""

    name: str
    threshold: Threshold
    part: int
    whole: int
    needed: int
    margin: int
    met: bool

    def to_dict(self) -> dict:
        return {"name": self.name, "threshold": self.threshold.to_dict(), "part": self.part,
                "whole": self.whole, "needed": self.needed, "margin": self.margin,
                "met": self.met}

    @classmethod
    def from_dict(cls, d: Mapping) -> "ThresholdCheck":
        return cls(d["name"], Threshold.from_dict(d["threshold"]), d["part"], d["whole"],
                   d["needed"], d["margin"], d["met"])


def check(name: str, threshold: Threshold, part: int, whole: int) -> ThresholdCheck:
    """Apply a threshold exactly, with how far it was met or missed."""
    needed = threshold.needed(whole)
    return ThresholdCheck(name, threshold, part, whole, needed, part - needed,
                          threshold.met(part, whole))


@dataclass(frozen=True)
class Tally:
    total_area: int
    total_headcount: int
    participating_area: int
    participating_headcount: int
    agree_area: int
    agree_headcount: int
    disagree_area: int
    disagree_headcount: int
    abstain_area: int
    abstain_headcount: int
    quorum_met: bool
    passed: bool
    checks: tuple[ThresholdCheck, ...]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["checks"] = [c.to_dict() for c in self.checks]
        return data

    @classmethod
    def from_dict(cls, d: Mapping) -> "Tally":
        fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        fields["checks"] = tuple(ThresholdCheck.from_dict(c) for c in d["checks"])
        return cls(**fields)


@dataclass(frozen=True)
class Turnout:
    """Who took part, and nothing of how: all that may be shown while voting is open."""

    total_area: int
    total_headcount: int
    participating_area: int
    participating_headcount: int
    quorum_met: bool
    checks: tuple[ThresholdCheck, ...]  # quorum_area, quorum_headcount

    def to_dict(self) -> dict:
        data = asdict(self)
        data["checks"] = [c.to_dict() for c in self.checks]
        return data

    @classmethod
    def from_dict(cls, d: Mapping) -> "Turnout":
        fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        fields["checks"] = tuple(ThresholdCheck.from_dict(c) for c in d["checks"][:2])
        return cls(**fields)


def compute_turnout(electorate: Electorate, voters: Iterable[str], rules: Rules) -> Turnout:
    """Participation of these voters against the quorum; needs no choice at all."""
    keys = set(voters)
    p_area = sum(electorate.voter(key).area for key in keys)  # KeyError for a stranger
    checks = (check("quorum_area", rules.quorum_area, p_area, electorate.total_area),
              check("quorum_headcount", rules.quorum_headcount, len(keys),
                    electorate.total_headcount))
    return Turnout(electorate.total_area, electorate.total_headcount, p_area, len(keys),
                   checks[0].met and checks[1].met, checks)


def turnout_of(tally: Tally) -> Turnout:
    """The turnout part of a full tally."""
    return Turnout(tally.total_area, tally.total_headcount, tally.participating_area,
                   tally.participating_headcount, tally.quorum_met, tally.checks[:2])


def compute_tally(electorate: Electorate, choices: Mapping[str, Choice], rules: Rules) -> Tally:
    """Count one choice per participating voter and decide, in exact integers."""
    area = {"agree": 0, "disagree": 0, "abstain": 0}
    heads = dict.fromkeys(area, 0)
    for key, choice in choices.items():
        voter = electorate.voter(key)  # KeyError for a stranger
        choice = as_choice(choice)
        area[choice.value] += voter.area
        heads[choice.value] += 1
    p_area, p_heads = sum(area.values()), sum(heads.values())
    total_area, total_heads = electorate.total_area, electorate.total_headcount
    base_area, base_heads = (total_area, total_heads) if rules.approval_base == "total" \
        else (p_area, p_heads)
    checks = (
        check("quorum_area", rules.quorum_area, p_area, total_area),
        check("quorum_headcount", rules.quorum_headcount, p_heads, total_heads),
        check("approval_area", rules.approval_area, area["agree"], base_area),
        check("approval_headcount", rules.approval_headcount, heads["agree"], base_heads),
    )
    quorum = checks[0].met and checks[1].met
    return Tally(total_area, total_heads, p_area, p_heads, area["agree"], heads["agree"],
                 area["disagree"], heads["disagree"], area["abstain"], heads["abstain"],
                 quorum, quorum and checks[2].met and checks[3].met, checks)
