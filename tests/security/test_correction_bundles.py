"""Hand-crafted corrections (§15) signed by an insider holding the server key: every
malicious `correction` field is a numbered failure of its own step, never "cannot be
completed" (a crash caught by the step guard) and never VERIFIED."""

from __future__ import annotations

import pytest

from tests.bundles import KEY_ID, SERVER, Story
from votes.core import chain, signing
from votes.core.verifier import verify_bundle

T = "2026-12-0{}T0{}:00:00Z"


def _trusted():
    return signing.KeyRing({KEY_ID: SERVER.public_key()})


def _story() -> Story:
    """0 genesis, 1 paper v-a, 2 device v-b, 3 online v-b, 4 paper v-d."""
    return (Story().genesis().paper("v-a", "agree", T.format(1, 2))
            .device("v-b", T.format(2, 1)).online("v-b", "agree", T.format(2, 2))
            .paper("v-d", "abstain", T.format(3, 2)))


def _correct(story: Story, voter: str, correction, *, channel="paper", time=T.format(4, 2)):
    story.paper(voter, "disagree", time)
    body = story.entries[-1]["body"]
    body["channel"] = channel
    body["correction"] = correction
    return story


def _report(story: Story):
    return verify_bundle(story.close().bundle(), trusted_keys=_trusted())


def _steps(report) -> set[str]:
    for f in report.failures:
        assert "cannot be completed" not in f.message, report.render()
    return {f.step for f in report.failures}


def test_an_honest_correction_and_a_correction_of_a_correction_verify():
    story = _correct(_story(), "v-a", {"corrects": 1, "reason": "勾错了"})
    _correct(story, "v-a", {"corrects": 5, "reason": "再次更正：扫描件错了"},
             time=T.format(5, 2))
    report = _report(story)
    assert report.outcome == "verified", report.render()


@pytest.mark.parametrize("voter,correction,channel,step", [
    ("v-a", {"corrects": 6, "reason": "forward"}, "paper", "15.2"),  # the close, after it
    ("v-a", {"corrects": 5, "reason": "self"}, "paper", "15.2"),  # itself
    ("v-a", {"corrects": 0, "reason": "genesis"}, "paper", "15.2"),
    ("v-b", {"corrects": 2, "reason": "device entry"}, "paper", "15.2"),
    ("v-b", {"corrects": 3, "reason": "the owner's own ballot"}, "paper", "15.2"),
    ("v-a", {"corrects": 4, "reason": "another voter's ballot"}, "paper", "15.2"),
    ("v-a", {"corrects": 2 ** 70, "reason": "far away"}, "paper", "1.4"),
    ("v-a", {"corrects": 1, "reason": "online"}, "online", "15.1"),
    ("v-a", {"corrects": 1, "reason": "   "}, "paper", "15.1"),
    ("v-a", {"corrects": 1, "reason": "a\nb"}, "paper", "15.1"),
    ("v-a", {"corrects": 1, "reason": "长" * 201}, "paper", "15.1"),
    ("v-a", {"corrects": "1", "reason": "string position"}, "paper", "1.5"),
    ("v-a", {"corrects": True, "reason": "bool position"}, "paper", "1.5"),
    ("v-a", {"corrects": -1, "reason": "negative"}, "paper", "1.5"),
    ("v-a", {"corrects": 1, "reason": ["list"]}, "paper", "1.5"),
    ("v-a", {"corrects": 1}, "paper", "1.5"),
    ("v-a", {"corrects": 1, "reason": "x", "extra": 1}, "paper", "1.5"),
    ("v-a", None, "paper", "1.5"),
    ("v-a", "1", "paper", "1.5"),
    ("v-a", [1, "x"], "paper", "1.5"),
])
def test_malicious_correction_fields_fail_their_step(voter, correction, channel, step,
                                                     monkeypatch):
    from votes.core import bundle

    # The insider's own export would print the odd field into ballots.csv; the verifier
    # never reads that file, so the attacker's copy is written without it.
    monkeypatch.setattr(bundle, "_channel_text", lambda body: str(body["channel"]))
    report = _report(_correct(_story(), voter, correction, channel=channel))
    assert report.outcome == "failed"
    assert step in _steps(report), report.render()


def test_a_correction_of_a_ballot_that_was_already_replaced_fails_15_3():
    story = _story().paper("v-a", "abstain", T.format(3, 5))  # 5: v-a's own second paper
    report = _report(_correct(story, "v-a", {"corrects": 1, "reason": "stale"}))
    assert report.outcome == "failed" and "15.3" in _steps(report), report.render()


def test_a_correction_after_the_close_is_refused():
    story = _story().close()
    story.paper("v-a", "disagree", "2026-12-09T01:00:00Z")
    story.entries[-1]["body"]["correction"] = {"corrects": 1, "reason": "after the close"}
    report = verify_bundle(story.bundle(), trusted_keys=_trusted())
    assert report.outcome == "failed", report.render()
    _steps(report)


def test_the_count_follows_the_verifier_not_the_original():
    """The corrected voter's last ballot is counted; the bundle's tally says so."""
    story = _correct(_story(), "v-a", {"corrects": 1, "reason": "勾错了"})
    counted = chain.counted_ballots(story.seal())
    assert counted["v-a"].seq == 5
