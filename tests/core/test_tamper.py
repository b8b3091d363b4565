"""Every kind of tampering is caught by the offline verifier and named by its step.

"Naive" edits change the bundle's files; "insider" edits rewrite history and re-seal it
with the server key, so only the semantic checks can catch them."""

from __future__ import annotations

import json


from tests.bundles import KEY_ID, files_of, good_story, rezip
from votes.core.canonical import canonical_bytes
from votes.core.chain import SealedEntry
from votes.core.verifier import verify_bundle


def verify(bundle: bytes, **kwargs):
    if "trusted_keys" not in kwargs:
        kwargs["key_ids"] = [KEY_ID]
    return verify_bundle(bundle, **kwargs)


def steps(bundle: bytes, **kwargs) -> set[str]:
    report = verify(bundle, **kwargs)
    assert not report.ok
    for failure in report.failures:
        assert str(failure).startswith(f"[{failure.step}]")
    return {f.step for f in report.failures}


def test_a_good_bundle_verifies():
    report = verify(good_story().bundle())
    assert report.ok, report.render()
    t = report.tally
    assert (t.participating_headcount, t.agree_headcount, t.total_headcount) == (4, 2, 5)
    assert not t.passed  # 2 of 4 agree: exactly half
    assert report.render().startswith("验证通过 / VERIFIED")


def edit_line(bundle: bytes, seq: int, change) -> dict[str, bytes]:
    files = files_of(bundle)
    lines = [json.loads(x) for x in files["chain.jsonl"].splitlines() if x.strip()]
    change(lines[seq]["entry"])
    files["chain.jsonl"] = b"".join(canonical_bytes(x) + b"\n" for x in lines)
    return files


def test_changed_choice_naive():
    files = edit_line(good_story().bundle(), 1, lambda e: e["body"].update(choice="disagree"))
    assert {"2.1", "4.3"} <= steps(rezip(files))


def test_votes_verify_explains_a_tampered_bundle_in_chinese(tmp_path, capsys):
    """The regulator reads Chinese: each failure's detail is Chinese first, then the
    English the specification words it in."""
    from votes.verify import main

    files = edit_line(good_story().bundle(), 1, lambda e: e["body"].update(choice="disagree"))
    path = tmp_path / "bundle.zip"
    path.write_bytes(rezip(files))
    assert main([str(path), "--key-id", KEY_ID]) == 1
    out = capsys.readouterr().out
    assert "[2.1] chain.jsonl 的 SHA-256 摘要与清单不符 / chain.jsonl: SHA-256 does not " \
           "match the manifest" in out, out
    assert "[4.3] 第 1 条记录 entry 1: digest 与记录内容不符 / digest does not match the entry's " \
           "content" in out, out


def test_changed_choice_insider():
    story = good_story()
    # Re-committed to "disagree" and re-sealed; the close keeps the old opening and tally.
    story.entries[1]["body"]["commitment"], _ = story.commit("v-a", "disagree", "later")
    assert "7.7" in steps(story.bundle())


def test_deleted_entry():
    story = good_story()
    naive = files_of(story.bundle())
    lines = naive["chain.jsonl"].splitlines(keepends=True)
    naive["chain.jsonl"] = b"".join(lines[:2] + lines[3:])
    assert {"4.1", "4.2"} <= steps(rezip(naive, resign=True))
    del story.entries[2]
    assert {"7.3", "7.4"} & steps(story.bundle())


def test_two_entries_swapped():
    story = good_story()
    naive = files_of(story.bundle())
    lines = naive["chain.jsonl"].splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    naive["chain.jsonl"] = b"".join(lines)
    assert {"4.1", "4.2"} <= steps(rezip(naive, resign=True))
    story.entries[1], story.entries[2] = story.entries[2], story.entries[1]
    assert "6.8" in steps(story.bundle())  # entry times go backwards


def test_inserted_entry():
    story = good_story()
    story.entries.insert(4, story.copy().paper("v-c", "agree", "2026-12-03T03:00:00Z")
                         .entries[-1])
    assert {"7.3", "7.4"} <= steps(story.bundle())


def test_altered_area_in_the_roll():
    files = files_of(good_story().bundle())
    roll = json.loads(files["roll.json"])
    roll["units"][0]["area"] += 100
    roll["total_area"] += 100
    files["roll.json"] = canonical_bytes(roll)
    assert "2.1" in steps(rezip(files))
    assert "5.3" in steps(rezip(files, resign=True))


def test_altered_budget():
    files = files_of(good_story().bundle())
    proposal = json.loads(files["proposal.json"])
    proposal["budget"] = 1
    files["proposal.json"] = canonical_bytes(proposal)
    assert "5.2" in steps(rezip(files, resign=True))


def test_ballot_from_outside_the_scope():
    story = good_story()
    close = story.entries.pop()
    story.paper("v-a", "agree", "2026-12-05T00:00:00Z")
    story.entries[-1]["body"]["voter"] = "v-stranger"
    story.entries.append(close)
    assert "6.1" in steps(story.bundle())


def test_ballot_covering_units_of_another_voter():
    story = good_story()
    story.entries[1]["body"]["units"] = ["u1"]  # v-a holds u1 and u3
    assert "6.2" in steps(story.bundle())


def test_ballot_after_the_window():
    story = good_story()
    close = story.entries.pop()
    story.paper("v-c", "agree", "2026-12-08T01:00:00Z")  # the end is exclusive
    story.entries.append(close)
    assert "6.4" in steps(story.bundle())


def test_second_ballot_from_the_same_voter():
    story = good_story()
    close = story.entries.pop()
    story.paper("v-a", "disagree", "2026-12-05T00:00:00Z")
    story.entries.append(close)
    assert "6.7" in steps(story.bundle())


def test_one_change_allowed_when_the_proposal_says_so():
    from tests.bundles import Story

    story = Story()
    story.proposal["max_changes"] = 1
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z") \
        .paper("v-a", "disagree", "2026-12-02T02:00:00Z").close()
    report = verify(story.bundle())
    assert report.ok, report.render()
    assert report.tally.disagree_headcount == 1 and report.tally.agree_headcount == 0
    story.entries.insert(3, story.copy().paper("v-a", "agree", "2026-12-03T02:00:00Z")
                         .entries[-1])
    assert "6.7" in steps(story.bundle())


def test_forged_server_signature():
    story = good_story()
    sealed = story.seal()
    forged = SealedEntry(sealed[2].entry, sealed[2].digest, sealed[1].sig)
    sealed[2] = forged
    assert "4.4" in steps(story.bundle(sealed))


def test_forged_device_signature():
    story = good_story()
    story.entries[3]["body"]["device"]["nonce"] = "another"
    assert "6.5" in steps(story.bundle())


def test_changed_tally():
    story = good_story()
    story.entries[-1]["body"]["tally"]["passed"] = True
    assert "7.4" in steps(story.bundle())
    files = files_of(good_story().bundle())
    tally = json.loads(files["tally.json"])
    tally["agree_headcount"] = 4
    files["tally.json"] = canonical_bytes(tally)
    assert "2.1" in steps(rezip(files))
    assert "8.1" in steps(rezip(files, resign=True))


def test_entries_after_close_are_refused():
    story = good_story()
    story.paper("v-c", "agree", "2026-12-08T01:00:00Z")
    assert "7.2" in steps(story.bundle())


def test_untrusted_keys_and_missing_files():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from votes.core.signing import KeyRing, key_id

    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    assert "3.3" in steps(good_story().bundle(), trusted_keys=KeyRing({key_id(other): other}))
    files = files_of(good_story().bundle())
    del files["roll.json"]
    assert steps(rezip(files)) == {"1.2"}
    assert steps(b"not a zip") == {"1.1"}


def test_head_proves_the_chain_extends_what_was_noted():
    story = good_story()
    earlier = story.seal()[2].digest
    assert verify(story.bundle(), head=earlier).ok
    assert "9.1" in steps(story.bundle(), head="00" * 32)
    # A rewritten history no longer contains the head an observer noted.
    story.entries[1]["body"]["choice"] = "disagree"
    story.entries.pop()
    story.close()
    assert "9.1" in steps(story.bundle(), head=earlier)


def test_a_roll_with_units_outside_the_scope_fails_5_9():
    # Building 1's repair: the insider adds a building-9 voter with a large area who agrees
    # (or keeps building 2's units in the roll), re-sealed with consistent totals.
    story = good_story()
    story.proposal["scope"] = "building:1号楼,2"  # spelled as committees write it
    story.entries.clear()
    assert verify(story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
                  .close().bundle()).ok  # building 1 and building 2, as the roll holds
    story.entries.clear()
    story.proposal["scope"] = "building:1"
    report = verify(story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
                    .close().bundle())
    assert {f.step for f in report.failures} == {"5.9"}
    assert "3 unit(s) of the roll lie outside the scope building:1, the first u5" \
        in report.render()
    story.entries.clear()
    story.proposal["scope"] = "street:1"
    assert "5.9" in steps(story.genesis().close().bundle())
    # The canonical forms docs/verification.md 5.9 gives as examples.
    from votes.core.roll import Scope

    one = Scope.parse("building:1")
    assert all(one.holds(b, "", "101") for b in ("1号楼", "一号楼", "１栋", "01", "第一栋"))
    assert not one.holds("11", "", "101") and not one.holds("十一", "", "101")
    assert Scope.parse("entrance:三号楼-2单元").holds("3", "02", "101")
    assert Scope.parse("unit:3-1502").holds("3栋", "", "1502")
    assert not Scope.parse("unit:3-1502").holds("3栋", "", "1502室")  # rooms as written
