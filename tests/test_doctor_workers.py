"""`votes doctor` and the number of gunicorn workers: doctor took an unset
VOTES_GUNICORN_WORKERS for one process, while config/gunicorn.conf.py starts 4, and it read
WEB_CONCURRENCY, which that config ignores. In-memory rate limits then passed doctor on a
host where 4 workers each counted on their own, every limit multiplied by 4."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.conftest import TEST_CONFIG

CONF = str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py")
UNSET = {"VOTES_GUNICORN_WORKERS": None, "WEB_CONCURRENCY": None}


def _doctor(tmp_path, env):
    from votes import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite:///" + str(tmp_path / "v.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["doctor"],
                                          env={**UNSET, "VOTES_LANG": "en", **env})
    return result.exit_code, [line for line in result.output.splitlines()
                              if line.startswith("✗")]


def _gunicorn_workers(monkeypatch, env) -> int:
    for name, value in {**UNSET, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)["workers"]


@pytest.mark.parametrize("env", [{}, {"WEB_CONCURRENCY": "1"},
                                 {"VOTES_GUNICORN_WORKERS": "", "WEB_CONCURRENCY": "1"},
                                 {"VOTES_GUNICORN_WORKERS": "3"}])
def test_memory_limits_fail_where_gunicorn_starts_several_workers(tmp_path, monkeypatch, env):
    assert _gunicorn_workers(monkeypatch, env) > 1
    code, failed = _doctor(tmp_path, env)
    assert code == 1
    [limits] = failed
    assert "gunicorn workers" in limits and "VOTES_RATELIMIT_STORAGE_URI=redis://" in limits, \
        limits
    assert f"{_gunicorn_workers(monkeypatch, env)} gunicorn workers" in limits, limits


@pytest.mark.parametrize("env", [{"VOTES_GUNICORN_WORKERS": "1"},
                                 {"VOTES_GUNICORN_WORKERS": " 1 ", "WEB_CONCURRENCY": "8"}])
def test_memory_limits_pass_where_gunicorn_starts_one_worker(tmp_path, monkeypatch, env):
    assert _gunicorn_workers(monkeypatch, env) == 1
    code, failed = _doctor(tmp_path, env)
    assert code == 0, failed


def test_a_worker_count_gunicorn_refuses_fails_doctor_too(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="VOTES_GUNICORN_WORKERS"):
        _gunicorn_workers(monkeypatch, {"VOTES_GUNICORN_WORKERS": "four"})
    code, failed = _doctor(tmp_path, {"VOTES_GUNICORN_WORKERS": "four"})
    assert code == 1
    assert any("VOTES_GUNICORN_WORKERS" in line and "whole number" in line
               for line in failed), failed
