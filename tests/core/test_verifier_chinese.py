"""The verifier's report is read by regulators (区县住建部门) who read Chinese: each failure's
detail and each not-checked reason of the genesis, ballot, close, form, correction and 从多
steps is written "中文 / English", the English kept as docs/verification.md gives it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.bundles import files_of, good_story
from tests.core.tamper_tools import entries_of, rebundle, reseal_lines
from votes.core.verifier import verify_bundle
from votes.verify import main

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vectors"
# The steps of verifier.py, verifier_vote.py, verifier_forms.py, verifier_correction.py and
# verifier_follow.py (the others are their own files').
OURS = re.compile(r"^(5\.\d+|6\.\d+|7\.\d+|8\.1|9\.1|15\.[123]|19\.\d+)$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _bilingual(text: str) -> bool:
    """Chinese first, then " / " and the English."""
    zh, sep, en = text.partition(" / ")
    return bool(sep) and CJK.search(zh) is not None and re.search(r"[a-z]", en) is not None


def test_votes_verify_prints_a_tampered_ballot_s_failure_in_chinese_first(tmp_path, capsys):
    # An insider re-seals the chain with a paper ballot that names no clerk.
    good = good_story().bundle()
    entries = entries_of(good)
    assert entries[1]["body"]["channel"] == "paper"
    entries[1]["body"]["entered_by"] = None
    files = files_of(good)
    files["chain.jsonl"] = reseal_lines(entries)
    path = tmp_path / "bundle.zip"
    path.write_bytes(rebundle(files))
    code = main([str(path), "--key-id", json.loads(
        (VECTORS / "vectors.json").read_text("utf-8"))["anchor"]["key_id"]])
    out = capsys.readouterr().out
    assert code == 1, out
    assert ("[6.6] 第 1 条记录 entry 1: 纸质或委托选票没有录入人（entered_by）或书面凭证的 SHA-256 摘要 / "
            "paper/proxy ballot without entered_by and a SHA-256 hex evidence digest") in out, out


def _vectors() -> list[str]:
    listing = json.loads((VECTORS / "vectors.json").read_text("utf-8"))
    return [v["file"] for v in listing["vectors"] if v["outcome"] != "verified"]


@pytest.mark.parametrize("name", _vectors())
def test_every_failure_and_skip_of_these_steps_in_the_vectors_is_bilingual(name):
    key_id = json.loads((VECTORS / "vectors.json").read_text("utf-8"))["anchor"]["key_id"]
    report = verify_bundle(VECTORS / name, key_ids=[key_id])
    for f in report.failures:
        if OURS.match(f.step) or "unexpected shape" in f.message:
            assert _bilingual(f.message), f
    for s in report.skipped:
        if s.step in ("2–19", "15–19") or any(OURS.match(p.strip())
                                               for p in re.split(r"[,–]", s.step)):
            assert _bilingual(s.reason), s
