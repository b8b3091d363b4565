"""docs/verification.md §15, withdrawals (steps 15.4–15.6) and what they change in 6.7,
6.12, 7.3–7.5 and 16.3 — on bundles built with the core alone."""

from __future__ import annotations

from tests.bundles import Story, form_of
from tests.core.tamper_tools import steps, verify
from tests.core.test_local_rules import H1, day, proxy, ruled
from votes.core import chain
from votes.core.canonical import digest_hex
from votes.core.correction import correcting
from votes.core.withdrawal import chain_of, counted, withdrawal_body

SCAN = digest_hex(b"scan of the form naming another flat")


def withdraw(story: Story, voter: str, withdraws: int, time: str) -> Story:
    story.entries.append({"kind": "withdrawal", "time": time, "body": withdrawal_body(
        voter=voter, withdraws=withdraws, reason="录错了房号", entered_by="clerk",
        evidence=SCAN)})
    return story


def fix(story: Story, voter: str, choice: str, corrects: int, time: str) -> Story:
    story.paper(voter, choice, time)
    story.entries[-1]["body"] = correcting(story.entries[-1]["body"], corrects, "勾错了")
    return story


def test_counting_takes_back_only_the_last_ballot_it_names():
    b = {"kind": "ballot", "body": {"voter": "v"}}
    w = {"kind": "withdrawal", "body": {"voter": "v", "withdraws": 2}}
    assert counted([(1, b), (2, b), (3, w)]) == {}  # entry 1 does not come back
    assert counted([(1, b), (2, b), (3, w), (4, b)]) == {"v": (4, b)}
    stale = {"kind": "withdrawal", "body": {"voter": "v", "withdraws": 1}}
    assert counted([(1, b), (2, b), (3, stale)]) == {"v": (2, b)}
    other = {"kind": "withdrawal", "body": {"voter": "x", "withdraws": 2}}
    assert counted([(1, b), (2, b), (3, other)]) == {"v": (2, b)}
    fixes = {1: {"voter": "v"}, 2: {"voter": "v", "correction": {"corrects": 1}},
             3: {"voter": "v", "correction": {"corrects": 2}}}
    assert chain_of(3, fixes) == [3, 2, 1] and chain_of(1, fixes) == [1]


def test_a_withdrawn_correction_is_no_change_of_the_owner_6_7():
    story = (Story().genesis().paper("v-c", "agree", day(1)))
    fix(story, "v-c", "disagree", 1, day(2))
    withdraw(story, "v-c", 2, day(3))
    story.device("v-c", day(4)).online("v-c", "abstain", day(4, 3))  # max_changes 0
    assert verify(story.close().bundle()).ok
    # Without a withdrawal the paper ballot stays the owner's, and the online one is a
    # change that max_changes 0 does not allow (6.7).
    again = Story().genesis().paper("v-c", "agree", day(1))
    again.device("v-c", day(4)).online("v-c", "abstain", day(4, 3))
    assert "6.7" in steps(again.close().bundle())


def test_a_withdrawn_ballot_is_not_counted_closed_or_opened():
    story = Story().genesis().paper("v-a", "agree", day(1)).paper("v-c", "agree", day(2))
    withdraw(story, "v-c", 2, day(3))
    sealed = story.copy().close().seal()
    close = sealed[-1].entry["body"]
    assert close["counted"] == [1] and [o["seq"] for o in close["openings"]] == [1]
    assert close["tally"]["participating_headcount"] == 1
    report = verify(story.close().bundle())
    assert report.ok
    assert (report.ballots, report.counted) == (2, 1)  # the report's counted voters too
    # A close that still counts the withdrawn ballot fails 7.3 (and its tally 7.4).
    forged = Story().genesis().paper("v-a", "agree", day(1)).paper("v-c", "agree", day(2))
    honest = forged.copy().close()
    withdraw(forged, "v-c", 2, day(3))
    forged.entries.append(dict(honest.entries[-1]))
    assert {"7.3", "7.4", "7.6"} <= steps(forged.bundle())


def test_an_early_close_needs_every_voter_with_a_counted_ballot_7_5():
    story = Story().genesis()
    for n, voter in enumerate(("v-a", "v-b", "v-c", "v-developer", "v-d"), start=1):
        story.paper(voter, "agree", day(n))
    assert verify(story.copy().close(day(6)).bundle()).ok  # everyone voted: early is fine
    withdraw(story, "v-c", 3, day(6))
    assert steps(story.close(day(7)).bundle()) == {"7.5"}


def test_a_withdrawn_proxy_ballot_frees_its_place_under_the_limit_16_3():
    story = ruled(proxy_limit=1).genesis()
    proxy(story, "v-c", "agree", day(1))
    withdraw(story, "v-c", 1, day(2))
    proxy(story, "v-d", "agree", day(3))
    assert verify(story.copy().close().bundle()).ok
    kept = ruled(proxy_limit=1).genesis()
    proxy(kept, "v-c", "agree", day(1))
    proxy(kept, "v-d", "agree", day(3), holder=H1)
    assert steps(kept.close().bundle()) == {"16.3"}


def test_a_withdrawn_ballot_frees_the_form_for_its_signer_6_12():
    story = Story().genesis().paper("v-c", "agree", day(1))
    story.entries[-1]["body"]["evidence"] = form_of("v-d")  # v-d's form, on v-c's flat
    withdraw(story, "v-c", 1, day(2))
    story.paper("v-d", "disagree", day(3))
    assert verify(story.copy().close().bundle()).ok
    early = Story().genesis().paper("v-c", "agree", day(1))
    early.entries[-1]["body"]["evidence"] = form_of("v-d")
    early.paper("v-d", "disagree", day(2))
    withdraw(early, "v-c", 1, day(3))  # too late: v-d's ballot carried it while held
    assert steps(early.close().bundle()) == {"6.12"}


def test_a_withdrawal_in_a_bundle_of_version_2_fails_1_5():
    from votes.core.bundle_types_v2 import entry_type_errors_v2

    entry = chain.next_entry(None, proposal="p", kind="withdrawal", time=day(1),
                             key_id="k", body=withdrawal_body(
                                 voter="v", withdraws=1, reason="r", entered_by="c",
                                 evidence=SCAN))
    sealed = {"digest": "0" * 64, "entry": entry, "sig": "s"}
    assert entry_type_errors_v2(sealed)


def test_the_report_counts_no_voter_whose_ballot_was_withdrawn():
    """The report's "计入 counted" (and --json's `counted`) is the number of counted
    ballots: a voter whose only ballot was withdrawn has none, as in the close's `counted`
    and the participating headcount; it read 2 here, beside a participation of 1."""
    story = Story().genesis().paper("v-a", "agree", day(1)).paper("v-c", "agree", day(2))
    withdraw(story, "v-c", 2, day(3))
    report = verify(story.close().bundle())
    assert report.ok, report.render()
    assert report.tally.participating_headcount == 1
    assert (report.ballots, report.counted) == (2, 1)
    assert "计入 counted: 1," in report.render()
    # Voting still open: the interim report counts the same way.
    interim = verify(story.bundle())
    assert interim.counted == 1 and interim.tally.participating_headcount == 1


def test_withdrawals_over_a_long_correction_chain_stay_linear(monkeypatch):
    """6.7 and 16.3 take back, with a withdrawn ballot, the entries its corrections
    replaced (chain_of). A forged chain — one paper ballot corrected L times, then M times
    a correction of the last entry (failing 15.3) and its withdrawal — walked all L entries
    again for each withdrawal: L·M steps in each of the two (about 8 s for a 1 MB bundle,
    L = M = 2000, and days at the size limit). An entry already taken back ends the walk:
    it and all it replaced were taken back with it."""
    from votes.core import verifier_local_rules, withdrawal as module

    walked: list[int] = []
    real = module.chain_of

    def counting(*args, **kwargs):
        out = real(*args, **kwargs)
        walked.append(len(out))
        return out

    monkeypatch.setattr(module, "chain_of", counting)
    monkeypatch.setattr(verifier_local_rules, "chain_of", counting)
    size = 150
    story = Story().genesis().paper("v-c", "agree", day(1))
    for k in range(2, size + 1):
        fix(story, "v-c", "agree", k - 1, day(1))
    last = size  # the position of the voter's last ballot
    for _ in range(size):
        fix(story, "v-c", "agree", last, day(1))
        last = len(story.entries) - 1
        withdraw(story, "v-c", last, day(1))
    assert steps(story.bundle()) == {"15.3"}  # each correction of a withdrawn ballot
    assert len(walked) == 2 * size  # each withdrawal, in 6.7 and in 16.3
    assert sum(walked) <= 2 * (size + 2 * size), sum(walked)


def test_the_spec_types_every_kind_the_verifier_accepts_2_5():
    """§2.5 is what an independent verifier types entries by: its kind enum and a body line
    for each kind. It said "an entry of any other kind fails 1.5" without `withdrawal`, so a
    verifier written from it failed every bundle holding one, and it gave no withdrawal
    body's types."""
    import re
    from pathlib import Path

    from votes.core.bundle_types import BODIES

    spec = (Path(__file__).resolve().parents[2] / "docs" / "verification.md").read_text(
        encoding="utf-8")
    types = spec.split("### 2.5 Types of every field", 1)[1].split("\n## 3.", 1)[0]
    listed = re.search(r"`kind` enum\(([^)]*)\)", types).group(1)
    assert {k.strip() for k in listed.split(",")} == set(BODIES)
    for kind in BODIES:
        assert re.search(rf"\b{kind} body\b", types), kind
    line = " ".join(types.split("withdrawal body", 1)[1].split("\n- ", 1)[0].split())
    for field, kind in BODIES["withdrawal"].items():
        assert f"`{field}` {'string' if kind == 'str' else kind}" in line, field
