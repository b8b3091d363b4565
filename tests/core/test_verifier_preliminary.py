"""A closed vote whose result is still open to objections (§17) has its own outcome.

With objection_days > 0 a bundle exported after the close but before the final result was
VERIFIED, exit status 0: a regulator or a script reading only the exit status released
money on a result that objections may still change. It is PRELIMINARY, exit status 5, and
its verdict says until when objections may be filed.
"""

from __future__ import annotations

import io

from tests.bundles import KEY_ID, SERVER, Story, files_of, rezip, verify_json
from tests.core.test_verifier_report_objections import _bundle, _objected, _passing, _result
from tests.core.tamper_tools import verify
from votes.core import signing
from votes.core.bundle import write_bundle
from votes.verify import main

# The close is at 2026-12-08T01:00:00Z; three days later is 09:00 in Beijing.
UNTIL = "2026-12-11 09:00"


def _verdict(report) -> str:
    return report.render().splitlines()[-1]


def test_a_closed_vote_awaiting_its_final_result_is_preliminary():
    for story in (_passing(), _objected(_passing())):
        report = verify(_bundle(story))
        assert report.outcome == "preliminary" and not report.ok, report.render()
        assert report.exit_code == 5 and not report.failures
        verdict = _verdict(report)
        assert verdict.startswith("结论 verdict: 链完整"), verdict
        zh, en = verdict.split(" / ", 1)
        assert "初步结果" in zh and UNTIL in zh and "尚无最终结果" in zh, verdict
        assert "PRELIMINARY" in en and UNTIL in en and "no final result" in en, verdict
        assert report.render().splitlines()[0] == verdict.removeprefix("结论 verdict: ")


def test_the_command_exits_5_and_its_json_says_preliminary(tmp_path, capsys):
    code, data = verify_json(_bundle(_objected(_passing())), tmp_path, capsys)
    assert code == 5
    assert data["outcome"] == "preliminary" and data["exit_code"] == 5 and data["ok"] is False
    assert data["objections_until"] == UNTIL
    path = tmp_path / "bundle.zip"
    assert main([str(path), "--key-id", KEY_ID]) == 5
    assert "异议期" in capsys.readouterr().out.splitlines()[-1]


def test_once_the_final_result_is_in_the_bundle_it_is_verified(tmp_path, capsys):
    code, data = verify_json(_bundle(_result(_objected(_passing()))), tmp_path, capsys)
    assert code == 0 and data["outcome"] == "verified" and data["objections_until"] is None


def test_without_an_objection_period_a_closed_vote_is_verified(tmp_path, capsys):
    code, data = verify_json(_bundle(_passing(objection_days=0)), tmp_path, capsys)
    assert code == 0 and data["outcome"] == "verified"


def test_an_interim_bundle_with_an_objection_period_is_still_in_progress(tmp_path, capsys):
    story = Story()
    story.rules["objection_days"] = 3
    story.genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
    out = io.BytesIO()
    write_bundle(out, proposal=story.proposal, roll=story.roll, chain=story.seal(),
                 private_key=SERVER, keyring=signing.KeyRing({KEY_ID: SERVER.public_key()}),
                 created_at="2026-12-02T02:00:00Z")
    code, data = verify_json(out.getvalue(), tmp_path, capsys)
    assert code == 3 and data["outcome"] == "in_progress", data


def test_a_tampered_preliminary_bundle_fails(tmp_path, capsys):
    files = files_of(_bundle(_objected(_passing())))
    files["roll.json"] = files["roll.json"].replace(b'"v-a"', b'"v-z"', 1)
    code, data = verify_json(rezip(files, resign=True), tmp_path, capsys)
    assert code == 1 and data["outcome"] == "failed" and data["objections_until"] is None


def test_without_a_trust_anchor_it_is_signer_not_confirmed(tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(_bundle(_objected(_passing())))
    assert main([str(path)]) == 4
