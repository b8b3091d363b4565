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


def _vectors_module():
    path = DOCS / "examples" / "make_vectors.py"
    module_spec = importlib.util.spec_from_file_location("make_vectors", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_bundle_vectors_give_their_documented_outcome_and_steps():
    import json

    folder = DOCS / "examples" / "vectors"
    listing = json.loads((folder / "vectors.json").read_text(encoding="utf-8"))
    assert listing["spec_version"] == 3 and len(listing["vectors"]) >= 30
    for v in listing["vectors"]:
        if "witness_keys" in v:  # given with their files below
            continue
        report = verify_bundle(folder / v["file"], key_ids=[listing["anchor"]["key_id"]],
                               allow_formats=v.get("allow_formats", ()))
        found = {f.step for f in report.failures}
        assert report.outcome == v["outcome"] and set(v["steps"]) <= found, (v, found)
        assert v["outcome"] != "failed" or v["steps"], v


def test_bundle_vectors_are_what_make_vectors_writes():
    import json

    folder = DOCS / "examples" / "vectors"
    listing = json.loads((folder / "vectors.json").read_text("utf-8"))
    fresh, files = _vectors_module().catalogue()
    assert fresh == listing["vectors"]
    assert sorted([*files, "vectors.json"]) == sorted(p.name for p in folder.iterdir())


def test_witness_and_receipt_vectors_through_the_command_line(capsys):
    """Each vector of steps 10 and 11, with its files, as `votes verify` reads them: the
    documented outcome and failing steps; one failing vector for each of those steps."""
    import json

    from votes.verify import main

    folder = DOCS / "examples" / "vectors"
    listing = json.loads((folder / "vectors.json").read_text("utf-8"))
    outside = [v for v in listing["vectors"] if "witness_keys" in v]
    covered = set()
    for v in outside:
        args = [str(folder / v["file"]), "--key-id", listing["anchor"]["key_id"], "--json",
                "--witness-keys", str(folder / v["witness_keys"])]
        args += [a for name in v.get("cosignatures", []) for a in
                 ("--cosignatures", str(folder / name))]
        args += [a for name in v.get("receipts", []) for a in ("--receipt", str(folder / name))]
        code = main(args)
        report = json.loads(capsys.readouterr().out)
        found = {f["step"] for f in report["failures"]}
        assert report["outcome"] == v["outcome"] and set(v["steps"]) <= found, (v, found)
        assert code == {"verified": 0, "failed": 1, "in_progress": 3}[v["outcome"]], v
        assert not found - set(v["steps"]), (v, found)  # these vectors fail nothing else
        if "11.2" in found:  # a receipt of another proposal: 11.3 and 11.4 say not run
            assert any(k["step"] == "11.3–11.4" for k in report["skipped"]), report
        if "witnessed_before_close" in v:
            assert report["witnessed"]["before_close"] == v["witnessed_before_close"], v
        covered |= found
    assert covered == {"10.1", "10.2", "10.3", "10.4", "11.1", "11.2", "11.3", "11.4"}
    assert {"verified"} < {v["outcome"] for v in outside}


def test_canonical_vectors():
    import json

    from votes.core.canonical import CanonicalError, parse_canonical

    data = json.loads((DOCS / "examples" / "canonical-vectors.json").read_text("utf-8"))
    assert data["spec_version"] == 3
    kinds = set()
    for v in data["vectors"]:
        try:
            parse_canonical(bytes.fromhex(v["hex"]))
            canonical = True
        except CanonicalError:
            canonical = False
        assert canonical == v["canonical"], v
        kinds.add(canonical)
    assert kinds == {True, False}
    assert data["vectors"] == _vectors_module().canonical_vectors()


def test_spec_has_a_version_and_documents_every_exit_status():
    spec = (DOCS / "verification.md").read_text(encoding="utf-8")
    assert re.search(r"\*\*Specification version 3\*\*", spec)
    from votes.core.verifier_report import EXIT_CODES, UNREADABLE_EXIT

    for code in [*EXIT_CODES.values(), UNREADABLE_EXIT]:
        assert re.search(rf"\| {code} \|", spec), code
