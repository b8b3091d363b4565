"""`votes doctor` lists every problem with the secrets at once: it stopped at the first, so
an operator who fixed a generated passphrase learnt only on the next run that the session
key was still the example file's change-me, and on the one after that the data key."""

from __future__ import annotations

from tests.conftest import TEST_CONFIG


def test_each_secret_problem_is_named(tmp_path):
    from votes import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite:///" + str(tmp_path / "v.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "BASE_URL": "https://votes.example.cn", "TRUSTED_PROXIES": 1,
                      "SECRET_KEY": "change-me", "DATA_KEY": "abc", "KEY_PASSPHRASE": ""})
    result = app.test_cli_runner().invoke(args=["doctor"], env={"VOTES_LANG": "zh_CN"})
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("✗")]
    assert any("VOTES_KEY_PASSPHRASE 是在实例目录自动生成的" in line for line in failed), failed
    assert any("VOTES_SECRET_KEY 仍是示例文件中的 change-me" in line for line in failed), failed
    assert any("VOTES_DATA_KEY 必须是 32 字节" in line for line in failed), failed
    assert "密钥已设置" not in result.output
