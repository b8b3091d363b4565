"""Follow the majority (从多): non-voters whose notice delivery is proved, counted apart.

Where a community's rules adopt 从多 (docs/verification.md §19), staff record each proved
delivery of the notice as a `delivery` entry before the close. At the close, every voter of
the roll with such an entry and no ballot is a *follower*, counted over the units the rules
count (§16): a voter holding only units of excluded kinds is none. Followers are never ballots: the
close's `tally` stays the count of real ballots, and the close's `follow` reports the
followers' figures and the thresholds judged on real ballots plus followers:

- `quorum` mode: followers count toward participation (the quorum) only; approval is judged
  on the real ballots (of the real participants, or of the total when approval_base is total).
- `full` mode: followers also join the choice that leads the real ballots in both area and
  headcount; when no choice leads in both, they count toward the quorum only, as above.

The vote passes when the judgement with followers passes (it always does when the real
ballots alone pass: followers only add participation, and join the majority).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from votes.core.rules import Rules
from votes.core.tally import Tally, check

DELIVERY_METHODS = ("hand", "registered_mail", "electronic")


def delivery_body(*, voter: str, method: str, delivered_at: str, evidence: str,
                  entered_by: str) -> dict:
    """A proved delivery of the notice to a voter: how, when, the proof's digest, who
    entered it. No personal data: the voter key only."""
    if method not in DELIVERY_METHODS:
        raise ValueError(f"unknown delivery method {method}")
    if not entered_by.strip():
        raise ValueError("a delivery names who entered it")
    return {"voter": voter, "method": method, "delivered_at": delivered_at,
            "evidence": evidence, "entered_by": entered_by}


@dataclass(frozen=True)
class FollowFigures:
    mode: str
    voters: tuple[str, ...]  # the followers' voter keys, sorted
    area: int
    headcount: int
    majority: str | None  # the choice followers join (full mode), else None
    participating_area: int
    participating_headcount: int
    agree_area: int
    agree_headcount: int
    quorum_met: bool
    passed: bool
    checks: tuple

    def to_dict(self) -> dict:
        return {"mode": self.mode, "voters": list(self.voters), "area": self.area,
                "headcount": self.headcount, "majority": self.majority,
                "participating_area": self.participating_area,
                "participating_headcount": self.participating_headcount,
                "agree_area": self.agree_area, "agree_headcount": self.agree_headcount,
                "quorum_met": self.quorum_met, "passed": self.passed,
                "checks": [c.to_dict() for c in self.checks]}


def leading_choice(tally: Tally) -> str | None:
    """The choice that strictly leads the real ballots in both area and headcount."""
    figures = {c: (getattr(tally, f"{c}_area"), getattr(tally, f"{c}_headcount"))
               for c in ("agree", "disagree", "abstain")}
    for choice, (area, heads) in figures.items():
        others = [v for c, v in figures.items() if c != choice]
        if all(area > a and heads > h for a, h in others):
            return choice
    return None


def counted_areas(units: Iterable[tuple[str, int, str]],
                  excluded: Iterable[str] = ()) -> dict[str, int]:
    """Each voter's area over the units the rules count (§16), from (voter, area, kind) of
    every unit of the roll. A voter holding only units of excluded kinds is absent: they
    are not in the electorate, so never a follower (§19)."""
    left_out = set(excluded)
    area_of: dict[str, int] = {}
    for voter, area, kind in units:
        if kind not in left_out:
            area_of[voter] = area_of.get(voter, 0) + area
    return area_of


def followers(area_of: Mapping[str, int], voted: Iterable[str],
              delivered: Iterable[str]) -> list[str]:
    """Voters of the counting electorate (the keys of `area_of`, see counted_areas) with a
    proved delivery and no ballot, sorted."""
    done = set(voted)
    return sorted({v for v in delivered if v in area_of and v not in done})


def compute_follow(tally: Tally, rules: Rules, mode: str, area_of: Mapping[str, int],
                   voted: Iterable[str], delivered: Iterable[str]) -> FollowFigures:
    """The thresholds judged on the real ballots plus the followers (see the module doc).

    area_of: each counted voter's counted area (counted_areas): units of kinds the rules
    leave out add nothing, and their only holders are no followers."""
    keys = tuple(followers(area_of, voted, delivered))
    f_area, f_heads = sum(area_of[k] for k in keys), len(keys)
    p_area = tally.participating_area + f_area
    p_heads = tally.participating_headcount + f_heads
    majority = leading_choice(tally) if mode == "full" and keys else None
    if majority is not None:
        base_area, base_heads = p_area, p_heads
        agree_area = tally.agree_area + (f_area if majority == "agree" else 0)
        agree_heads = tally.agree_headcount + (f_heads if majority == "agree" else 0)
    else:
        base_area, base_heads = tally.participating_area, tally.participating_headcount
        agree_area, agree_heads = tally.agree_area, tally.agree_headcount
    if rules.approval_base == "total":
        base_area, base_heads = tally.total_area, tally.total_headcount
    checks = (
        check("quorum_area", rules.quorum_area, p_area, tally.total_area),
        check("quorum_headcount", rules.quorum_headcount, p_heads, tally.total_headcount),
        check("approval_area", rules.approval_area, agree_area, base_area),
        check("approval_headcount", rules.approval_headcount, agree_heads, base_heads),
    )
    quorum = checks[0].met and checks[1].met
    return FollowFigures(mode, keys, f_area, f_heads, majority, p_area, p_heads, agree_area,
                         agree_heads, quorum, quorum and checks[2].met and checks[3].met,
                         checks)


def decided(close_body: Mapping) -> bool:
    """Whether the vote passed at the close: by the 从多 judgement when the rules adopt it,
    else by the real ballots."""
    follow = close_body.get("follow")
    return bool(follow["passed"]) if follow else bool(close_body["tally"]["passed"])
