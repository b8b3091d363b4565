"""`votes doctor` and secrets too short to be secret: VOTES_SECRET_KEY=x (or "secret")
passed every check, though whoever guesses the session key forges any staff session; and
VOTES_KEY_PASSPHRASE=a, the only thing between a copy of the key folder (a backup, the
shared mount) and the server's signing key, passed too."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG


def _doctor(tmp_path, **secrets):
    from votes import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite:///" + str(tmp_path / "v.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance"), **secrets})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    # One gunicorn worker: in-memory rate limits hold, so only the secret is in question.
    result = app.test_cli_runner().invoke(args=["doctor"], env={"VOTES_LANG": "zh_CN",
                                                                "VOTES_GUNICORN_WORKERS": "1"})
    return result.exit_code, [line for line in result.output.splitlines()
                              if line.startswith("✗")]


@pytest.mark.parametrize("name, value", [("SECRET_KEY", "x"), ("SECRET_KEY", "secret"),
                                         ("SECRET_KEY", "  short-padded  "),
                                         ("KEY_PASSPHRASE", "a"),
                                         ("KEY_PASSPHRASE", "passw0rd")])
def test_a_secret_too_short_to_be_secret_fails(tmp_path, name, value):
    code, failed = _doctor(tmp_path, **{name: value})
    assert code == 1
    assert len(failed) == 1 and f"VOTES_{name}" in failed[0] and "至少 16 个字符" in failed[0], \
        failed
    if len(value.strip()) > 2:
        assert value.strip() not in failed[0]  # the value itself is never printed


def test_secrets_of_sixteen_characters_or_more_pass(tmp_path):
    code, failed = _doctor(tmp_path, SECRET_KEY="s" * 16, KEY_PASSPHRASE="p" * 40)
    assert code == 0, failed


def test_a_password_in_the_urls_query_is_not_printed(tmp_path):
    """libpq and redis-py both take the password as ?password=…: doctor hid only the one
    before the @, and printed the other whole (the console, the journal of every start)."""
    from votes import create_app

    app = create_app({**TEST_CONFIG, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": "postgresql://votes@127.0.0.1:1/votes?password=hunter2db",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0?password=hunter2redis"})
    result = app.test_cli_runner().invoke(args=["doctor"], env={"VOTES_LANG": "zh_CN"})
    assert result.exit_code == 1
    assert "hunter2" not in result.output, result.output
    assert "127.0.0.1:1/votes" in result.output and "127.0.0.1:1/0" in result.output
