"""The verifier's report of a vote with an objection period (§17), as the regulator reads it.

With objection_days > 0 the close is only the preliminary result; a bundle exported during
the period verifies, and its report must not read as a final decision the regulator can
release money on. And a report that FAILED must not print the bundle's own claims of a
final result as if they had been checked.
"""

from __future__ import annotations

import io

from tests.bundles import KEY_ID, SERVER, Story
from tests.core.tamper_tools import verify
from votes.core import objection, signing
from votes.core.bundle import write_bundle
from votes.verify import main

OBJECTION_AT, ANSWER_AT, RESULT_AT = ("2026-12-09T01:00:00Z", "2026-12-10T01:00:00Z",
                                      "2026-12-11T01:00:00Z")


def _passing(objection_days: int = 3) -> Story:
    """Four of five voters agree: the vote passes on the ballots."""
    story = Story()
    story.rules["objection_days"] = objection_days
    return (story.genesis()
            .paper("v-a", "agree", "2026-12-01T02:00:00Z")
            .paper("v-b", "agree", "2026-12-02T02:00:00Z")
            .paper("v-developer", "agree", "2026-12-03T02:00:00Z")
            .paper("v-d", "agree", "2026-12-04T02:00:00Z")
            .close())


def _objected(story: Story) -> Story:
    close_at = len(story.entries) - 1
    story.entries.append({"kind": "objection", "time": OBJECTION_AT,
                          "body": objection.objection_body(voter="v-c", text="我没有投票",
                                                           channel="online")})
    story.entries.append({"kind": "answer", "time": ANSWER_AT, "body": objection.answer_body(
        objection=close_at + 1, decision="rejected", text="已核实", answered_by="chair")})
    return story


def _result(story: Story) -> Story:
    close_at = next(n for n, e in enumerate(story.entries) if e["kind"] == "close")
    preliminary = story.entries[close_at]["body"]["tally"]["passed"]
    story.entries.append({"kind": "result", "time": RESULT_AT, "body": objection.result_body(
        close=close_at, preliminary=preliminary, objections=[close_at + 1],
        answers={close_at + 1: (close_at + 2, "rejected")})})
    return story


def _bundle(story: Story) -> bytes:
    out = io.BytesIO()
    write_bundle(out, proposal=story.proposal, roll=story.roll, chain=story.seal(),
                 private_key=SERVER, keyring=signing.KeyRing({KEY_ID: SERVER.public_key()}),
                 created_at="2026-12-12T02:00:00Z")
    return out.getvalue()


def test_without_an_objection_period_the_close_is_the_result():
    report = verify(_bundle(_passing(objection_days=0)))
    assert report.ok, report.render()
    assert "结果 result: 通过 PASSED" in report.render().splitlines()
    assert "初步" not in report.render() and "preliminary" not in report.render()


def test_during_the_objection_period_the_report_says_the_result_is_preliminary():
    """Exported after the close, before the period ends (§17): PRELIMINARY, and the ballots'
    result is the preliminary one; it said "结果 result: 通过 PASSED" as a final vote would."""
    for story in (_passing(), _objected(_passing())):
        report = verify(_bundle(story))
        assert report.outcome == "preliminary" and not report.failures, report.render()
        text = report.render()
        result = [line for line in text.splitlines() if "result" in line]
        assert result and all("初步结果" in line and "preliminary" in line for line in result), text
        assert "尚无最终结果" in text and "no final result yet" in text, text
        assert report.to_json()["preliminary"] is True


def test_after_the_final_result_the_close_reads_as_preliminary_and_the_final_follows():
    report = verify(_bundle(_result(_objected(_passing()))))
    assert report.ok, report.render()
    lines = report.render().splitlines()
    first = next(n for n, line in enumerate(lines) if "result" in line.lower())
    assert "初步结果" in lines[first] and "通过 PASSED" in lines[first], lines
    assert any(line.startswith("最终结果 Final result") and "通过 PASSED" in line
               for line in lines[first + 1:]), lines
    assert "尚无最终结果" not in "\n".join(lines)
    assert report.to_json()["preliminary"] is False


def test_a_failed_report_does_not_show_the_bundles_final_result_as_checked():
    """The close's tally says passed while its ballots do not pass, and the result entry
    repeats it: the report FAILED, yet it printed "最终结果 Final result: 通过 PASSED" from
    the bundle, unmarked, after "结果 result: 无法确认"."""
    story = _passing()
    close = story.entries[-1]["body"]
    # v-b and v-developer disagree in truth; the close keeps the passing tally.
    for n, voter in ((2, "v-b"), (3, "v-developer")):
        committed, secret = story.commit(voter, "disagree", story.entries[n]["time"])
        story.entries[n]["body"] = dict(story.entries[n]["body"], commitment=committed)
        story.entries[n]["secret"] = secret
    close["openings"] = [o.to_dict() for o in story.openings(story.seal()[:-1])]
    story = _result(_objected(story))
    report = verify(_bundle(story))
    assert report.outcome == "failed" and "7.4" in {f.step for f in report.failures}
    lines = report.render().splitlines()
    final = next(n for n, line in enumerate(lines) if line.startswith("最终结果"))
    assert any("未经验证" in line and "NOT verified" in line for line in lines[:final]
               if "recomputed" not in line), lines
    assert lines[-1].startswith("结论 verdict: 验证失败")


def test_the_command_says_preliminary(tmp_path, capsys):
    path = tmp_path / "bundle.zip"
    path.write_bytes(_bundle(_objected(_passing())))
    assert main([str(path), "--key-id", KEY_ID]) == 5
    out = capsys.readouterr().out
    assert "初步结果" in out and "尚无最终结果" in out


def test_texts_bound_by_commitments_verify_and_a_plain_digest_beside_one_fails():
    """Objections and answers now bind their texts by a salted commitment (§17); entries
    that bound the plain digest still verify (the vectors above). An entry carrying both
    would publish the plain digest the commitment keeps back, and one carrying neither
    binds nothing: each fails its step."""
    salt = "ab" * 32
    story = _passing()
    close_at = len(story.entries) - 1
    story.entries.append({"kind": "objection", "time": OBJECTION_AT,
                          "body": objection.objection_body(
                              voter="v-c", text="我没有投票", channel="online",
                              proposal=story.proposal["uid"], salt=salt)})
    story.entries.append({"kind": "answer", "time": ANSWER_AT, "body": objection.answer_body(
        objection=close_at + 1, decision="rejected", text="已核实", answered_by="chair",
        proposal=story.proposal["uid"], salt=salt)})
    body = story.entries[close_at + 1]["body"]
    assert "text" not in body and body["text_commitment"] == objection.text_commitment(
        story.proposal["uid"], salt, "我没有投票")
    report = verify(_bundle(_result(story)))
    assert report.ok, report.render()
    assert f"text commitment {body['text_commitment']}" in report.render()

    body["text"] = objection.text_digest("我没有投票")
    story.entries[close_at + 2]["body"].pop("text_commitment")
    report = verify(_bundle(story))
    assert {f.step for f in report.failures} == {"17.1", "17.2"}, report.render()
