"""`votes doctor` and a VOTES_DATA_KEY that is no secret: 32 bytes of base64 was all it
asked, so 32 zero bytes (AAAA…=), one letter 32 times, or a phrase base64-encoded passed,
though that key encrypts every owner's name, ID number and phone and keys the voting
links. Such a key fails, as a short session key does, the value never printed; one that
already encrypted the stored data (no command re-encrypts it) is told, not failing, so the
unit that runs doctor before every start still starts."""

from __future__ import annotations

import base64
import os

import pytest

from tests.conftest import TEST_CONFIG
from tests.test_data_key import _with_a_ballot

WEAK = [base64.b64encode(b"\0" * 32).decode(),
        base64.b64encode(b"k" * 32).decode(),
        base64.b64encode(bytes(range(8)) * 4).decode(),
        base64.b64encode(b"the-data-key-of-our-votes-app-01").decode()]
ONE_WORKER = {"VOTES_GUNICORN_WORKERS": "1"}


def _doctor(app, language="zh_CN"):
    result = app.test_cli_runner().invoke(args=["doctor"],
                                          env={"VOTES_LANG": language, **ONE_WORKER})
    return result.exit_code, result.output


def _fresh(tmp_path, key):
    from votes import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite:///" + str(tmp_path / "v.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance"), "DATA_KEY": key})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    return app


@pytest.mark.parametrize("key", WEAK)
def test_a_data_key_that_is_no_secret_fails(tmp_path, key):
    app = _fresh(tmp_path, key)
    for language, words in (("zh_CN", "不像随机生成"), ("en", "does not look randomly generated")):
        code, out = _doctor(app, language)
        failed = [line for line in out.splitlines() if line.startswith("✗")]
        assert code == 1, out
        assert len(failed) == 1 and "VOTES_DATA_KEY" in failed[0] and words in failed[0], out
        assert key not in out and base64.b64decode(key).decode("latin-1") not in out


def test_a_random_data_key_passes(tmp_path):
    code, out = _doctor(_fresh(tmp_path, base64.b64encode(os.urandom(32)).decode()))
    assert code == 0, out


def test_the_suites_own_data_key_is_a_random_one(tmp_path):
    code, out = _doctor(_fresh(tmp_path, TEST_CONFIG["DATA_KEY"]))
    assert code == 0, out


def test_a_weak_key_that_already_encrypted_the_data_is_told_not_failed(app, runner, tmp_path):
    app.config["DATA_KEY"] = WEAK[1]
    _with_a_ballot(app, runner, tmp_path)
    code, out = _doctor(app)
    assert "⚠ VOTES_DATA_KEY" in out and "不像随机生成" in out and "✗ VOTES_DATA_KEY" not in out, \
        out
    assert WEAK[1] not in out
