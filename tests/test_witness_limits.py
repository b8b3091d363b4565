"""A witness whose address the app does not list (VOTES_WITNESS_ADDRESSES) is held to the
chain API's per-address limits: refused with 429 and Retry-After. That is the app asking it
to come back later, not an app it could not reach nor another history: the app is skipped
for the round with a LIMITED line, not polled again before the time asked (bounded), and
`poll --once` says so with an exit status of its own."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import SERVER, good_story
from tests.conftest import _sqlite_copy, _test_app
from tests.factories import make_open_proposal
from tests.test_witness_poller import FakeApp, after_the_story, keys_file
from votes.core import signing
from votes.witness.pins import Pins
from votes.witness.poller import Witness
from votes.witness.transport import MAX_RETRY_AFTER
from votes.witness.store import Store


class LimitingApp(FakeApp):
    """The fake app, answering 429 with `retry_after` (None: no header) to the requests
    whose path starts with `limited` (none when None); counts the requests it got."""

    def __init__(self, sealed):
        super().__init__(sealed)
        self.limited: str | None = "/"
        self.retry_after: str | None = "30"
        self.requests = 0
        inner, app = self.server.RequestHandlerClass, self

        class Handler(inner):
            def _refused(self) -> bool:
                app.requests += 1
                if app.limited is None or not self.path.startswith(app.limited):
                    return False
                if self.command == "POST":
                    self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"error": "too many requests"}'
                self.send_response(429)
                self.send_header("Content-Type", "application/json")
                if app.retry_after is not None:
                    self.send_header("Retry-After", app.retry_after)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True

            def do_GET(self):
                if not self._refused():
                    super().do_GET()

            def do_POST(self):
                if not self._refused():
                    super().do_POST()

        self.server.RequestHandlerClass = Handler


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def limited(tmp_path):
    app = LimitingApp(good_story().seal()[:4])
    store = Store(tmp_path / "witness.sqlite3")
    clock = Clock(after_the_story())
    pins = keys_file(tmp_path / "server-keys.json", SERVER)
    yield app, store, clock, Witness(Ed25519PrivateKey.generate(), store, pins, clock=clock)
    app.stop()
    store.close()


def test_a_429_skips_the_app_until_its_retry_after_has_passed(limited):
    app, store, clock, w = limited
    first = w.poll([app.base])
    assert first.problems == [] and first.conflicts == [] and first.cosigned == []
    assert first.limited == [(app.base, 30, True)]
    lines = first.lines()
    assert any(line.startswith(f"LIMITED {app.base}: retry after 30 s") and
               "VOTES_WITNESS_ADDRESSES" in line for line in lines), lines
    assert not any(line.startswith(("problem:", "CONFLICT")) for line in lines), lines
    asked = app.requests
    app.limited = None  # the app would answer now: the witness still waits as asked
    clock.now += timedelta(seconds=29)
    waiting = w.poll([app.base])
    assert waiting.limited == [(app.base, 1, False)] and waiting.cosigned == []
    assert any(line.startswith(f"LIMITED {app.base}: retry after 1 s") for line in
               waiting.lines())
    assert app.requests == asked  # not one request before the time asked
    clock.now += timedelta(seconds=1)
    after = w.poll([app.base])
    assert after.limited == [] and after.problems == []
    assert after.cosigned == [("p-example", 4)] and after.posted == 1


def test_other_apps_are_polled_in_the_round_an_app_limits(limited, tmp_path):
    app, store, clock, w = limited
    free = FakeApp(good_story().seal()[:4])
    try:
        result = w.poll([app.base, free.base])
        assert [a for a, _s, _new in result.limited] == [app.base]
        assert result.cosigned == [("p-example", 4)] and result.problems == []
    finally:
        free.stop()


@pytest.mark.parametrize("header, seconds", [
    ("45", 45),
    (None, 60),                      # no Retry-After: a minute, the app's own window
    ("soon", 60),                    # not understood: the same
    ("-5", 60),
    ("4.5", 60),
    ("\u00b3\u00b2", 60),            # digits to str.isdigit(), not ASCII ones
    ("1" * 5000, MAX_RETRY_AFTER),   # huge: at most MAX_RETRY_AFTER (and no int() error)
    ("86400", MAX_RETRY_AFTER),
    ("0", 1),
    ("date+90", 90),                 # an HTTP date, read against the witness's clock
    ("date-90", 1),                  # a date already past
    ("date+999999", MAX_RETRY_AFTER),
])
def test_retry_after_is_read_and_bounded(limited, header, seconds):
    app, store, clock, w = limited
    if header is not None and header.startswith("date"):
        header = format_datetime(clock.now + timedelta(seconds=int(header[4:])), usegmt=True)
    app.retry_after = header
    assert MAX_RETRY_AFTER == 600
    assert w.poll([app.base]).limited == [(app.base, seconds, True)]
    clock.now += timedelta(seconds=seconds - 1)
    assert [new for _a, _s, new in w.poll([app.base]).limited] == [False]
    clock.now += timedelta(seconds=1)
    app.limited = None
    assert w.poll([app.base]).limited == []


def test_a_clock_set_back_does_not_hold_an_app_longer_than_the_bound(limited):
    app, store, clock, w = limited
    w.poll([app.base])
    app.limited = None
    clock.now -= timedelta(days=1)  # the machine's clock put right, backwards
    waiting = w.poll([app.base])
    assert waiting.limited == [(app.base, MAX_RETRY_AFTER, False)]


def test_a_cosignature_refused_with_429_is_posted_in_a_later_round(limited):
    app, store, clock, w = limited
    app.limited = "/api/witness/"
    result = w.poll([app.base])
    assert result.cosigned == [("p-example", 4)] and result.posted == 0
    assert result.limited == [(app.base, 30, True)] and result.problems == []
    assert app.posted == []
    app.limited = None
    clock.now += timedelta(seconds=30)
    later = w.poll([app.base])
    assert later.posted == 1 and len(app.posted) == 1 and later.limited == []


def _poll_once(tmp_path, base: str):
    from votes.cli import main

    key = tmp_path / "w.pem"
    if not key.exists():
        assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
        made = CliRunner().invoke(main, ["witness", "init", "--db", str(tmp_path / "w.sqlite3")])
        assert made.exit_code == 0, made.output
    return CliRunner().invoke(main, ["witness", "poll", "--once", "--key", str(key), "--db",
                                     str(tmp_path / "w.sqlite3"), "--server-keys",
                                     str(tmp_path / "pins.json"), "--app", base])


def test_poll_once_exits_4_for_an_app_that_limits_it(tmp_path):
    """Not 1 (a fork, a conflict: another history) nor 3 (the witness could not check):
    4, checked later, the address to be listed."""
    app = LimitingApp(good_story().seal()[:4])
    keys_file(tmp_path / "pins.json", SERVER)
    try:
        result = _poll_once(tmp_path, app.base)
        assert result.exit_code == 4, result.output
        assert f"LIMITED {app.base}: retry after 30 s" in result.output
        assert "CONFLICT" not in result.output and "problem:" not in result.output
        asked = app.requests
        again = _poll_once(tmp_path, app.base)  # from cron, a minute later or less: waits
        assert again.exit_code == 4 and app.requests == asked, again.output
    finally:
        app.stop()


def test_a_real_app_over_its_chain_api_limit(sqlite_template, tmp_path):
    """The app as deployed: an address not in VOTES_WITNESS_ADDRESSES that spent its full
    answers of the minute is refused with 429; the witness skips the app, waits as told,
    and one whose address is listed is not limited at all."""
    from tests.browser import live_server
    from votes.web.api import FULL_ANSWERS_PER_MINUTE

    def make(**config):
        return _test_app({"DATABASE_URL": _sqlite_copy(sqlite_template, tmp_path / config.get(
            "name", "a")), "INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_ENABLED": True,
            **{k: v for k, v in config.items() if k != "name"}})

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for config in ({"name": "a"}, {"name": "b", "WITNESS_ADDRESSES": "127.0.0.1"}):
        app = make(**config)
        make_open_proposal(app, app.test_cli_runner(), tmp_path / config["name"])
        pins = tmp_path / f"pins-{config['name']}.json"
        with app.app_context():
            from votes.services.keys import keyring

            pins.write_text(json.dumps(keyring().to_json_obj()))
        same_address = app.test_client()
        same_address.environ_base["REMOTE_ADDR"] = "127.0.0.1"
        for _ in range(int(FULL_ANSWERS_PER_MINUTE.split()[0])):
            same_address.get("/.well-known/votes-keys.json")
        key = Ed25519PrivateKey.generate()
        witness_keys = tmp_path / f"witness-keys-{config['name']}.json"
        witness_keys.write_text(json.dumps(signing.KeyRing(
            {signing.key_id(key.public_key()): key.public_key()}).to_json_obj()))
        app.config["WITNESS_KEYS"] = str(witness_keys)
        store = Store(tmp_path / f"witness-{config['name']}.sqlite3")
        try:
            w = Witness(key, store, Pins(pins),
                        clock=lambda: datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))
            with live_server(app) as base:
                result = w.poll([base])
        finally:
            store.close()
        if "WITNESS_ADDRESSES" in config:
            assert result.limited == [] and result.problems == [], result.lines()
            assert len(result.cosigned) == 1 and result.posted == 1
        else:
            assert result.problems == [] and result.cosigned == [], result.lines()
            [(where, seconds, new)] = result.limited
            assert where == base and new and 1 <= seconds <= 60
