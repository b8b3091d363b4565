"""Issue 9 item 3: voting tokens and cookies never reach the logs, under gunicorn itself."""

from __future__ import annotations

import base64
import logging
import secrets

import pytest

from tests.conftest import TEST_CONFIG
from tests.servers import Browser, gunicorn_or_skip, start_gunicorn


def _server_env(url: str, instance) -> dict[str, str]:
    return {"VOTES_DATABASE_URL": url, "VOTES_INSTANCE_PATH": str(instance),
            "VOTES_SECRET_KEY": "gunicorn-log-test-secret",
            "VOTES_DATA_KEY": TEST_CONFIG["DATA_KEY"],
            "VOTES_KEY_PASSPHRASE": TEST_CONFIG["KEY_PASSPHRASE"],
            "VOTES_GUNICORN_ACCESSLOG": "-"}


def test_gunicorn_access_log_masks_tokens_and_never_writes_cookies(sqlite_template, tmp_path):
    import shutil

    gunicorn_or_skip(pytest)
    db = tmp_path / "votes.sqlite3"
    shutil.copy(sqlite_template, db)
    token = base64.urlsafe_b64encode(secrets.token_bytes(18)).decode()
    cookie = "session=" + secrets.token_hex(24)
    csrf_cookie = secrets.token_hex(20)
    # An operator who adds cookies, the referer, query and environ to the format still
    # gets none of the secrets.
    fmt = ('%(h)s "%(r)s" %(s)s U=%(U)s q=%(q)s f=%(f)s c=%({cookie}i)s '
           'e=%({http_cookie}e)s raw=%({raw_uri}e)s o=%({set-cookie}o)s')
    server = start_gunicorn(_server_env(f"sqlite:///{db}", tmp_path / "instance"),
                            tmp_path / "logs", args=("--access-logformat", fmt))
    try:
        browser = Browser()
        headers = {"Cookie": f"{cookie}; csrf={csrf_cookie}",
                   "Referer": f"http://127.0.0.1/v/{token}"}
        assert browser.get(f"{server.base}/v/{token}", headers=headers).status == 404
        assert browser.get(f"{server.base}/?next=%2Fv%2F{token}", headers=headers).status == 200
        served = browser.get(f"{server.base}/?lang=en")
        assert served.status == 200 and "session=" in served.headers.get("Set-Cookie", "")
    finally:
        server.stop()
    out, err = server.logs()
    everything = out + err
    access = [line for line in out.splitlines() if '"GET ' in line]
    assert len(access) >= 3, everything[-2000:]
    assert any('"GET /v/*** HTTP/1.1" 404' in line for line in access), access
    assert token not in everything
    assert cookie.split("=", 1)[1] not in everything and csrf_cookie not in everything
    set_cookie = served.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert set_cookie not in everything
    assert "Logging error" not in err and "Traceback" not in err


def test_filter_masks_dict_and_tuple_args_in_process():
    from votes.web.logs import TokenFilter

    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    atoms = {"r": f"GET /v/{token} HTTP/1.1", "{cookie}i": "session=abc", "s": 302,
             "{http_cookie}e": "session=abc", "f": f"https://x/%2Fv%2F{token}"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '"%(r)s" %(s)s %({cookie}i)s %(f)s', (atoms,), None)
    TokenFilter().filter(record)
    text = record.getMessage()
    assert token not in text and "abc" not in text and '"GET /v/*** HTTP/1.1" 302' in text
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s',
                               (f"GET /v/{token}?x=1 HTTP/1.1", 200), None)
    TokenFilter().filter(record)
    assert record.getMessage() == '"GET /v/***?x=1 HTTP/1.1" 200'


def test_the_configured_access_log_format_formats_masked_atoms():
    import runpy

    from gunicorn.glogging import SafeAtoms

    from tests.servers import ROOT
    from votes.web.logs import scrub_atoms

    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert conf["logger_class"] == "votes.web.gunicorn_log.MaskedLogger"
    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    atoms = {"h": "198.51.100.7", "t": "[25/Nov/2026:10:00:00 +0800]", "s": "302", "b": "0",
             "r": f"GET /v/{token} HTTP/1.1", "M": 12, "a": "Mozilla/5.0",
             "{cookie}i": "session=abc"}
    line = conf["access_log_format"] % SafeAtoms(scrub_atoms(atoms))
    assert line == ('198.51.100.7 [25/Nov/2026:10:00:00 +0800] "GET /v/*** HTTP/1.1" 302 0 '
                    '12ms "Mozilla/5.0"')


def test_a_server_error_on_a_voting_link_does_not_log_the_token(sqlite_app, caplog):
    # Flask logs "Exception on <path> [GET]" with the traceback on a 500.
    token = "AbCdEfGhIjKlMnOpQrStUvWx"

    @sqlite_app.get("/v/<token>/boom")
    def boom(token):
        raise RuntimeError(f"failed for /v/{token}")

    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger="votes"):
        r = sqlite_app.test_client().get(f"/v/{token}/boom")
    assert r.status_code == 500
    assert "Exception on /v/***" in caplog.text and "RuntimeError: failed for /v/***" in caplog.text
    assert token not in caplog.text
