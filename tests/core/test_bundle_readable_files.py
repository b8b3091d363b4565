"""The bundle's human-readable members as the people who open them read them: report.txt
in a text editor (a committee member, a regulator) and ballots.csv in a spreadsheet. Both are
informative (docs/verification.md §2.1): no verifier step reads them."""

from __future__ import annotations

from types import SimpleNamespace

from tests.bundles import files_of, good_story
from votes.core.procedure_report import after_close_report


def _report(story=None) -> str:
    return files_of((story or good_story()).bundle())["report.txt"].decode("utf-8")


def test_report_txt_gives_the_voting_window_in_beijing_time_and_says_so():
    """The window was printed as the chain's UTC text labelled "(UTC)": a committee member
    read 2026-12-01T01:00:00Z as one o'clock, eight hours off the notices' 09:00."""
    report = _report()
    assert "2026-12-01 09:00" in report and "2026-12-08 09:00" in report, report
    assert "北京时间" in report
    # The chain's own UTC text stays beside it, for whoever compares it with chain.jsonl.
    assert "2026-12-01T01:00:00Z" in report


def test_objections_and_the_final_result_are_dated_in_beijing_time():
    def entry(seq, kind, time, body):
        return SimpleNamespace(seq=seq, entry={"kind": kind, "time": time, "body": body})

    text = after_close_report([
        entry(9, "objection", "2026-12-08T16:30:00Z", {"channel": "paper", "text": "ab" * 32}),
        entry(11, "result", "2026-12-15T02:00:00Z",
              {"passed": True, "preliminary_passed": True, "objections": [9]})])
    assert "2026-12-09 00:30 北京时间" in text and "2026-12-15 10:00 北京时间" in text, text
    assert "T16:30:00Z" not in text
