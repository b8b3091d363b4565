"""The depth limit of canonical JSON (32 levels), exactly where it was: any value, a string
or number as much as an array or object, nested deeper than 32 is refused."""

from __future__ import annotations

import random

import pytest

from votes.core.canonical import MAX_DEPTH, CanonicalError, canonical_bytes, parse_canonical


def _deepest(value, depth: int = 0) -> int:
    """The depth of the deepest value in it (the value itself is at 0)."""
    items = value.values() if isinstance(value, dict) else value \
        if isinstance(value, list) else ()
    return max((_deepest(item, depth + 1) for item in items), default=depth)


def _nest(inner, levels: int, rng: random.Random):
    for _ in range(levels):
        inner = rng.choice([lambda x: [x], lambda x: {"k": x}, lambda x: [1, x, "s"],
                            lambda x: {"a": None, "b": x}])(inner)
    return inner


@pytest.mark.parametrize("inner", [1, "s", None, True, [], {}, [1], {"k": "v"}])
@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_refused_exactly_when_a_value_is_deeper_than_32(inner, levels):
    rng = random.Random(levels)
    for _ in range(20):
        value = _nest(inner, levels, rng)
        data = canonical_bytes(value)
        if _deepest(value) > MAX_DEPTH:
            with pytest.raises(CanonicalError, match="nested deeper than 32 levels"):
                parse_canonical(data)
        else:
            assert parse_canonical(data) == value
