"""docs/verification.md v2's exact rules, each probe named by the step it must fail."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.bundles import KEY_ID, SERVER, Story, files_of, good_story
from tests.core.tamper_tools import entries_of, rebundle, reseal_lines, steps, verify
from votes.core import chain
from votes.core.chain import SealedEntry


def test_6_2_units_must_follow_roll_order():
    story = good_story()
    story.entries[1]["body"]["units"] = ["u3", "u1"]  # v-a's units, reversed
    assert "6.2" in steps(story.bundle())


def test_6_6_online_ballot_with_entered_by_or_evidence():
    story = good_story()
    story.entries[3]["body"]["evidence"] = "cd" * 32
    assert "6.6" in steps(story.bundle())


def test_6_6_evidence_must_be_a_sha256_hex_digest():
    story = good_story()
    story.entries[1]["body"]["evidence"] = "scan.pdf"
    assert "6.6" in steps(story.bundle())
    story = good_story()
    story.entries[1]["body"]["evidence"] = "CD" * 32
    assert "6.6" in steps(story.bundle())


def test_7_5_close_before_voting_end_unless_everyone_voted():
    early = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .close("2026-12-02T00:00:00Z")
    assert "7.5" in steps(early.bundle())
    everyone = Story().genesis()
    for n, voter in enumerate(("v-a", "v-b", "v-c", "v-developer", "v-d")):
        everyone.paper(voter, "agree", f"2026-12-01T0{n + 2}:00:00Z")
    everyone.close("2026-12-02T00:00:00Z")
    report = verify(everyone.bundle())
    assert report.ok, report.render()


def test_5_6_genesis_before_the_voting_start():
    story = good_story()
    story.entries[0]["time"] = "2026-12-01T00:59:59Z"
    assert "5.6" in steps(story.bundle())


def test_5_6_proposal_times_out_of_order():
    story = Story()
    story.proposal["publicity_start"] = "2026-12-02T00:00:00Z"
    story.genesis().paper("v-a", "agree", "2026-12-02T02:00:00Z").close()
    assert "5.6" in steps(story.bundle())


def test_5_7_rules_looser_than_the_civil_code():
    story = Story()
    story.rules["approval_area"] = {"num": 1, "den": 2, "inclusive": True}  # ≥1/2, not >1/2
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    assert "5.7" in steps(story.bundle())


def test_5_7_rules_for_another_matter():
    from votes.core.rules import Matter, default_rules

    story = Story()
    story.rules = default_rules(Matter.OTHER).to_dict()
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    assert "5.7" in steps(story.bundle())


def test_5_7_a_stricter_community_rule_verifies():
    story = Story()
    story.rules["approval_area"] = {"num": 3, "den": 4, "inclusive": True}
    story.rules["approval_base"] = "total"
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    assert verify(story.bundle()).ok


@pytest.mark.parametrize("name, at_most", [("objection_days", 30),
                                           ("budget_tolerance_bp", 10_000)])
def test_5_7_rules_of_procedure_beyond_what_a_community_can_set(name, at_most):
    """A community sets 0 to 30 days of objections and a tolerance of 0 to 100 % over the
    budget; the server refuses more. A bundle whose genesis carried 2^53 - 1 days (no final
    result, ever) or a tolerance of 10,000 % (any contract passes 18.4) verified: such rules
    are no community's, and fail 5.7. The largest a community can set verifies."""
    story = Story()
    story.rules[name] = at_most
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    report = verify(story.bundle())
    assert "5.7" not in {f.step for f in report.failures}, report.render()
    for too_many in (at_most + 1, 2**53 - 1):
        story = Story()
        story.rules[name] = too_many
        story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
        report = verify(story.bundle())
        assert "5.7" in {f.step for f in report.failures}
        assert any(name in f.message for f in report.failures if f.step == "5.7")


def test_5_8_budget_differs_from_the_items():
    story = Story()
    story.proposal["budget"] += 1
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    assert "5.8" in steps(story.bundle())


def test_3_4_format_proposal_and_created_at():
    for old, new in ((b'"format":"votes-bundle/2"', b'"format":"votes-bundle/9"'),
                     (b'"proposal":"p-example"', b'"proposal":"p-other"'),
                     (b'"created_at":"2026-12-08T02:00:00Z"',
                      b'"created_at":"2026-12-08T00:59:59Z"')):
        files = files_of(good_story().bundle())
        assert old in files["manifest.json"]
        files["manifest.json"] = files["manifest.json"].replace(old, new)
        assert "3.4" in steps(rebundle(files))


def test_4_2_prev_is_compared_with_the_recomputed_digest():
    """A stored digest that lies, and a next entry that links to the lie: 4.3 and 4.2."""
    story = good_story()
    sealed = story.seal()
    fake = "ee" * 32
    sealed[2] = SealedEntry(sealed[2].entry, fake, sealed[2].sig)
    e3 = dict(sealed[3].entry, prev=fake)
    sealed[3] = chain.seal(e3, SERVER)
    for n in range(4, len(sealed)):
        sealed[n] = chain.seal(dict(sealed[n].entry, prev=sealed[n - 1].digest), SERVER)
    found = steps(story.bundle(sealed))
    assert {"4.2", "4.3"} <= found


def test_4_1_seq_must_equal_the_position():
    entries = entries_of(good_story().bundle())
    entries[3]["seq"] = 7
    files = files_of(good_story().bundle())
    files["chain.jsonl"] = reseal_lines(entries)
    assert "4.1" in steps(rebundle(files))


def test_cli_exit_codes_for_every_outcome(tmp_path):
    def run(bundle: bytes, *args):
        path = tmp_path / "b.zip"
        path.write_bytes(bundle)
        return subprocess.run([sys.executable, "-m", "votes.verify", str(path), *args],
                              capture_output=True, text=True)

    good = good_story().bundle()
    assert run(good).returncode == 4
    assert run(good, "--key-id", KEY_ID).returncode == 0
    trusting = run(good, "--trust-bundle-keys")
    assert trusting.returncode == 0 and "fingerprint" in trusting.stdout
    interim = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").bundle()
    assert run(interim, "--key-id", KEY_ID).returncode == 3
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"key_id": KEY_ID, "alg": "ED25519",
                                          "public_key": "x"}]}))
    bad_keys = run(good, "--keys", str(keys))
    assert bad_keys.returncode == 2 and "Traceback" not in bad_keys.stderr
    from votes.core.signing import KeyRing

    keys.write_text(json.dumps(KeyRing({KEY_ID: SERVER.public_key()}).to_json_obj(), indent=2))
    assert run(good, "--keys", str(keys)).returncode == 0
    # The regulator's own file, saved by an editor that writes a byte order mark (§6).
    keys.write_bytes(b"\xef\xbb\xbf" + keys.read_bytes().replace(b"\n", b"\r\n"))
    assert run(good, "--keys", str(keys)).returncode == 0
    keys.write_bytes(b"\xef\xbb\xbf" + keys.read_bytes())  # two marks: not UTF-8 JSON
    assert run(good, "--keys", str(keys)).returncode == 2
    assert run(b"PK\x05\x06" + b"\0" * 18, "--key-id", KEY_ID).returncode == 1
    as_json = json.loads(run(interim, "--key-id", KEY_ID, "--json").stdout)
    assert as_json["outcome"] == "in_progress" and as_json["exit_code"] == 3


def test_jobs_share_the_signature_checks_and_find_the_same_failures(monkeypatch):
    from votes.core import sigbatch

    monkeypatch.setattr(sigbatch.Batch, "MIN_PARALLEL", 1)
    story = good_story()
    story.entries[3]["body"]["device"]["nonce"] = "another"  # 6.5
    sealed = story.seal()
    sealed[3] = SealedEntry(sealed[3].entry, sealed[3].digest, sealed[1].sig)  # 4.4
    bundle = story.bundle(sealed)
    one, two = verify(bundle), verify(bundle, key_ids=[KEY_ID], jobs=2)
    assert [str(f) for f in one.failures] == [str(f) for f in two.failures]
    assert {"4.4", "6.5"} <= {f.step for f in two.failures}
    assert verify(good_story().bundle(), key_ids=[KEY_ID], jobs=2).ok
