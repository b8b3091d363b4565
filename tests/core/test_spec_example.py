"""docs/verification.md's worked example stays true."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from votes.core.canonical import canonical_bytes
from votes.core.verifier import verify_bundle

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_example_bundle_verifies_with_the_documented_figures():
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    key = re.search(r"key id is\s+`(ed25519:[0-9a-f]{16})`", spec).group(1)
    report = verify_bundle((DOCS / "examples" / "example-bundle.zip").read_bytes(),
                           key_ids=[key])
    assert report.ok, report.render()
    assert report.key_ids == (re.search(r"key id is\s+`(ed25519:[0-9a-f]{16})`", spec).group(1),)
    t = report.tally
    assert (t.total_area, t.participating_area, t.agree_area) == (65475, 59475, 28475)
    assert [c.margin for c in t.checks] == [15825, 0, -1263, -1] and not t.passed


def _genesis_of_fresh_example() -> str:
    from votes.core import chain, signing

    path = DOCS / "examples" / "make_example.py"
    module_spec = importlib.util.spec_from_file_location("make_example", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    entry = chain.next_entry(None, proposal=module.PROPOSAL["uid"], kind="genesis",
                             time="2026-12-01T01:00:00Z",
                             key_id=signing.key_id(module.SERVER.public_key()),
                             body=chain.genesis_body(module.PROPOSAL, module.ROLL, module.RULES))
    return chain.entry_digest(entry)


def test_genesis_digest_in_the_spec_is_reproducible():
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    genesis = re.search(r"genesis digest: `([0-9a-f]{64})`", spec).group(1)
    assert _genesis_of_fresh_example() == genesis


def test_canonical_example_in_the_spec():
    data = canonical_bytes({"b": 1, "a": "楼", "c": [True, None]})
    assert data == '{"a":"楼","b":1,"c":[true,null]}'.encode()
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    assert f"encodes to the {len(data)} bytes" in spec
