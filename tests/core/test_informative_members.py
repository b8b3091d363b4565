"""report.txt and ballots.csv are the server's own summaries (docs/verification.md §2.1):
covered by the manifest's digests, never checked against the chain. They are not a failing
check (older bundles' report.txt was rendered by older code), but the verifier's report
says that they were not checked and that its own figures are what count (§7): an operator
holding the server key can write 通过 into report.txt where the chain says 未通过."""

from __future__ import annotations

from tests.bundles import KEY_ID, files_of, good_story
from tests.core.tamper_tools import rebundle
from votes.verify import main

NOTE_ZH = "report.txt 和 ballots.csv 是服务器自行生成的摘要，未经本验证核对，以本报告的数字为准"
NOTE_EN = ("report.txt and ballots.csv are the server's own summaries and were not checked: "
           "the figures of this report are what count")


def _verify(data: bytes, tmp_path, capsys) -> tuple[int, str]:
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    code = main([str(path), "--key-id", KEY_ID])
    return code, capsys.readouterr().out


def test_a_report_txt_saying_passed_is_not_what_counts(tmp_path, capsys):
    files = files_of(good_story().bundle())
    assert "未通过 NOT PASSED" in files["report.txt"].decode()
    files["report.txt"] = files["report.txt"].decode().replace(
        "未通过 NOT PASSED", "通过 PASSED").encode()
    files["ballots.csv"] = files["ballots.csv"].replace("反对 disagree".encode(),
                                                        "同意 agree".encode())
    code, out = _verify(rebundle(files), tmp_path, capsys)
    assert code == 0 and "结果 result: 未通过 NOT PASSED" in out, out
    assert f"{NOTE_ZH} / {NOTE_EN}" in out, out
    # Said before the verdict, which stays the last line (§7).
    lines = out.strip().splitlines()
    assert lines[-1].startswith("结论 verdict") and NOTE_ZH in lines[-2], out


def test_every_report_says_it(tmp_path, capsys):
    code, out = _verify(good_story().bundle(), tmp_path, capsys)
    assert code == 0 and NOTE_ZH in out and NOTE_EN in out
    broken = files_of(good_story().bundle())
    broken["roll.json"] = b"{}"
    code, out = _verify(rebundle(broken), tmp_path, capsys)
    assert code == 1 and NOTE_ZH in out and out.strip().splitlines()[-1].startswith("结论")
