"""Personal data and credentials never reach the logs from any of the app's loggers.

A logger's filters run only for records logged on that logger itself, not for those that
propagate up from its children: a filter on "votes" left `votes.services.access` and
`votes.services.sms_outbox` unmasked, whichever handler wrote them."""

from __future__ import annotations

import io
import logging

import pytest

from tests.conftest import TEST_CONFIG
from tests.servers import Browser, gunicorn_or_skip, start_gunicorn

TOKEN = "AbCdEfGhIjKlMnOpQrStUvWx"
PHONE = "13812345678"
ID_NUMBER = "35050219900101123X"
CODE = "604817"
LINE = (f"sent to {PHONE} for /v/{TOKEN} owner {ID_NUMBER} 验证码 {CODE} "
        "proposal 4821 took 137ms at 1732500000000")
MASKED = ("sent to 138****5678 for /v/*** owner 3505************** 验证码 ****** "
          "proposal 4821 took 137ms at 1732500000000")


def _secrets_absent(text: str) -> None:
    for secret in (TOKEN, PHONE, "3812345", ID_NUMBER, "0101123", CODE):
        assert secret not in text, text


@pytest.mark.parametrize("name", ["votes.services.access", "votes.services.sms_outbox",
                                  "votes.instance", "votes"])
def test_a_child_logger_of_the_app_is_masked_in_every_handler(sqlite_app, caplog, name):
    # Flask's own handler sits on "votes" (app.logger); the one here stands for it, and
    # caplog's sits on the root, as an operator's logging configuration would.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    app_logger = logging.getLogger("votes")
    app_logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger(name).error("%s", LINE)
            try:
                raise RuntimeError(f"gateway refused {PHONE} code {CODE}")
            except RuntimeError:
                logging.getLogger(name).exception("SMS outbox job failed for %s", ID_NUMBER)
    finally:
        app_logger.removeHandler(handler)
    for text in (stream.getvalue(), caplog.text):
        _secrets_absent(text)
        assert MASKED in text and "RuntimeError: gateway refused 138****5678 code ******" in text


def test_lines_outside_the_app_are_masked_through_the_last_resort(sqlite_app, capsys):
    # A logger nobody gave a handler (a command run outside a request): Python's last
    # resort writes the record to stderr.
    logger = logging.getLogger("votes_unhandled_child_for_test")
    logger.propagate = False
    logger.error("%s", LINE)
    err = capsys.readouterr().err
    _secrets_absent(err)
    assert MASKED in err


@pytest.mark.parametrize("line, masked", [
    (f"GET /v/{TOKEN}?lang=en HTTP/1.1", "GET /v/***?lang=en HTTP/1.1"),
    ("phone 138 1234 5678, 138-1234-5678 or +86 13812345678",
     "phone 138****5678, 138****5678 or +86 138****5678"),
    ("手机１３８１２３４５６７８", "手机138****5678"),
    ("id 350502 19900101 1234 and 350502199001011234",
     "id 3505************** and 3505**************"),
    ("验证码：604817, code=604817, otp 604817", "验证码：******, code=******, otp ******"),
    ("notice code ABCD-EFGH", "notice code ******"),
    # Ordinary numbers stay: durations, ids, sizes, timestamps, status codes.
    ('127.0.0.1 "GET /c/4821/proposals/93 HTTP/1.1" 200 18345 12ms code 404',
     '127.0.0.1 "GET /c/4821/proposals/93 HTTP/1.1" 200 18345 12ms code 404'),
    ("tick took 1732500000000 us, 123456789012 bytes, 2026-11-25 10:00:00",
     "tick took 1732500000000 us, 123456789012 bytes, 2026-11-25 10:00:00"),
    ("seq 12345678901234567890 row 10000000000", "seq 12345678901234567890 row 10000000000"),
])
def test_the_patterns(line, masked):
    from votes.web.logs import mask

    assert mask(line) == masked


def test_gunicorn_error_and_access_logs_are_masked(sqlite_template, tmp_path):
    import shutil

    gunicorn_or_skip(pytest)
    db = tmp_path / "votes.sqlite3"
    shutil.copy(sqlite_template, db)
    # The worker loads the app after gunicorn configured its logging; a line of a child
    # logger written while it does is what any service's line would be.
    config = tmp_path / "extra.py"
    config.write_text("import logging\n"
                      f"logging.getLogger('votes.services.access').error({LINE!r})\n",
                      encoding="utf-8")
    env = {"VOTES_DATABASE_URL": f"sqlite:///{db}", "VOTES_INSTANCE_PATH": str(tmp_path / "i"),
           "VOTES_SECRET_KEY": "gunicorn-log-test-secret",
           "VOTES_DATA_KEY": TEST_CONFIG["DATA_KEY"],
           "VOTES_KEY_PASSPHRASE": TEST_CONFIG["KEY_PASSPHRASE"],
           "VOTES_GUNICORN_ACCESSLOG": "-", "VOTES_CONFIG": str(config)}
    server = start_gunicorn(env, tmp_path / "logs")
    try:
        assert Browser().get(f"{server.base}/?phone={PHONE}&id={ID_NUMBER}").status == 200
    finally:
        server.stop()
    out, err = server.logs()
    _secrets_absent(out + err)
    assert MASKED in err, err[-2000:]
    assert any("phone=138****5678&id=3505**************" in line for line in out.splitlines())
