"""Step 6.13, one scan, one role (docs/verification.md §3.2, §16): a dishonest server that
attaches one signed document as two of a ballot form, a proxy's written authorisation and
a transfer deed — on one ballot or two — fails, as the reference server refuses it
(votes/services/scan_roles.py check_documents); a withdrawn ballot's scans serve again."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bundles import Story, form_of
from tests.core.tamper_tools import WellTyped, failures, steps, verify
from tests.core.test_local_rules import H1, H2, LETTER, day
from tests.core.test_withdrawal_steps import fix, withdraw
from votes.core import chain
from votes.core.canonical import digest_hex
from votes.core.verifier_base import _Run
from votes.core.verifier_scans import check_scans

SIGNED = digest_hex(b"one real signed document")  # the scan used twice
DEED = digest_hex(b"the deed of 1-202's sale")


def ballot(story: Story, voter: str, time: str, *, form: str | None = None,
           letter: str | None = None, deed: str | None = None, holder: str = H1) -> Story:
    """A staff ballot of `voter` carrying these scans: a proxy ballot when it has a letter,
    a buyer's ballot when it has a deed (the buyer's own form unless told)."""
    committed, secret = story.commit(voter, "agree", time)
    extra = {}
    if letter is not None:
        extra["proxy"] = {"holder": holder, "authorisation": letter, "company_staff": False}
    if deed is not None:
        extra["transfer"] = deed
    body = chain.ballot_body(voter=voter, units=story.units_of(voter), commitment=committed,
                             channel="proxy" if letter is not None else "paper",
                             entered_by="clerk",
                             evidence=form or form_of(voter, buyer=deed is not None), **extra)
    story.entries.append({"kind": "ballot", "time": time, "body": body, "secret": secret})
    return story


# The signed document in each role, on a ballot of its own: v-b's and v-d's ballots may
# carry a form or a letter; v-c (one flat, 1-202) is the one sold.
ROLES = {"form": ("v-b", {"form": SIGNED}), "letter": ("v-b", {"letter": SIGNED}),
         "deed": ("v-c", {"deed": SIGNED})}


def _second(role: str) -> tuple[str, dict]:
    voter, scans = ROLES[role]
    return ("v-d" if voter == "v-b" else voter), scans


@pytest.mark.parametrize("first,then", [p for p in itertools.permutations(ROLES, 2)])
def test_one_scan_in_two_roles_on_two_ballots_fails_6_13_alone(first, then):
    story = Story().genesis()
    voter, scans = ROLES[first]
    ballot(story, voter, day(1), **scans)
    voter, scans = _second(then)
    ballot(story, voter, day(2), **scans)
    found = failures(story)
    assert [(step, entry) for step, entry, _ in found] == [("6.13", 2)], found
    message = found[0][2]
    assert "entry 1:" in message and SIGNED in message
    words = {"form": "ballot form (evidence)", "letter": "(proxy.authorisation)",
             "deed": "(transfer)"}
    assert words[then] in message.split("is already")[0]
    assert words[first] in message.split("is already")[1]


@pytest.mark.parametrize("pair", list(itertools.combinations(ROLES, 2)))
def test_one_scan_in_two_roles_of_one_ballot_fails_6_13(pair):
    story = Story().genesis()
    ballot(story, "v-c", day(1), **{role: SIGNED for role in pair})
    found = failures(story)
    assert [(step, entry) for step, entry, _ in found] == [("6.13", 1)], found
    assert "of this entry is also its" in found[0][2]


def test_all_three_roles_on_one_ballot_fail_once():
    story = Story().genesis()
    ballot(story, "v-c", day(1), form=SIGNED, letter=SIGNED, deed=SIGNED)
    assert [(s, e) for s, e, _ in failures(story)] == [("6.13", 1)]


def test_a_withdrawn_ballot_holds_its_scans_no_more():
    """v-b's ballot was entered on the wrong flat's document and withdrawn: that document
    may then be what it is, here a proxy's letter for v-d. Withdrawn after the letter came,
    it was still held when the letter was entered, and 6.13 fails as the server refused."""
    story = Story().genesis()
    ballot(story, "v-b", day(1), form=SIGNED)
    withdraw(story, "v-b", 1, day(2))
    ballot(story, "v-d", day(3), letter=SIGNED)
    assert verify(story.close().bundle()).outcome == "verified"

    letter_first = Story().genesis()
    ballot(letter_first, "v-b", day(1), letter=SIGNED)
    withdraw(letter_first, "v-b", 1, day(2))
    ballot(letter_first, "v-d", day(3), form=SIGNED)
    assert verify(letter_first.close().bundle()).outcome == "verified"

    late = Story().genesis()
    ballot(late, "v-b", day(1), form=SIGNED)
    ballot(late, "v-d", day(2), letter=SIGNED)
    withdraw(late, "v-b", 1, day(3))
    assert [(s, e) for s, e, _ in failures(late)] == [("6.13", 2)]


def test_a_correction_frees_no_scan_but_withdrawing_it_frees_the_entry_it_replaced():
    story = Story().genesis()
    ballot(story, "v-b", day(1), form=SIGNED)
    fix(story, "v-b", "disagree", 1, day(2))  # v-b's own form now
    ballot(story, "v-d", day(3), letter=SIGNED)
    found = failures(story)
    assert [(s, e) for s, e, _ in found] == [("6.13", 3)] and "entry 1:" in found[0][2]

    story = Story().genesis()
    ballot(story, "v-b", day(1), form=SIGNED)
    fix(story, "v-b", "disagree", 1, day(2))
    withdraw(story, "v-b", 2, day(3))  # takes back 2 and the entry 2 replaced
    ballot(story, "v-d", day(4), letter=SIGNED)
    assert verify(story.close().bundle()).outcome == "verified"


def test_a_withdrawal_that_takes_nothing_back_frees_nothing():
    """A withdrawal naming a superseded ballot fails 15.6 and leaves its scans held."""
    story = Story()
    story.proposal["max_changes"] = 1
    story.genesis()
    ballot(story, "v-b", day(1), form=SIGNED)
    ballot(story, "v-b", day(2), form=digest_hex(b"v-b's second form"))
    withdraw(story, "v-b", 1, day(3))
    ballot(story, "v-d", day(4), letter=SIGNED)
    assert steps(story.close().bundle()) == {"15.6", "6.13"}


def test_the_same_role_again_is_not_this_steps_concern():
    """One letter naming two principals, one deed on the buyer's entry again: verified."""
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER)
    ballot(story, "v-d", day(2), letter=LETTER)
    ballot(story, "v-c", day(3), deed=DEED)
    ballot(story, "v-c", day(4), deed=DEED)
    assert verify(story.close().bundle()).outcome == "verified"
    # Another proxy on the same letter, or one form on two voters, is not 6.13's.
    other = Story().genesis()
    ballot(other, "v-b", day(1), letter=LETTER)
    ballot(other, "v-d", day(2), letter=LETTER, holder=H2)
    ballot(other, "v-c", day(3), form=form_of("v-b"))
    assert "6.13" not in {s for s, _, _ in failures(other)}


# -- the step against a plain reading of §5's text -------------------------------------------

ROLE_OF = {"ballot form (evidence)": "form", "(proxy.authorisation)": "letter",
           "(transfer)": "deed"}


def _scans(body: dict) -> list[tuple[str, str]]:
    out = [("form", body["evidence"])] if body["evidence"] is not None else []
    if "proxy" in body:
        out.append(("letter", body["proxy"]["authorisation"]))
    if "transfer" in body:
        out.append(("deed", body["transfer"]))
    return out


def take_back(entries: list[dict], n: int, taken: set[int]) -> None:
    """What withdrawal n takes back, straight from §15.4, added to `taken`: the voter's last
    ballot before it, not taken back already, and the entries its corrections replaced."""
    body = entries[n]["body"]
    target = body["withdraws"]
    mine = [p for p in range(n) if entries[p]["kind"] == "ballot"
            and entries[p]["body"]["voter"] == body["voter"]]
    if not mine or mine[-1] != target or target in taken:
        return
    while True:  # the ballot and the entries its corrections replaced
        taken.add(target)
        fix = entries[target]["body"].get("correction")
        if fix is None or fix["corrects"] >= target or fix["corrects"] in taken:
            return
        old = entries[fix["corrects"]]
        if old["kind"] != "ballot" or old["body"]["voter"] != body["voter"]:
            return
        target = fix["corrects"]


def _as_spec_says(entries: list[dict]) -> list[tuple[int, int]]:
    """(n, m) for each ballot n failing 6.13 and the holder it names, straight from §5:
    the earliest ballot at m ≤ n, not taken back by a withdrawal before n, holding one of
    n's scans in another role; once per scan of n."""
    taken: set[int] = set()
    out = []
    for n, e in enumerate(entries):
        body = e["body"]
        if e["kind"] == "withdrawal":
            take_back(entries, n, taken)
            continue
        done = set()
        for role, scan in _scans(body):
            if scan in done:
                continue
            holders = [m for m in range(n + 1) if entries[m]["kind"] == "ballot"
                       and m not in taken
                       and any(s == scan and r != role for r, s in _scans(entries[m]["body"]))]
            if holders:
                out.append((n, holders[0]))
                done.add(scan)
    return out


@st.composite
def _chains(draw) -> list[dict]:
    """Ballots of three voters carrying two documents in any role, some corrections and
    withdrawals (of the voter's last ballot or not, as only a forger writes)."""
    entries = []
    docs = st.sampled_from(["d1", "d2", None])
    for n in range(draw(st.integers(1, 14))):
        voter = draw(st.sampled_from("ABC"))
        if n and draw(st.integers(0, 3)) == 0:
            entries.append({"kind": "withdrawal",
                            "body": {"voter": voter, "withdraws": draw(st.integers(0, n))}})
            continue
        body = {"voter": voter, "evidence": draw(docs)}
        letter, deed = draw(docs), draw(docs)
        if letter is not None:
            body["proxy"] = {"holder": "h", "authorisation": letter, "company_staff": False}
        if deed is not None:
            body["transfer"] = deed
        if n and draw(st.integers(0, 3)) == 0:
            body["correction"] = {"corrects": draw(st.integers(0, n)), "reason": "r"}
        entries.append({"kind": "ballot", "body": body})
    return entries


def _found(entries: list[dict]) -> list[tuple[int, int]]:
    run = _Run()
    check_scans(WellTyped(entries), run)
    assert {f.step for f in run.failures} <= {"6.13"}
    out = []
    for f in run.failures:
        m = f.entry if "of this entry" in f.message else \
            int(f.message.split(" of entry ")[1].split(":")[0])
        out.append((f.entry, m))
    return out


@settings(max_examples=1000)
@given(_chains())
def test_the_step_finds_what_the_text_says(entries):
    assert _found(entries) == _as_spec_says(entries)


def test_one_scan_on_many_ballots_is_checked_in_linear_time():
    """A forged chain of 40,000 ballots, one document the form of the first half and the
    letter of the second: each of the latter fails, and the step stays far from quadratic."""
    entries = [{"kind": "ballot", "body": {"voter": "A", "evidence": "d"}}
               for _ in range(20_000)]
    entries += [{"kind": "ballot", "body": {"voter": "B", "evidence": None, "proxy": {
        "holder": "h", "authorisation": "d", "company_staff": False}}} for _ in range(20_000)]
    started = time.process_time()
    found = _found(entries)
    assert time.process_time() - started < 2.0
    assert len(found) == 20_000 and {m for _, m in found} == {0}
