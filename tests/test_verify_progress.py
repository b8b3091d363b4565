"""`votes verify` says on stderr which step it is checking (a city's bundle takes tens of
seconds); stdout is the report alone, as before, for the scripts that read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

STEPS_ZH = ["正在核对第 1 步（读取导出包，核对其结构）…", "正在核对第 2 步（文件摘要）…",
            "正在核对第 3 步（清单与密钥）…", "正在核对第 4 步（记录链的衔接）…",
            "正在核对第 5 步（创始记录与表决事项）…", "正在核对第 6 步（选票）…",
            "正在核对第 7–8 步（表决结束与计票）…", "正在核对第 10–11 步（见证与回执）…",
            "正在核对第 15–19 步（更正、议事规则、异议、工程与资金）…",
            "正在核对第 4.4 步（每条记录的签名）…"]


def _votes(*args: str, lang: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "VOTES_LANG"}
    if lang:
        env["VOTES_LANG"] = lang
    return subprocess.run([sys.executable, "-c", "from votes.cli import main; main()", *args],
                          env=env, capture_output=True, text=True)


def _bundle(tmp_path):
    from tests.bundles import good_story

    path = tmp_path / "good.zip"
    path.write_bytes(good_story().bundle())
    return path


def test_verify_says_each_step_on_stderr_and_only_the_report_on_stdout(tmp_path):
    from tests.bundles import KEY_ID
    from votes.core.verifier import verify_bundle

    path = _bundle(tmp_path)
    done = _votes("verify", str(path), "--key-id", KEY_ID)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == STEPS_ZH
    assert done.stdout == verify_bundle(str(path), key_ids=[KEY_ID]).render() + "\n"
    as_json = _votes("verify", str(path), "--key-id", KEY_ID, "--json")
    assert json.loads(as_json.stdout)["ok"] is True
    assert as_json.stderr.splitlines() == STEPS_ZH


def test_verify_progress_in_english_with_votes_lang_en(tmp_path):
    from tests.bundles import KEY_ID

    done = _votes("verify", str(_bundle(tmp_path)), "--key-id", KEY_ID, lang="en")
    lines = done.stderr.splitlines()
    assert lines[0] == "checking step 1 (reading the bundle, its structure) …", done.stderr
    assert lines[-1] == "checking step 4.4 (every entry's signature) …"
    assert len(lines) == len(STEPS_ZH) and done.returncode == 0


def test_an_unreadable_bundle_says_its_first_step_only(tmp_path):
    from tests.bundles import KEY_ID

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    done = _votes("verify", str(junk), "--key-id", KEY_ID)
    assert done.returncode != 0 and done.stderr.splitlines() == STEPS_ZH[:1]
    assert "[1.1]" in done.stdout
