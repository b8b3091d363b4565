"""The compiled type checks give exactly the answers of the walking check (_ok) they
replace, on well-typed values and on every kind of damage to them."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from votes.core import bundle_types as bt
from votes.core.bundle_zip import read_members

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "example-bundle.zip"
SPECS = {"manifest": bt.MANIFEST, "proposal": bt.PROPOSAL, "roll": bt.ROLL,
         "tally": bt.TALLY_FILE, "sealed": bt.SEALED, **{k: v for k, v in bt.BODIES.items()}}
# Replacement values: every JSON type, and the near misses (bool for int, negative,
# bad time, upper-case hex, str subclass).
ODD = [None, True, False, 0, -1, 1, 2**40, "", "x", "2026-02-30T00:00:00Z",
       "2026-01-01T00:00:00Z", "A" * 64, "a" * 64, "a" * 63, [], [1], ["x"], {}, {"x": 1},
       "agree", "use_fund", "registered", "final"]


VECTORS = EXAMPLE.parent / "vectors"


def _values() -> list[tuple[str, object]]:
    """Well-typed values: the example bundle's, then those of every vector that verifies
    (they hold the kinds the example has not: objections, works, deliveries, …)."""
    listing = json.loads((VECTORS / "vectors.json").read_text("utf-8"))
    genuine = [VECTORS / v["file"] for v in listing["vectors"] if v["outcome"] == "verified"]
    out = []
    for path in [EXAMPLE, *genuine]:
        files = read_members(path, lambda *a: None)
        if json.loads(files["manifest.json"]).get("format") != "votes-bundle/2":
            continue  # a version-2 bundle: typed by bundle_types_v2
        out += [(name, json.loads(files[f"{name}.json"])) for name in ("manifest", "proposal",
                                                                       "roll", "tally")]
        for raw in files["chain.jsonl"].splitlines():
            line = json.loads(raw)
            out.append(("sealed", line))
            out.append((line["entry"]["kind"], line["entry"]["body"]))
    out.append(("device", {"voter": "v-1", "alg": "ECDSA-P256-SHA256", "public_key": "AA==",
                           "proof": "id"}))
    return out


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, path + (i,))


def _mutants(value, rng: random.Random):
    """The value with one place replaced, removed, or given an extra field."""
    for path in _paths(value):
        for _ in range(3):
            copied = copy.deepcopy(value)
            if not path:
                yield rng.choice(ODD)
                continue
            parent = copied
            for step in path[:-1]:
                parent = parent[step]
            action = rng.random()
            if action < 0.7:
                parent[path[-1]] = copy.deepcopy(rng.choice(ODD))
            elif action < 0.85:
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent["extra"] = 1
            else:
                parent.append(copy.deepcopy(rng.choice(ODD)))
            yield copied


@pytest.mark.parametrize("name", sorted(SPECS))
def test_compiled_check_agrees_with_the_walk(name):
    rng = random.Random(name)
    spec = SPECS[name]
    values = [v for kind, v in _values() if kind == name]
    assert values, name
    checked = 0
    for value in values[:3]:
        assert bt._checker(spec)(value) is True and bt._ok(value, spec) is True
        for mutant in _mutants(value, rng):
            assert bt._checker(spec)(mutant) == bt._ok(mutant, spec), (name, mutant)
            checked += 1
    assert checked >= 10


def test_simple_and_wrapped_types():
    for spec in ("str", "uint", "int", "bool", "time", "hex64", bt.MATTERS,
                 bt.Nullable("str"), bt.Nullable(bt.DEVICE), ["uint"], dict):
        for value in ODD + [{"alg": "a", "public_key": "b", "signature": "c", "nonce": "d"}]:
            assert bt._checker(spec)(value) == bt._ok(value, spec), (spec, value)
