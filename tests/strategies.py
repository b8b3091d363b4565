"""Hypothesis strategies for the core's types."""

from __future__ import annotations

from hypothesis import strategies as st

from votes.core.counting import electorate
from votes.core.roll import AreaBasis, Scope, UnitRecord
from votes.core.rules import Matter, Rules, Threshold, default_rules
from votes.core.tally import Choice

OWNERS = [f"owner-{i}" for i in range(8)]

thresholds = st.builds(
    lambda den, num, inclusive: Threshold(min(num, den), den, inclusive),
    st.integers(1, 12), st.integers(0, 12), st.booleans())

matters = st.sampled_from(list(Matter))
rules = st.builds(default_rules, matters)
choices = st.sampled_from(list(Choice))
salts = st.binary(min_size=32, max_size=32).map(bytes.hex)  # a commitment's salt


@st.composite
def units(draw, min_size=1, max_size=25):
    count = draw(st.integers(min_size, max_size))
    out = []
    for i in range(count):
        developer = draw(st.booleans().filter(lambda b: True)) and draw(st.integers(0, 5)) == 0
        owners = frozenset() if developer else frozenset(
            draw(st.sets(st.sampled_from(OWNERS), min_size=1, max_size=3)))
        out.append(UnitRecord(
            unit_id=f"u{i}", building=str(draw(st.integers(1, 3))),
            entrance=draw(st.sampled_from(["", "1", "2"])), room=f"{i + 101}",
            area=draw(st.integers(1, 300_00)), area_basis=draw(st.sampled_from(list(AreaBasis))),
            owner_keys=owners, developer=developer,
            fund_balance=draw(st.one_of(st.none(), st.integers(0, 10_000_00)))))
    return out


scopes = st.one_of(
    st.just(Scope("all")),
    st.builds(lambda b: Scope("building", tuple(sorted(b))),
              st.sets(st.sampled_from(["1", "2", "3"]), min_size=1)))

budgets = st.integers(0, 10_000_000_00)


@st.composite
def electorates(draw):
    return electorate(draw(units()), Scope("all"))


@st.composite
def ballots(draw, e):
    """A choice for a random subset of the electorate's voters."""
    voters = draw(st.lists(st.sampled_from([v.key for v in e.voters]), unique=True))
    return {key: draw(choices) for key in voters}


__all__ = ["units", "scopes", "budgets", "electorates", "ballots", "thresholds", "rules",
           "matters", "choices", "salts", "Rules"]
