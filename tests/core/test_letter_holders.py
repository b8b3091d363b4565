"""Step 16.7, one written authorisation, one proxy (docs/verification.md §16): a dishonest
server that puts one proxy's letter (授权委托书) behind ballots of another proxy — each made-up
proxy under the community's limit of principals — fails, as the reference server refuses
it (votes/services/proxies.py check_letters); one letter may serve several principals of
its own proxy, and a withdrawn ballot's letter serves again."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bundles import Story, files_of
from tests.core.tamper_tools import (WellTyped, entries_of, failures, rebundle, reseal_lines,
                                     verify)
from tests.core.test_local_rules import H1, H2, LETTER, day, ruled
from tests.core.test_scan_roles import ballot, take_back
from tests.core.test_withdrawal_steps import fix, withdraw
from votes.core.canonical import digest_hex
from votes.core.correction import correcting
from votes.core.verifier_base import _Run
from votes.core.verifier_scans import check_letter_holders

OWN = digest_hex(b"the second proxy's own letter")


def test_one_letter_on_ballots_of_two_proxies_fails_16_7_alone():
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(story, "v-d", day(2), letter=LETTER, holder=H2)
    found = failures(story)
    assert [(step, entry) for step, entry, _ in found] == [("16.7", 2)], found
    message = found[0][2]
    assert "entry 1" in message and LETTER in message and H1[:16] in message, message
    assert "一份授权委托书只委托一位受托人" in message


def test_under_a_limit_the_made_up_proxies_each_stay_within_it_and_16_7_still_fails():
    """The attack check_letters stops: proxy_limit 1, one real proxy's letter, each
    principal's ballot "held" by a proxy of its own. 16.3 sees nothing."""
    story = ruled(proxy_limit=1).genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(story, "v-d", day(2), letter=LETTER, holder=H2)
    ballot(story, "v-c", day(3), letter=LETTER, holder="c3" * 32)
    assert [(s, e) for s, e, _ in failures(story)] == [("16.7", 2), ("16.7", 3)]


def test_one_letter_for_several_principals_of_one_proxy_verifies():
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(story, "v-d", day(2), letter=LETTER, holder=H1)
    ballot(story, "v-c", day(3), letter=LETTER, holder=H1)
    ballot(story, "v-developer", day(4), letter=OWN, holder=H2)  # another proxy, own letter
    assert verify(story.close().bundle()).outcome == "verified"


def test_a_withdrawn_ballot_holds_its_letter_no_more():
    """v-b's proxy ballot was entered for the wrong flat and withdrawn: its letter (that
    proxy's for the flat's real owner, mistaken for another's) then serves another proxy.
    Withdrawn after the other proxy's ballot came, it was still held: 16.7 fails as the
    server refused."""
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    withdraw(story, "v-b", 1, day(2))
    ballot(story, "v-d", day(3), letter=LETTER, holder=H2)
    assert verify(story.close().bundle()).outcome == "verified"

    late = Story().genesis()
    ballot(late, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(late, "v-d", day(2), letter=LETTER, holder=H2)
    withdraw(late, "v-b", 1, day(3))
    assert [(s, e) for s, e, _ in failures(late)] == [("16.7", 2)]


def test_a_correction_frees_no_letter_but_withdrawing_it_frees_the_entry_it_replaced():
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    fix(story, "v-b", "disagree", 1, day(2))  # corrected to a paper ballot of its own
    ballot(story, "v-d", day(3), letter=LETTER, holder=H2)
    found = failures(story)
    assert [(s, e) for s, e, _ in found] == [("16.7", 3)] and "entry 1" in found[0][2]

    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    fix(story, "v-b", "disagree", 1, day(2))
    withdraw(story, "v-b", 2, day(3))  # takes back 2 and the entry 2 replaced
    ballot(story, "v-d", day(4), letter=LETTER, holder=H2)
    assert verify(story.close().bundle()).outcome == "verified"


def test_a_corrected_proxy_ballot_keeps_its_proxy_and_letter():
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(story, "v-b", day(2), letter=LETTER, holder=H1)
    story.entries[-1]["body"] = correcting(story.entries[-1]["body"], 1, "勾错了")
    ballot(story, "v-d", day(3), letter=LETTER, holder=H1)
    assert verify(story.close().bundle()).outcome == "verified"


def test_without_a_genesis_16_7_does_not_run_and_the_report_says_so():
    story = Story().genesis()
    ballot(story, "v-b", day(1), letter=LETTER, holder=H1)
    ballot(story, "v-d", day(2), letter=LETTER, holder=H2)
    bundle = story.close().bundle()
    entries = entries_of(bundle)
    entries[0]["body"]["x"] = 1  # fails 1.5: no genesis for 5.2–5.9, 7, 16, 17 and 19
    files = files_of(bundle)
    files["chain.jsonl"] = reseal_lines(entries)
    report = verify(rebundle(files))
    assert "16.7" not in {f.step for f in report.failures}
    assert "16.1–16.7" in {s.step for s in report.skipped}, report.skipped


# -- the step against a plain reading of §16's text ------------------------------------------

def _as_spec_says(entries: list[dict]) -> list[tuple[int, int]]:
    """(n, m) for each ballot n failing 16.7 and the ballot it names, straight from §16: m
    is the earliest ballot before n carrying n's `proxy.authorisation`, not taken back by a
    withdrawal before n; n fails when m's holder is not n's."""
    taken: set[int] = set()
    out = []
    for n, e in enumerate(entries):
        body = e["body"]
        if e["kind"] == "withdrawal":
            take_back(entries, n, taken)
            continue
        proxy = body.get("proxy")
        if proxy is None:
            continue
        held = [m for m in range(n) if entries[m]["kind"] == "ballot" and m not in taken
                and entries[m]["body"].get("proxy") is not None
                and entries[m]["body"]["proxy"]["authorisation"] == proxy["authorisation"]]
        if held and entries[held[0]]["body"]["proxy"]["holder"] != proxy["holder"]:
            out.append((n, held[0]))
    return out


@st.composite
def _chains(draw) -> list[dict]:
    """Ballots of three voters, some by one of three proxies on one of two letters, some
    corrections and withdrawals (of the voter's last ballot or not, as only a forger
    writes)."""
    entries = []
    for n in range(draw(st.integers(1, 16))):
        voter = draw(st.sampled_from("ABC"))
        if n and draw(st.integers(0, 3)) == 0:
            entries.append({"kind": "withdrawal",
                            "body": {"voter": voter, "withdraws": draw(st.integers(0, n))}})
            continue
        body = {"voter": voter, "evidence": None}
        if draw(st.integers(0, 4)):
            body["proxy"] = {"holder": draw(st.sampled_from("hij")),
                             "authorisation": draw(st.sampled_from(["l1", "l2"])),
                             "company_staff": False}
        if n and draw(st.integers(0, 3)) == 0:
            body["correction"] = {"corrects": draw(st.integers(0, n)), "reason": "r"}
        entries.append({"kind": "ballot", "body": body})
    return entries


def _found(entries: list[dict]) -> list[tuple[int, int]]:
    run = _Run()
    check_letter_holders(WellTyped(entries), {"rules": {}}, run)
    assert {f.step for f in run.failures} <= {"16.7"}
    return [(f.entry, int(f.message.split(" on entry ")[1].split(" ")[0]))
            for f in run.failures]


@settings(max_examples=1000)
@given(_chains())
def test_the_step_finds_what_the_text_says(entries):
    assert _found(entries) == _as_spec_says(entries)


def test_one_letter_on_many_ballots_is_checked_in_linear_time():
    """A forged chain of 40,000 proxy ballots on one letter, the first half held by one
    proxy, the second each by a proxy of its own: each of the latter fails, and the step
    stays far from quadratic."""
    def proxied(holder: str) -> dict:
        return {"kind": "ballot", "body": {"voter": "A", "evidence": None, "proxy": {
            "holder": holder, "authorisation": "l", "company_staff": False}}}

    entries = [proxied("h") for _ in range(20_000)]
    entries += [proxied(f"h{n}") for n in range(20_000)]
    started = time.process_time()
    found = _found(entries)
    assert time.process_time() - started < 2.0
    assert len(found) == 20_000 and {m for _, m in found} == {0}
