"""docs/verification.md, the points an independent verifier found open, pinned as the
reference decides them: 1.2's file types, 3.1's duplicate keys, 5.9's canonical form,
10.1's empty lines, 15.1's control characters and 16.1's default settings."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import pytest

from tests.bundles import SERVER, Story, files_of, good_story, rezip
from tests.core.tamper_tools import steps, verify
from tests.core.test_witness_receipts import WITNESSES, _bundle, _cosig
from votes.core import signing
from votes.core.canonical import canonical_bytes


@pytest.mark.parametrize("system", [3, 0, 2, 19])  # Unix, MS-DOS, OS/2, OS X
@pytest.mark.parametrize("mode,ok", [(0o600, True), (stat.S_IFREG | 0o644, True),
                                     (stat.S_IFLNK | 0o777, False),
                                     (stat.S_IFDIR | 0o755, False),
                                     (stat.S_IFIFO | 0o644, False)])
def test_1_2_a_member_is_regular_with_file_type_0_or_0o100000(mode, ok, system):
    # Whatever system the entry names: Info-ZIP's unzip makes a link of a member whose
    # type says link when made by OS/2 (2) too, and libarchive for OS X (19).
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in sorted(files_of(good_story().bundle()).items()):
            info = zipfile.ZipInfo(name, (2026, 12, 8, 2, 0, 0))
            info.create_system = system
            info.external_attr = (mode if name == "report.txt" else 0o600) << 16
            z.writestr(info, data)
    if ok:
        assert verify(out.getvalue()).ok
    else:
        assert steps(out.getvalue()) == {"1.2"}


def test_3_1_one_key_listed_twice():
    files = files_of(good_story().bundle())
    manifest = json.loads(files["manifest.json"])
    manifest["keys"] = manifest["keys"] * 2
    files["manifest.json"] = canonical_bytes(manifest)
    files["manifest.sig"] = signing.sign(SERVER, files["manifest.json"]).encode()
    assert steps(rezip(files)) == {"3.1"}


def _scoped(scope: str) -> bytes:
    story = good_story()
    story.proposal["scope"] = scope
    return Story(proposal=story.proposal, roll=story.roll, rules=story.rules,
                 entries=[]).genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .close().bundle()


LABELS = "1-1-101,1-1-102,1-1-201,1-1-202,2-1-101,2-1-102,2-1-201"


@pytest.mark.parametrize("scope,ok", [
    ("\u3000building: 零一 ,\u00a0两号楼 ,, ", True),  # whitespace, a leading 零, 两
    ("building:一,2", True),
    ("building:一〇", False),  # 10
    (f"unit:{LABELS}", True),
    ("unit:1号楼-1-101," + LABELS.split(",", 1)[1], False),  # L is not canonicalised
    ("building :1,2", False),  # the kind is spelled exactly
])
def test_5_9_canonical_form_of_the_scope(scope, ok):
    bundle = _scoped(scope)
    if ok:
        assert verify(bundle).ok, verify(bundle).render()
    else:
        assert steps(bundle) == {"5.9"}


def test_10_1_an_empty_line_in_witness_jsonl():
    story = good_story()
    sealed = story.seal()
    files = files_of(_bundle(story, sealed, [_cosig(sealed, 3), _cosig(sealed, 4)]))
    first, second, _ = files["witness.jsonl"].split(b"\n")
    for data, ok in ((b"", True), (first + b"\n" + second + b"\n", True),
                     (first + b"\n\n" + second + b"\n", False), (b"\n", False)):
        files["witness.jsonl"] = data
        report = verify(rezip(files, resign=True), witness_keys=WITNESSES)
        assert report.ok if ok else {f.step for f in report.failures} == {"10.1"}, data


@pytest.mark.parametrize("reason,ok", [("勾错了\u200b", True),  # other Cf passes
                                       ("勾错了\u202e了错勾", False),  # direction control
                                       ("\u2066勾错了\u2069", False),
                                       ("勾错了\u0085", False),  # C1 control: Cc
                                       ("\u3000 \u2028", False),  # only whitespace: blank
                                       ("错" * 200, True), ("错" * 201, False)])
def test_15_1_control_characters_are_category_cc_and_direction_controls(reason, ok):
    story = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .paper("v-a", "disagree", "2026-12-02T02:00:00Z")
    story.entries[-1]["body"]["correction"] = {"corrects": 1, "reason": reason}
    bundle = story.close().bundle()
    assert verify(bundle).ok if ok else steps(bundle) == {"15.1"}


def test_16_1_default_settings_present_pass():
    story = Story()
    story.rules = {**story.rules, "proxy_limit": 0, "proxy_staff_barred": False}
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
    assert verify(story.copy().close().bundle()).ok
    story.rules = {**story.rules, "excluded_kinds": []}
    story.entries[0] = Story(rules=story.rules).genesis().entries[0]
    assert steps(story.close().bundle()) == {"16.1"}
