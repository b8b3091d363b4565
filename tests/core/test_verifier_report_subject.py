"""The verifier's report states what was voted on (docs/verification.md §7).

The report named the proposal by its uid alone, then the figures and 通过 PASSED. What
passed — the title, the matter (and so which thresholds the law asks), the scope, the
budget, the publicity and the voting period — the regulator read only from the server's
own application form, which whoever controls the server writes as they like: a form
asking for 1,000,000 yuan beside a verified bundle that approved 6,547.50, or a vote held
on the day its plan was published, passed the one command without a word. The report now
prints these from proposal.json, which step 5.2 binds to the signed genesis; a FAILED
bundle's are marked as not verified.
"""

from __future__ import annotations

import json

from tests.bundles import files_of, good_story, rezip
from tests.core.tamper_tools import verify
from votes.core.verifier_report import report_from_json, stored_json

NOT_VERIFIED = "以下事项内容为导出包所载，未经验证 / the proposal as the bundle states it, NOT verified:"


def _subject(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("事项 proposal:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return lines[start:end]


def test_a_verified_report_says_what_passed_and_when_it_was_published():
    report = verify(good_story().bundle())
    assert report.ok, report.render()
    text = "\n".join(_subject(report.render()))
    assert "标题 title: 电梯更换" in text and "阳光花园" in text and "350502" in text, text
    assert "类别 matter: 使用维修资金 use_fund" in text, text
    assert "范围 scope: all" in text, text
    assert "预算 budget: 6,547.50 元 yuan" in text, text
    # Beijing time, and the publicity period in days and hours (11 days before voting).
    assert "公示 publicity 2026-11-20 09:00" in text, text
    assert "表决 voting 2026-12-01 09:00 至 to 2026-12-08 09:00" in text, text
    assert "公示期 publicity period 11 天 days 0 小时 hours" in text, text
    assert NOT_VERIFIED not in report.render()


def test_a_vote_with_no_publicity_shows_a_publicity_period_of_zero():
    story = good_story()
    story.proposal["publicity_start"] = story.proposal["voting_start"]
    story.entries.clear()
    story = (story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
             .paper("v-b", "agree", "2026-12-01T03:00:00Z")
             .paper("v-c", "agree", "2026-12-01T04:00:00Z")
             .paper("v-d", "agree", "2026-12-01T05:00:00Z").close())
    report = verify(story.bundle())
    assert report.ok, report.render()
    assert "公示期 publicity period 0 天 days 0 小时 hours" in report.render()


def test_a_failed_report_marks_the_proposal_lines_not_verified():
    files = files_of(good_story().bundle())
    proposal = json.loads(files["proposal.json"])
    proposal["budget"] = 100000000
    files["proposal.json"] = json.dumps(proposal, ensure_ascii=False, sort_keys=True,
                                        separators=(",", ":")).encode()
    report = verify(rezip(files, resign=True))
    assert not report.ok
    lines = report.render().splitlines()
    at = lines.index(NOT_VERIFIED)
    assert lines[at + 1].startswith("事项 proposal:")
    assert "预算 budget: 1,000,000.00 元 yuan" in "\n".join(lines[at:at + 6])


def test_the_json_report_and_the_stored_report_keep_the_proposal_lines():
    report = verify(good_story().bundle())
    data = report.to_json()
    assert any("预算 budget: 6,547.50" in line for line in data["subject"]), data["subject"]
    again = report_from_json(json.loads(json.dumps(stored_json(report))))
    assert again.render() == report.render()
    older = stored_json(report)
    del older["subject"]  # a verification stored before the report said it
    assert "事项 proposal:" in report_from_json(older).render()


def test_times_in_the_last_hours_of_9999_are_shown_not_an_unexpected_shape():
    """A chain time after 9999-12-31T15:59:59Z has no Beijing time (UTC+8 is past what a
    datetime holds): beijing_text raised OverflowError, which only a ValueError was caught
    for, so the objection lines (17.1) and the proposal lines failed as "cannot be
    completed (OverflowError)" a bundle no step faults. Such a time is shown as written."""
    from tests.bundles import Story
    from votes.core.objection import objection_body
    from votes.core.report_text import beijing_text

    assert beijing_text("9999-12-31T23:00:00Z") == "9999-12-31T23:00:00Z"
    story = Story()
    story.proposal.update(publicity_start="9999-12-31T10:00:00Z",
                          voting_start="9999-12-31T12:00:00Z",
                          voting_end="9999-12-31T22:00:00Z")
    story.rules = dict(story.rules, objection_days=1)
    story.genesis()
    story.entries[0]["time"] = "9999-12-31T12:00:00Z"
    for voter, hour in (("v-a", 16), ("v-b", 17), ("v-c", 18), ("v-d", 19)):
        story.paper(voter, "agree", f"9999-12-31T{hour}:00:00Z")
    story.close("9999-12-31T22:00:00Z")
    story.entries.append({"kind": "objection", "time": "9999-12-31T23:00:00Z",
                          "body": objection_body(voter="v-b", text="不同意", channel="online")})
    files = files_of(story.bundle())
    manifest = json.loads(files["manifest.json"])
    manifest["created_at"] = "9999-12-31T23:59:59Z"  # after the last entry (3.4)
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True,
                                        separators=(",", ":")).encode()
    report = verify(rezip(files, resign=True))
    assert report.failures == (), report.render()
    text = report.render()
    assert "表决 voting 9999-12-31 20:00 至 to 9999-12-31T22:00:00Z" in text, text
    assert "9999-12-31T23:00:00Z" in text, text
