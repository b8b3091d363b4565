"""Fuzz the offline verifier by hand: python bench/fuzz_verify.py [N] [--seed S].

Mutates genuine bundles (ZIP byte damage, edited values, ZIP member tricks, ballots
re-signed with an attacker's key; tests/security/bundle_mutations.py) and verifies each with
the genuine server key as the trust anchor. Prints counts — crashes (an exception, or a step
that "cannot be completed"), hangs (over 2 s), accepted mutants (VERIFIED or in progress
although the members' bytes differ) — which must all be 0, and the time per bundle as a
ratio to verifying a genuine bundle in the same run. Not run by the suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bundles import KEY_ID  # noqa: E402
from tests.security.bundle_mutations import mutate, originals, same_content  # noqa: E402
from votes.core.verifier import verify_bundle  # noqa: E402

HANG_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--keep", default="fuzz-accepted",
                        help="folder for any accepted mutant and its original")
    args = parser.parse_args()
    bases = originals()
    started = time.perf_counter()
    for b in bases:
        verify_bundle(b, key_ids=[KEY_ID])
    baseline = (time.perf_counter() - started) / len(bases)
    rng = random.Random(args.seed)
    counts: Counter = Counter()
    steps: Counter = Counter()
    slowest = 0.0
    started = time.perf_counter()
    for i in range(args.n):
        original = rng.choice(bases)
        mutant = mutate(rng, original)
        t0 = time.perf_counter()
        try:
            report = verify_bundle(mutant, key_ids=[KEY_ID])
        except Exception:  # noqa: BLE001 - that is what we count
            counts["crashes"] += 1
            if counts["crashes"] <= 3:
                traceback.print_exc()
            continue
        elapsed = time.perf_counter() - t0
        slowest = max(slowest, elapsed)
        if elapsed > HANG_SECONDS:
            counts["hangs"] += 1
        if any("cannot be completed" in f.message for f in report.failures):
            counts["crashes"] += 1
            if counts["crashes"] <= 3:
                print("guarded crash:", [str(f) for f in report.failures][:3], file=sys.stderr)
        if report.outcome in ("verified", "in_progress", "preliminary"):
            if same_content(mutant, original):
                counts["equivalent (ZIP framing only)"] += 1
            else:
                counts["accepted mutants"] += 1
                kept = Path(args.keep) / f"accepted-{i}.zip"
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(mutant)
                kept.with_suffix(".orig.zip").write_bytes(original)
                print(f"ACCEPTED mutant #{i}: kept as {kept}", file=sys.stderr)
        else:
            counts[report.outcome] += 1
            steps[min((f.step for f in report.failures), default="-")] += 1
        if (i + 1) % 10_000 == 0:
            print(f"  {i + 1} bundles, {time.perf_counter() - started:.0f} s", flush=True)
    total = time.perf_counter() - started
    print(f"mutated bundles: {args.n} (seed {args.seed})")
    for key in ("crashes", "hangs", "accepted mutants"):
        print(f"  {key}: {counts[key]}")
    for key in ("failed", "unanchored", "equivalent (ZIP framing only)"):
        print(f"  {key}: {counts[key]}")
    print("  first failing step: " + ", ".join(f"{s} {c}" for s, c in sorted(steps.items())))
    print(f"time per mutant: {total / args.n / baseline:.2f} × verifying a genuine bundle "
          f"({baseline * 1000:.1f} ms); slowest {slowest / baseline:.1f} ×")
    return 1 if counts["crashes"] or counts["hangs"] or counts["accepted mutants"] else 0


if __name__ == "__main__":
    sys.exit(main())
