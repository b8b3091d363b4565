"""The offline verifier under fuzzing: no traceback, no hang, no mutant accepted.

bench/fuzz_verify.py runs the same mutations at ≥ 100,000 bundles by hand."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bundles import KEY_ID
from tests.security.bundle_mutations import judged, mutate, originals, same_content
from votes.core.verifier import verify_bundle

ORIGINALS = originals()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, len(ORIGINALS) - 1))
def test_mutated_bundles_fail_with_a_step_and_never_verify(seed, which):
    original = ORIGINALS[which]
    mutant = mutate(random.Random(seed), original)
    report = judged(mutant)
    if report.outcome in ("verified", "in_progress"):
        assert same_content(mutant, original), report.render()
    else:
        assert report.outcome == "failed" and report.failures


def test_the_originals_verify():
    outcomes = [verify_bundle(b, key_ids=[KEY_ID]).outcome for b in ORIGINALS]
    assert outcomes == ["verified", "verified", "in_progress"]
