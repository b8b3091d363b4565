"""Step 6.12, one signed ballot form, one signer (docs/verification.md §3.2): its vectors
through `votes verify`, the rule on small stories, and the step against a plain reading of
the spec on generated chains."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bundles import Story, files_of, form_of
from tests.core.tamper_tools import steps, verify
from votes.core.verifier_base import _Run
from votes.core.verifier_forms import check_forms

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vectors"
T = "2026-12-0{}T0{}:00:00Z"


def _cli(capsys, name: str) -> tuple[int, dict]:
    from votes.verify import main

    listing = json.loads((VECTORS / "vectors.json").read_text("utf-8"))
    code = main([str(VECTORS / f"{name}.zip"), "--key-id", listing["anchor"]["key_id"],
                 "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name,entry,holder", [
    ("form-two-voters", 4, 3), ("form-of-superseded", 5, 3), ("form-corrected-too-late", 5, 3),
    ("form-seller-to-buyer", 7, 6), ("form-proxy-two-principals", 4, 3)])
def test_each_failing_form_vector_fails_6_12_alone_naming_both_entries(capsys, name, entry,
                                                                       holder):
    code, report = _cli(capsys, name)
    assert code == 1 and report["outcome"] == "failed"
    assert [(f["step"], f["entry"]) for f in report["failures"]] == [("6.12", entry)]
    message = report["failures"][0]["message"]
    assert f"entry {holder}," in message
    lines = files_of((VECTORS / f"{name}.zip").read_bytes())["chain.jsonl"].decode().splitlines()
    assert json.loads(lines[entry])["entry"]["body"]["evidence"] in message


@pytest.mark.parametrize("name", ["form-again-on-correction", "form-freed-by-correction",
                                  "form-buyer-and-seller", "form-proxy-letter-shared"])
def test_the_legitimate_form_vectors_verify(capsys, name):
    code, report = _cli(capsys, name)
    assert (code, report["outcome"], report["failures"]) == (0, "verified", []), report


def _paper(story: Story, voter: str, time: str, form: str | None = None, choice="agree",
           **extra) -> Story:
    story.paper(voter, choice, time)
    body = story.entries[-1]["body"]
    body["evidence"] = form or form_of(voter)
    body.update(extra)
    return story


def test_one_voter_may_use_one_form_on_every_ballot_of_theirs():
    story = Story()
    story.proposal["max_changes"] = 2
    story.genesis()
    for day in (1, 2, 3):
        _paper(story, "v-b", T.format(day, 2), form_of("v-b"))
    assert verify(story.close().bundle()).outcome == "verified"


def test_a_correction_frees_the_form_only_from_its_own_position_on():
    """v-b's ballot (1) was entered on v-d's form; v-b's correction (2) carries v-b's own.
    Then v-d's ballot on v-d's form verifies; a correction that itself carries v-d's form
    keeps holding it, and the correction never frees the form for itself."""
    story = Story().genesis()
    _paper(story, "v-b", T.format(1, 2), form_of("v-d"))
    _paper(story, "v-b", T.format(2, 2), correction={"corrects": 1, "reason": "扫描件附错了"})
    _paper(story, "v-d", T.format(3, 2))
    assert verify(story.close().bundle()).outcome == "verified"

    still = Story().genesis()
    _paper(still, "v-b", T.format(1, 2), form_of("v-d"))
    _paper(still, "v-b", T.format(2, 2), form_of("v-d"),
           correction={"corrects": 1, "reason": "勾错了"})
    _paper(still, "v-d", T.format(3, 2))
    report = verify(still.close().bundle())
    assert [(f.step, f.entry) for f in report.failures] == [("6.12", 3)]
    assert "entry 2," in report.failures[0].message  # the correction, not the replaced one


def test_a_correction_naming_a_later_entry_frees_nothing():
    """An insider's correction pointing forward (15.2) does not take the form off the
    ballot it names: that ballot still holds it for 6.12."""
    story = Story().genesis()
    _paper(story, "v-b", T.format(1, 2))
    _paper(story, "v-b", T.format(2, 2), correction={"corrects": 3, "reason": "x"})
    _paper(story, "v-d", T.format(3, 2), form_of("v-a"))
    _paper(story, "v-a", T.format(4, 2))
    assert steps(story.close().bundle()) == {"15.2", "6.12"}


def test_seller_and_buyer_are_two_signers_and_buyers_one():
    story = Story().genesis()
    _paper(story, "v-c", T.format(1, 2))
    _paper(story, "v-c", T.format(2, 2), form_of("v-c", buyer=True), transfer="f0" * 32)
    _paper(story, "v-c", T.format(3, 2), form_of("v-c", buyer=True), transfer="f1" * 32)
    assert verify(story.close().bundle()).outcome == "verified"
    for seller_first in (True, False):
        story = Story().genesis()
        if seller_first:
            _paper(story, "v-c", T.format(1, 2))
        _paper(story, "v-c", T.format(2, 2), form_of("v-c"), transfer="f0" * 32)
        if not seller_first:  # the buyer's ballot then supersedes nothing, yet 16.6 fails
            _paper(story, "v-c", T.format(3, 2))
        assert "6.12" in steps(story.close().bundle())


# -- the step against a plain reading of §5's text -------------------------------------------

class _Chain:
    """Only what check_forms reads: the well-typed entries, here all ballots."""

    def __init__(self, bodies: list[dict]):
        self._ballots = [(n, {"kind": "ballot", "body": body}) for n, body in enumerate(bodies)]

    def entries(self, kind=None):
        assert kind in ("ballot", None)
        return self._ballots


def _as_spec_says(bodies: list[dict]) -> list[tuple[int, int]]:
    """(n, m) for each failing ballot n and the earliest m it names, straight from the text."""
    def signer(body):
        return body["voter"], "transfer" in body

    out = []
    for n, body in enumerate(bodies):
        if body["evidence"] is None:
            continue
        replaced = {bodies[p]["correction"]["corrects"] for p in range(n)
                    if "correction" in bodies[p] and bodies[p]["correction"]["corrects"] < p}
        holders = [m for m in range(n) if bodies[m]["evidence"] == body["evidence"]
                   and signer(bodies[m]) != signer(body) and m not in replaced]
        if holders:
            out.append((n, holders[0]))
    return out


@st.composite
def _chains(draw) -> list[dict]:
    """Ballots of three voters, some buyers', on three forms or none, some correcting an
    entry (earlier, or forward as only a forger writes)."""
    bodies = []
    for n in range(draw(st.integers(1, 14))):
        body = {"voter": draw(st.sampled_from("ABC")),
                "evidence": draw(st.sampled_from(["f1", "f2", "f3", None]))}
        if draw(st.booleans()):
            body["transfer"] = "t"
        if n and draw(st.integers(0, 2)) == 0:
            body["correction"] = {"corrects": draw(st.integers(0, n + 1)), "reason": "r"}
        bodies.append(body)
    return bodies


def _found(bodies: list[dict]) -> list[tuple[int, int]]:
    run = _Run()
    check_forms(_Chain(bodies), run)
    assert {f.step for f in run.failures} <= {"6.12"}
    return [(f.entry, int(f.message.split("form of entry ")[1].split(",")[0]))
            for f in run.failures]


@settings(max_examples=1000)
@given(_chains())
def test_the_step_finds_what_the_text_says(bodies):
    assert _found(bodies) == _as_spec_says(bodies)


def test_one_form_on_many_ballots_is_checked_in_linear_time():
    """A forged chain of 40,000 ballots of one form, half one voter's and then half
    another's, each of the latter failing: the step stays far from quadratic."""
    bodies = [{"voter": "A", "evidence": "f"} for _ in range(20_000)]
    bodies += [{"voter": "B", "evidence": "f"} for _ in range(20_000)]
    started = time.process_time()
    found = _found(bodies)
    assert time.process_time() - started < 2.0
    assert len(found) == 20_000 and set(m for _, m in found) == {0}
