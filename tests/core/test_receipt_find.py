"""A receipt code someone shows you, looked up in a verified bundle offline: `votes verify
--find-receipt CODE`. The board answers from the server's database; a neighbour holding the
owner's hand-written code, with the bundle the regulator verifies, had no way to find the
ballot in it (the signed receipt file is on the owner's phone, if it was saved at all)."""

from __future__ import annotations

import json

from tests.bundles import KEY_ID, Story, files_of, rezip
from votes.core.receipt_code import grouped, short_code
from votes.verify import main as verify_main


def _story() -> Story:
    story = Story()
    story.proposal["max_changes"] = 1
    return (story.genesis()
            .paper("v-a", "agree", "2026-12-01T02:00:00Z")
            .paper("v-a", "disagree", "2026-12-02T02:00:00Z")  # the owner's change
            .paper("v-developer", "disagree", "2026-12-03T02:00:00Z")
            .close())


def test_a_hand_written_code_is_found_in_the_verified_chain(tmp_path, capsys):
    story = _story()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle(sealed))
    first, second = sealed[1].digest, sealed[2].digest
    # As copied by hand: lower case, spaces, O for 0 and l for 1, full-width.
    typed = grouped(short_code(second)).lower().replace("-", " ")
    typed = typed.replace("0", "o").replace("1", "l")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else "－"
                        for c in grouped(short_code(first)))
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--find-receipt", typed,
                        "--find-receipt", fullwidth, "--find-receipt", "ZZZZ-ZZZZ-ZZ",
                        "--find-receipt", "not a code"]) == 0
    out = capsys.readouterr().out
    assert f"{grouped(short_code(second))}：第 2 条记录，已计入表决结果（纸质）" in out, out
    assert f"{grouped(short_code(first))}：第 1 条记录，已被第 2 条记录取代，不计入表决结果" in out
    assert "ZZZZ-ZZZZ-ZZ：本导出包中没有这张选票" in out
    assert "不是回执码" in out
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--find-receipt", second,
                        "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["receipt_lookups"]
    assert found == [{"code": second, "seq": 2, "status": "counted", "channel": "paper",
                      "replaced_by": None}], found


def test_nothing_is_looked_up_in_a_bundle_that_failed(tmp_path, capsys):
    story = _story()
    sealed = story.seal()
    files = files_of(story.bundle(sealed))
    files["roll.json"] = files["roll.json"].replace(b'"v-a"', b'"v-x"', 1)
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(rezip(files, resign=True))
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--find-receipt",
                        sealed[2].digest]) == 1
    captured = capsys.readouterr()
    assert "已计入" not in captured.out and "未查找回执：导出包未通过验证" in captured.err


def test_a_hostile_code_is_shown_escaped_and_cut_never_a_traceback(tmp_path):
    """What the operator typed or pasted, repeated in "not a receipt code": bytes that are
    no UTF-8 (a GBK terminal's), an escape sequence, a direction override, 100,000
    characters. The JSON report held the surrogate the bytes decode to and printing it
    raised UnicodeEncodeError (a traceback, exit 1: "failures found") wherever stdout is
    strict UTF-8; the text line repeated the code whole."""
    import os
    import subprocess
    import sys

    story = _story()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle(story.seal()))
    hostile = [b"\xff\xfe", b"\x1b[2J\x1b[31mRED\xe2\x80\xae", b"Q" * 100_000]
    env = dict(os.environ, PYTHONIOENCODING="utf-8", VOTES_LANG="")
    base = [sys.executable, "-m", "votes.verify", str(bundle).encode(), b"--key-id",
            KEY_ID.encode()]
    for code in hostile:
        for extra in ([], [b"--json"]):
            done = subprocess.run(base + [b"--find-receipt", code] + extra, env=env,
                                  capture_output=True, timeout=120)
            assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr[-800:]
            out = done.stdout.decode("utf-8")
            assert "\x1b" not in out and "\u202e" not in out
            assert max(map(len, out.splitlines())) < 400
            if extra:
                [row] = json.loads(out)["receipt_lookups"]
                assert row["status"] == "invalid" and len(row["code"]) <= 81
            else:
                assert "不是回执码" in out
    found = subprocess.run(base + [b"--find-receipt", b"\xff\xfe"], env=env,
                           capture_output=True, timeout=120).stdout.decode("utf-8")
    assert "\\u{DCFF}\\u{DCFE}" in found


def test_a_withdrawn_ballot_stays_withdrawn_when_its_voter_votes_again(tmp_path, capsys):
    """§11.2: a clerk withdrew v-b's paper ballot, then v-b voted again. The later ballot did
    not replace the withdrawn one (that had stopped counting at the withdrawal): the lookup
    must say withdrawn, not "superseded by" the new ballot as if it were the owner's change —
    the owner is the one who must learn that staff took their ballot back."""
    from tests.core.test_withdrawal_steps import withdraw

    story = Story().genesis().paper("v-a", "agree", "2026-12-01T02:00:00Z")
    story.paper("v-b", "agree", "2026-12-02T02:00:00Z")
    withdraw(story, "v-b", 2, "2026-12-02T03:00:00Z")
    story.paper("v-b", "disagree", "2026-12-03T02:00:00Z").close()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle(sealed))
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--json",
                        "--find-receipt", sealed[2].digest,
                        "--find-receipt", sealed[4].digest]) == 0
    found = json.loads(capsys.readouterr().out)["receipt_lookups"]
    assert [(f["seq"], f["status"], f["replaced_by"]) for f in found] == [
        (2, "withdrawn", None), (4, "counted", None)], found


def test_a_corrected_ballot_is_withdrawn_with_its_correction(tmp_path, capsys):
    """A withdrawal of a corrected paper ballot takes back the corrected entry too (§15, as
    6.7 counts it; the server marks both withdrawn, and the board says so): the first
    entry's code said "superseded by" the correction, itself withdrawn, as if a ballot of
    the voter still stood on it."""
    from tests.core.test_withdrawal_steps import fix, withdraw

    story = Story().genesis().paper("v-b", "agree", "2026-12-01T02:00:00Z")
    fix(story, "v-b", "disagree", 1, "2026-12-01T03:00:00Z")
    withdraw(story, "v-b", 2, "2026-12-01T04:00:00Z")
    story.paper("v-b", "agree", "2026-12-02T02:00:00Z").close()
    sealed = story.seal()
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(story.bundle(sealed))
    assert verify_main([str(bundle), "--key-id", KEY_ID, "--json",
                        *[a for s in sealed[1:5] if s.entry["kind"] == "ballot"
                          for a in ("--find-receipt", s.digest)]]) == 0
    found = json.loads(capsys.readouterr().out)["receipt_lookups"]
    assert [(f["seq"], f["status"], f["replaced_by"]) for f in found] == [
        (1, "withdrawn", None), (2, "withdrawn", None), (4, "counted", None)], found
