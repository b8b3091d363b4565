"""docs/verification.md §5 "What a failure skips": the steps the reference reports besides
those a vector lists are exactly the ones the specification names, vector by vector."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.bundles import KEY_ID, Story, good_story
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



# -- what the tally, 7.5, 8.1, 17.3 and 18.2 take from the close (§4, §3.3, §13.3, §19) --------

def test_a_counted_ballot_without_an_opening_takes_no_part_in_the_tally():
    story = good_story()
    close = story.entries[-1]["body"]
    close["openings"] = close["openings"][1:]  # v-a's counted ballot (entry 1) unopened
    assert steps(story.bundle()) == {"7.4", "7.6"}  # the close's tally still counts v-a
    from votes.core.bundle import recompute_tally

    close["tally"] = recompute_tally(story.roll, story.rules, story.seal()[:-1],
                                     close["openings"]).to_dict()
    assert close["tally"]["participating_headcount"] == 3
    assert steps(story.bundle()) == {"7.6"}


def test_7_5_counts_voters_holding_only_excluded_units():
    from tests.core.test_local_rules import day, ruled
    from votes.core.local_rules import roll_totals

    story = ruled(excluded_kinds=("parking",))
    for unit in story.roll["units"]:
        if unit["voter"] == "v-d":
            unit["kind"] = "parking"
    story.roll["total_area"], story.roll["total_headcount"] = roll_totals(story.roll,
                                                                          story.rules)
    story.genesis()
    for n, voter in enumerate(("v-a", "v-b", "v-c", "v-developer"), start=1):
        story.paper(voter, "agree", day(n))
    early = "2026-12-06T01:00:00Z"  # before voting_end; every counted voter voted
    assert steps(story.copy().close(early).bundle()) == {"7.5"}
    assert verify_bundle(story.close().bundle(), key_ids=[KEY_ID]).ok  # at voting_end


def test_8_1_not_1_5_for_an_interim_tally_with_the_approval_checks():
    from tests.bundles import Story, files_of, rezip
    from votes.core.canonical import canonical_bytes

    interim = files_of(Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
                       .bundle())
    tally = json.loads(interim["tally.json"])
    final = json.loads(files_of(good_story().bundle())["tally.json"])
    tally["checks"] += final["checks"][2:]
    interim["tally.json"] = canonical_bytes(tally)
    assert steps(rezip(interim, resign=True)) == {"8.1"}
    tally["passed"] = False
    interim["tally.json"] = canonical_bytes(tally)
    assert steps(rezip(interim, resign=True)) == {"1.5", "7.1"}


def test_18_2_takes_the_decision_written_in_the_close():
    from tests.core.test_works_chain import EV, _add, bundle, passed_story
    from votes.core import works

    def contract(story):
        _add(story, works.contract_body(contractor="福州电梯有限公司", amount=600000,
                                        tolerance_bp=story.rules.get("budget_tolerance_bp", 0),
                                        evidence=EV), "2026-12-10T01:00:00Z")
        return steps(bundle(story))

    story = passed_story()
    story.entries[-1]["body"]["tally"]["passed"] = False  # the ballots passed it
    assert contract(story) == {"7.4", "18.2"}
    story = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z").close()
    assert story.entries[-1]["body"]["tally"]["passed"] is False  # no quorum
    story.entries[-1]["body"]["tally"]["passed"] = True
    assert contract(story) == {"7.4"}  # 18.2 reads passed as written
