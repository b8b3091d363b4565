"""The bundle format's version (docs/verification.md §2.2, §9.1): bundles are written as
votes-bundle/2 (specification version 3); votes-bundle/1 bundles are verified by the rules
of version 2 — typed as version 2 typed them, without steps 15–19 — when the verifier is
told to expect that format, and fail 3.4 otherwise."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

import pytest

from votes.core.bundle import FORMAT, FORMAT_V2
from votes.core.verifier import verify_bundle

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
KEY_ID = "ed25519:56475aa75463474c"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _verify(data: bytes, allow_formats=(FORMAT_V2,)):
    return verify_bundle(data, key_ids=[KEY_ID], allow_formats=allow_formats)


def _skips(report) -> set[str]:
    return {s.step for s in report.skipped}


def test_the_writer_writes_format_2_and_all_steps_run():
    data = (EXAMPLES / "example-bundle.zip").read_bytes()
    with zipfile.ZipFile(EXAMPLES / "example-bundle.zip") as z:
        assert json.loads(z.read("manifest.json"))["format"] == FORMAT == "votes-bundle/2"
    report = _verify(data)
    assert report.ok and "15–19" not in _skips(report)


def test_a_version_2_bundle_is_verified_by_version_2_and_says_so():
    mv = _module("make_vectors")
    vv = _module("version_vectors")
    once = dict(mv.ex.PROPOSAL, max_changes=1)
    items = mv.plan(once) + [["ballot", "2026-12-05T00:00:00Z",
                              mv.ex.paper_ballot("v-a", "disagree")]]
    sealed = mv.seal(items, proposal=once, edit=vv.as_version_2)
    v2 = _verify(mv.zipped(mv.resign(mv.files_of(sealed, proposal=once), format=FORMAT_V2)))
    assert v2.ok, v2.render()
    assert "15–19" in _skips(v2)
    # The same votes written by version 3: staff may not supersede an online ballot (16.6).
    v3 = _verify(mv.zipped(mv.files_of(mv.seal(items, proposal=once), proposal=once)))
    assert {f.step for f in v3.failures} == {"16.6"}


def test_the_label_cannot_choose_weaker_rules():
    """Version-3 content labelled votes-bundle/1, or a works entry in a version-2 bundle,
    fails 1.5: version 2 knows neither the fields nor the kind."""
    mv = _module("make_vectors")
    vv = _module("version_vectors")
    relabelled = _verify(mv.zipped(mv.resign(mv.files_of(mv.seal(mv.plan())),
                                             format=FORMAT_V2)))
    assert "1.5" in {f.step for f in relabelled.failures}
    works = mv.plan() + [["works", "2026-12-09T00:00:00Z",
                          {"stage": "contract", "data": {}}]]
    sealed = mv.seal(works, close=None, edit=vv.as_version_2)
    report = _verify(mv.zipped(mv.resign(mv.files_of(sealed), format=FORMAT_V2)))
    steps = {f.step for f in report.failures}
    assert "1.5" in steps and not any(s.startswith("18.") for s in steps), steps


def test_an_unknown_format_fails_3_4_and_is_typed_as_version_3():
    mv = _module("make_vectors")
    report = _verify(mv.zipped(mv.resign(mv.genuine(), format="votes-bundle/3")))
    assert {f.step for f in report.failures} == {"3.4"}


def _cli(data: bytes, tmp_path, capsys, *options: str) -> tuple[int, dict]:
    from votes.verify import main

    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    code = main([str(path), "--key-id", KEY_ID, "--json", *options])
    return code, json.loads(capsys.readouterr().out)


def test_an_older_format_is_refused_unless_the_regulator_asks_for_it(tmp_path, capsys):
    """The label is the exporter's: a vote written in version 2's shape and labelled
    votes-bundle/1 would escape steps 15–19 (here 16.6: a paper ballot that supersedes the
    owner's online one). `votes verify` names the format and the option, as a failed step."""
    downgraded = (EXAMPLES / "vectors" / "format-downgraded.zip").read_bytes()
    code, report = _cli(downgraded, tmp_path, capsys)
    assert code == 1 and report["outcome"] == "failed"
    assert [f["step"] for f in report["failures"]] == ["3.4"]
    message = report["failures"][0]["message"]
    assert "votes-bundle/1" in message and "--allow-format votes-bundle/1" in message
    code, report = _cli(downgraded, tmp_path, capsys, "--allow-format", FORMAT_V2)
    assert code == 0 and report["outcome"] == "verified"
    assert "15–19" in {s["step"] for s in report["skipped"]}  # and says what it left out
    # A current bundle relabelled: refused for its label as well as for its content.
    mv = _module("make_vectors")
    relabelled = mv.zipped(mv.resign(mv.genuine(), format=FORMAT_V2))
    code, report = _cli(relabelled, tmp_path, capsys)
    assert code == 1 and {"1.5", "3.4"} <= {f["step"] for f in report["failures"]}
    with pytest.raises(SystemExit) as exit_:  # only an older format can be asked for
        _cli(relabelled, tmp_path, capsys, "--allow-format", FORMAT)
    assert exit_.value.code == 2
    with pytest.raises(ValueError):
        verify_bundle(relabelled, key_ids=[KEY_ID], allow_formats=["votes-bundle/9"])


def test_a_chain_written_by_version_2_is_exported_as_votes_bundle_1():
    """A vote closed before the upgrade to version 3 keeps its chain as version 2 wrote it
    (genesis rules without objection_days and follow_majority, a close without follow):
    re-exported by the upgraded server it was labelled votes-bundle/2 and failed 1.5 and
    5.1 whatever the verifier was told, so no vote from before the upgrade verified any
    more. It is labelled with the format its chain was written in."""
    from tests.bundles import KEY_ID as STORY_KEY, good_story

    data = good_story().as_version_2().bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert json.loads(z.read("manifest.json"))["format"] == FORMAT_V2
    report = verify_bundle(data, key_ids=[STORY_KEY], allow_formats=(FORMAT_V2,))
    assert not report.failures, report.render()
    assert not verify_bundle(good_story().bundle(), key_ids=[STORY_KEY]).failures


def test_what_the_older_format_holds_is_what_its_full_types_accept():
    """The server asks `older_format_holds` before appending to a chain of the older format
    (a shallow look: kinds and a body's top-level fields). On every entry of a full story,
    as written now and with what version 3 added taken out, it answers as step 1.5's own
    version-2 types do, so the formats differ nowhere deeper than it looks."""
    import copy

    from tests.bundles import good_story
    from votes.core.bundle import older_format_holds
    from votes.core.bundle_types_v2 import BODIES_V2, body_type_errors_v2

    def full(kind, body):
        return kind in BODIES_V2 and not body_type_errors_v2({"kind": kind, "body": body})

    seen = set()
    for entry in good_story().entries:
        kind, body = entry["kind"], entry["body"]
        if kind == "genesis":
            continue
        seen.add(kind)
        assert older_format_holds(kind, body) == full(kind, body), (kind, sorted(body))
        older = copy.deepcopy(body)
        for name in ("proxy", "transfer", "correction", "follow"):
            older.pop(name, None)
        assert older_format_holds(kind, older) == full(kind, older), (kind, sorted(older))
    assert {"device", "ballot", "close"} <= seen
    assert not older_format_holds("ballot", {"proxy": {}}) and not older_format_holds("works", {})
