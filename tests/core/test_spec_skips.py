"""docs/verification.md §5 "What a failure skips": the steps the reference reports besides
those a vector lists are exactly the ones the specification names, vector by vector."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.bundles import KEY_ID, good_story
from tests.core.tamper_tools import entries_of, steps
from tests.core.test_reference_bugs import with_chain
from votes.core.verifier import verify_bundle

DOCS = Path(__file__).resolve().parents[2] / "docs"
VECTORS = DOCS / "examples" / "vectors"


def _named_in_spec() -> dict[str, set[str]]:
    """vector name → the steps §5 says the reference reports for it."""
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    text = re.search(r"fail, with the reference,\nexactly these: (.*?)\. Every other vector "
                     r"fails\nexactly the steps it lists\.", spec, re.S).group(1)
    named: dict[str, set[str]] = {}
    for part in text.split(";"):
        part = re.sub(r"\([^)]*\)", "", part)  # asides name steps that pass
        steps = set(re.findall(r"\b\d{1,2}\.\d{1,2}\b", part))
        names = re.findall(r"`([a-z0-9-]+)`", part)
        assert names and steps, part
        for name in names:
            named[name] = steps
    return named


def test_every_vector_fails_exactly_the_steps_the_spec_says():
    listing = json.loads((VECTORS / "vectors.json").read_text(encoding="utf-8"))
    named = _named_in_spec()
    seen = set()
    for v in listing["vectors"]:
        if "witness_keys" in v:  # need their files beside them (§8.2 checks them exactly)
            continue
        name = v["file"].removesuffix(".zip")
        report = verify_bundle(VECTORS / v["file"], key_ids=[listing["anchor"]["key_id"]],
                               allow_formats=v.get("allow_formats", ()))
        found = {f.step for f in report.failures}
        expected = named.get(name, set(v["steps"]))
        assert found == expected, (name, found, expected)
        assert set(v["steps"]) <= expected, name
        seen.add(name)
    assert set(named) <= seen  # the spec names no vector that does not exist
    assert any(named[n] != set(next(v["steps"] for v in listing["vectors"]
                                    if v["file"] == f"{n}.zip")) for n in named)


def test_6_8_compares_with_the_nearest_earlier_well_typed_entry():
    entries = entries_of(good_story().bundle())
    assert [e["kind"] for e in entries[3:6]] == ["ballot", "ballot", "ballot"]
    entries[4]["body"]["x"] = 1  # fails 1.5: absent for 6.8
    entries[4]["time"] = "2026-12-05T02:00:00Z"  # later than entry 5
    assert steps(with_chain(entries)) == {"1.5"}
    entries[5]["time"] = "2026-12-02T01:00:00Z"  # earlier than entry 3, the one before
    failed = verify_bundle(with_chain(entries), key_ids=[KEY_ID]).failures
    assert {(f.step, f.entry) for f in failed} == {("1.5", 4), ("6.8", 5)}

