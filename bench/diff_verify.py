"""Two versions of the verifier on the same mutated bundles: must they report the same?

    git archive BASE votes tests | tar -x -C /tmp/base
    python bench/diff_verify.py /tmp/base  N --seed S --out /tmp/base.pkl   # writes the bases
    python bench/diff_verify.py .          N --seed S --out /tmp/here.pkl [--jobs 2]
    python bench/diff_verify.py --compare /tmp/base.pkl /tmp/here.pkl

Each run verifies N mutants (tests/security/bundle_mutations.py) of the same genuine
bundles (written once, by the first run, to --bases, so a change to the writer does not
change the mutants) and records each report's outcome, failures and skipped steps.
--compare counts the reports that differ. --jobs 2 forces the signature pool even for
these small bundles. Not run by the suite.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import sys


def run(args) -> None:
    sys.path.insert(0, os.path.abspath(args.root))
    import votes

    if not votes.__file__.startswith(os.path.abspath(args.root)):
        raise SystemExit(f"imported {votes.__file__}, not from {args.root}")
    from tests.bundles import KEY_ID
    from tests.security.bundle_mutations import mutate, originals
    from votes.core import sigbatch
    from votes.core.verifier import verify_bundle

    if os.path.exists(args.bases):
        with open(args.bases, "rb") as fh:
            bases = pickle.load(fh)
    else:
        bases = originals()
        with open(args.bases, "wb") as fh:
            pickle.dump(bases, fh)
    if args.jobs > 1:
        sigbatch.Batch.MIN_PARALLEL = 1
    rng = random.Random(args.seed)
    found = []
    for _ in range(args.n):
        report = verify_bundle(mutate(rng, rng.choice(bases)), key_ids=[KEY_ID], jobs=args.jobs)
        found.append((report.outcome, [str(f) for f in report.failures],
                      [str(s) for s in report.skipped]))
    with open(args.out, "wb") as fh:
        pickle.dump(found, fh)
    print(f"{votes.__file__}: {len(found)} reports")


def compare(a: str, b: str) -> int:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        one, two = pickle.load(fa), pickle.load(fb)
    differ = [i for i, (x, y) in enumerate(zip(one, two)) if x != y]
    print(f"{len(differ)} of {min(len(one), len(two))} reports differ"
          + (f" (first: mutant {differ[0]})" if differ else ""))
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", nargs="?")
    parser.add_argument("n", nargs="?", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--bases", default="/tmp/diff-verify-bases.pkl")
    parser.add_argument("--out", default="/tmp/diff-verify.pkl")
    parser.add_argument("--compare", nargs=2)
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
