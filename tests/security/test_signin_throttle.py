"""Guessing a staff password from many addresses: the per-address limit (10 a minute) lets a
botnet through, so failures are also counted per login name, in the database that every
worker of every host shares (votes/services/signin_throttle.py)."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import _test_app

PASSWORD = "correct horse battery"
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
WRONG = "登录名或密码错误"
PAUSED = "已暂停登录"


@pytest.fixture
def accounts(app, runner):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["VOTES_NOW"] = T0
    for args in (["Clerk.Wang", "--role", "regulator", "--jurisdiction", "350502"],
                 ["admin1", "--role", "admin"]):
        result = runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD])
        assert result.exit_code == 0, result.output
    return app


_addresses = iter(range(1, 10 ** 6))


def _attempt(app, login: str, password: str = "wrong password", **headers):
    """One sign-in from an address never used before (the per-address limit never bites)."""
    n = next(_addresses)
    return app.test_client().post(
        "/staff/login", data={"login": login, "password": password}, headers=headers,
        environ_base={"REMOTE_ADDR": f"2001:db8:{n >> 16:x}:{n & 0xffff:x}::1"})


def _text(response) -> str:
    return response.get_data(as_text=True)


def _page(response) -> str:
    """The page but for its CSRF token (each client has its own)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", _text(response))


class _CountingHasher:
    """The test's hasher, counting the passwords it checks."""

    def __init__(self, inner):
        self.inner, self.checks = inner, 0

    def verify(self, hashed, password):
        self.checks += 1
        return self.inner.verify(hashed, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def hasher(monkeypatch):
    from votes.services import staff

    counting = _CountingHasher(staff._hasher)
    monkeypatch.setattr(staff, "_hasher", counting)
    return counting


def _row(app, name: str):
    from votes.extensions import db
    from votes.models import SignInThrottle
    from votes.services.signin_throttle import name_key

    with app.app_context():
        row = db.session.get(SignInThrottle, name_key(name))
        db.session.expunge_all()
        return row


def test_many_addresses_get_five_guesses_then_even_the_right_password_waits(accounts, hasher):
    app = accounts
    first = [_attempt(app, "Clerk.Wang") for _ in range(5)]
    assert [r.status_code for r in first] == [200] * 5
    assert all(WRONG in _text(r) and PAUSED not in _text(r) for r in first[:4])
    assert WRONG in _text(first[4]) and PAUSED in _text(first[4])
    assert "10:01:00" in _text(first[4])  # T0 + 1 minute, Beijing time

    for _ in range(30):  # thirty more addresses: refused without a look at the password
        r = _attempt(app, "Clerk.Wang")
        assert r.status_code == 429 and PAUSED in _text(r) and WRONG not in _text(r)
    right = _attempt(app, "Clerk.Wang", PASSWORD)
    assert right.status_code == 429 and PAUSED in _text(right)
    assert "此登录名登录失败次数过多" in _text(right)
    assert hasher.checks == 5

    assert _attempt(app, "admin1", PASSWORD).status_code == 302  # another account: as ever

    app.config["VOTES_NOW"] = T0 + timedelta(seconds=59)
    assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 429
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 302
    assert _row(app, "Clerk.Wang") is None  # the count is cleared

    # ... so five more failures are needed to pause it again, and then for 1 minute, not 2.
    again = [_attempt(app, "Clerk.Wang") for _ in range(5)]
    assert [PAUSED in _text(r) for r in again] == [False] * 4 + [True]
    assert _row(app, "Clerk.Wang").locked_until == T0 + timedelta(minutes=2)


def test_pauses_double_up_to_fifteen_minutes_and_knocking_does_not_lengthen_them(accounts):
    app = accounts
    for _ in range(5):
        _attempt(app, "Clerk.Wang")
    now = T0
    for minutes in (1, 2, 4, 8, 15, 15):
        until = _row(app, "Clerk.Wang").locked_until
        assert until == now + timedelta(minutes=minutes)
        app.config["VOTES_NOW"] = until - timedelta(seconds=1)
        assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 429
        assert _row(app, "Clerk.Wang").locked_until == until  # refusals are not counted
        now = app.config["VOTES_NOW"] = until
        r = _attempt(app, "Clerk.Wang")  # one failure after a pause pauses again
        assert r.status_code == 200 and PAUSED in _text(r)

    # A day without a failure and the name starts afresh: five free failures again.
    app.config["VOTES_NOW"] = now + timedelta(days=1)
    assert [PAUSED in _text(_attempt(app, "Clerk.Wang")) for _ in range(5)] == \
        [False] * 4 + [True]
    assert _row(app, "Clerk.Wang").locked_until == \
        app.config["VOTES_NOW"] + timedelta(minutes=1)


def test_one_failure_every_quarter_of_an_hour_pauses_nothing(accounts):
    """A member who mistypes now and then: one failure is forgiven every 15 minutes, so
    four, then one a quarter of an hour for two hours, never reach the fifth."""
    app = accounts
    for n in range(4):
        app.config["VOTES_NOW"] = T0 + timedelta(seconds=n)
        assert PAUSED not in _text(_attempt(app, "Clerk.Wang"))
    for quarter in range(1, 9):
        app.config["VOTES_NOW"] = T0 + timedelta(minutes=15 * quarter, seconds=4)
        assert PAUSED not in _text(_attempt(app, "Clerk.Wang")), quarter
    assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 302


def test_the_count_leaks_rather_than_starting_afresh(accounts):
    """Four failures, then four more just after 15 minutes: one was forgiven, not all four,
    so the eighth pauses the name (a window starting afresh let 4 through every 15
    minutes for good)."""
    app = accounts
    for n in range(4):
        app.config["VOTES_NOW"] = T0 + timedelta(seconds=n)
        _attempt(app, "Clerk.Wang")
    texts = []
    for n in range(4):
        app.config["VOTES_NOW"] = T0 + timedelta(minutes=15, seconds=5 + n)
        texts.append(_text(_attempt(app, "Clerk.Wang")))
    assert [PAUSED in t for t in texts] == [False, True, True, True]


@pytest.mark.parametrize("spellings", [
    ["clerk.wang", "CLERK.WANG", "Clerk.Wang ", "\u3000clerk.Wang\u3000", "\tClerk.Wang\n"],
    # Full-width letters and stop (NFKC folds them), as a Chinese input method types them.
    ["Ｃｌｅｒｋ．Ｗａｎｇ", "ｃｌｅｒｋ.wang", "CLERK．WANG", "clerk.wang", "Clerk.Wang"],
])
def test_every_spelling_of_a_name_counts_against_it(accounts, spellings):
    app = accounts
    for spelling in spellings:
        assert _attempt(app, spelling).status_code == 200
    r = _attempt(app, "Clerk.Wang", PASSWORD)
    assert r.status_code == 429 and PAUSED in _text(r)
    assert _attempt(app, "admin1", PASSWORD).status_code == 302


def test_an_unknown_name_is_paused_in_the_same_way_and_words(accounts):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services.audit import verify_log

    app = accounts
    known = [_attempt(app, "admin1") for _ in range(7)]
    unknown = [_attempt(app, "nobody.here") for _ in range(7)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == \
        [200] * 5 + [429] * 2
    assert [_page(r) for r in known] == [_page(r) for r in unknown]
    assert PAUSED in _text(unknown[-1])
    # votes tick records the pauses, one entry for all (tests/security/
    # test_signin_pause_secrecy.py): naming the account, counting the other names.
    app.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    with app.app_context():
        from votes.services.signin_pauses import record

        record()
        paused = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "account.signin_pauses")).all()
        assert [(e.actor, e.details["accounts"], e.details["other_names"])
                for e in paused] == [("system", [{"login": "admin1", "pause": 1,
                                                  "until": "2026-12-01T02:01:00Z"}], 1)]
        assert verify_log() == []
    admin = app.test_client()
    assert admin.post("/staff/login", data={"login": "admin1", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 302
    assert "登录失败过多，暂停登录" in _text(admin.get("/admin/audit"))


def test_the_pause_is_told_in_english_too(accounts):
    client = accounts.test_client()
    client.get("/?lang=en")
    for _ in range(5):
        r = client.post("/staff/login", data={"login": "admin1", "password": "wrong"})
    text = _text(r)
    assert "Wrong login or password." in text and "paused. Try again after 10:01:00" in text
    r = client.post("/staff/login", data={"login": "admin1", "password": PASSWORD})
    assert r.status_code == 429 and "Too many failed sign-ins under this login name" in _text(r)


def test_a_disabled_account_is_counted_like_any_other_name(accounts, runner):
    app = accounts
    result = runner.invoke(args=["users", "create", "--no-must-change", "gone", "--role", "admin",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.staff import change_user

        change_user("gone", actor="admin1", active=False)
    codes = [_attempt(app, "gone", PASSWORD).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


@pytest.fixture
def two_hosts(database_url, tmp_path):
    """Two app hosts on one database behind one nginx each, as docs/deploy.md runs them:
    each with its own per-process limiter storage."""
    hosts = [_test_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / name),
                        "TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": True, "VOTES_NOW": T0})
             for name in ("host-a", "host-b")]
    result = hosts[0].test_cli_runner().invoke(
        args=["users", "create", "--no-must-change", "clerk", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    yield hosts
    for host in hosts:
        with host.app_context():
            from votes.extensions import db

            db.session.remove()
            db.engine.dispose()


def test_two_hosts_behind_the_proxy_share_one_count(two_hosts):
    def attempt(n: int, password: str = "wrong password"):
        host = two_hosts[n % 2]
        return host.test_client().post(
            "/staff/login", data={"login": "clerk", "password": password},
            headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
            environ_base={"REMOTE_ADDR": "10.0.0.5"})  # nginx

    assert [PAUSED in _text(attempt(n)) for n in range(5)] == [False] * 4 + [True]
    assert [attempt(n, PASSWORD).status_code for n in range(5, 9)] == [429] * 4
    for host in two_hosts:
        host.config["VOTES_NOW"] = T0 + timedelta(minutes=1)
    assert attempt(9, PASSWORD).status_code == 302


def test_guesses_sent_at_once_cannot_overtake_the_count(accounts, hasher, monkeypatch):
    """Twelve guesses sent together (workers on two hosts): every one takes its turn
    before any password is checked, and still only five are checked."""
    from votes.services import signin_throttle

    app = accounts
    statuses = _all_at_once(monkeypatch, hasher, signin_throttle, 12,
                            lambda n: _attempt(app, "Clerk.Wang").status_code)
    assert hasher.checks == 5
    assert sorted(statuses) == [200] * 5 + [429] * 7


def _all_at_once(monkeypatch, hasher, counter, guesses: int, guess) -> list:
    """Run guess(n) for n < guesses in threads, each password check held until every guess
    has taken its turn from `counter` (signin_throttle or signin_devices); their results."""
    turns_taken = threading.Condition()
    taken = []
    real_take_turn = counter.take_turn

    def take_turn(key):
        try:
            return real_take_turn(key)
        finally:
            with turns_taken:
                taken.append(key)
                turns_taken.notify_all()

    def verify(hashed, password):  # hold each check until every guess has had its turn
        with turns_taken:
            assert turns_taken.wait_for(lambda: len(taken) == guesses, timeout=30)
        return _CountingHasher.verify(hasher, hashed, password)

    monkeypatch.setattr(counter, "take_turn", take_turn)
    monkeypatch.setattr(hasher, "verify", verify)
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(guess(n)))
               for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_tick_forgets_names_a_day_after_their_last_failure(accounts, runner):
    app = accounts
    _attempt(app, "Clerk.Wang")
    app.config["VOTES_NOW"] = T0 + timedelta(hours=23)
    _attempt(app, "admin1")
    app.config["VOTES_NOW"] = T0 + timedelta(days=1)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _row(app, "Clerk.Wang") is None and _row(app, "admin1") is not None


def test_a_name_signs_in_whatever_its_letter_case_or_width(accounts, runner):
    """Creation refuses "clerk.wang" beside "Clerk.Wang", so the sign-in and the admin's
    changes take either for the other (one count for both, as ever)."""
    from flask_login import current_user

    app = accounts
    for spelling in ("clerk.wang", "CLERK.WANG", " cLeRk.wAnG\u3000"):
        client = app.test_client()
        with client:
            r = client.post("/staff/login", data={"login": spelling, "password": PASSWORD})
            assert r.status_code == 302
            client.get(r.headers["Location"])
            assert current_user.login == "Clerk.Wang"
    # An input method in full-width mode: its letters and dot are the ASCII ones.
    client = app.test_client()
    r = client.post("/staff/login", data={"login": "\u3000Ｃｌｅｒｋ．Ｗａｎｇ",
                                          "password": PASSWORD})
    assert r.status_code == 302
    # A wrong password under that spelling counts against the account's own name.
    assert WRONG in _text(_attempt(app, "ｃｌｅｒｋ.ｗａｎｇ", "wrong password"))
    assert _row(app, "clerk.wang").failures == 1
    # The Kelvin sign is no "k" (Python's lower() would make it one), counted all the same.
    assert WRONG in _text(_attempt(app, "cler\u212a.wang", PASSWORD))
    assert _row(app, "clerk.wang").failures == 2

    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry
        from votes.services.staff import change_user

        change_user("clerk.WANG", actor="admin1", password="another password 1")
        assert db.session.scalars(select(AuditEntry.target).where(
            AuditEntry.action == "account.change")).all() == ["Clerk.Wang"]
    assert _attempt(app, "CLERK.wang", "another password 1").status_code == 302


def test_an_administrator_lifts_a_pause_from_the_command_line(accounts, runner):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services.audit import verify_log

    app = accounts
    for _ in range(5):
        _attempt(app, "Clerk.Wang")
    assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 429
    result = runner.invoke(args=["users", "unpause", "clerk.wang"])
    assert result.exit_code == 0, result.output
    assert "已解除 Clerk.Wang 的登录暂停" in result.output and "10:01:00" in result.output
    assert _row(app, "Clerk.Wang") is None
    assert _attempt(app, "Clerk.Wang", PASSWORD).status_code == 302

    result = runner.invoke(args=["users", "unpause", "Clerk.Wang"])
    assert result.exit_code == 0 and "没有登录失败记录" in result.output
    _attempt(app, "nobody.here")
    result = runner.invoke(args=["users", "unpause", "nobody.here"])
    assert result.exit_code == 0 and "已清除 nobody.here 的登录失败次数" in result.output
    with app.app_context():
        lifted = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "account.signin_unpaused").order_by(AuditEntry.seq)).all()
        assert [(e.actor, e.target, e.details["until"]) for e in lifted] == \
            [("cli", "Clerk.Wang", "2026-12-01T02:01:00Z"), ("cli", "nobody.here", "")]
        assert verify_log() == []


def test_a_patient_guesser_gets_no_more_than_the_documented_hundred_a_day(accounts, hasher):
    """docs/deploy.md: "That leaves a guesser about 100 guesses a day." Four wrong passwords
    every 15 minutes never reach the fifth that pauses the name (the window starts afresh
    at the first failure after it ends): 384 checked guesses a day, none of them paused or
    audited."""
    from votes.models import AuditEntry

    app = accounts
    for quarter in range(4 * 24):  # one day
        app.config["VOTES_NOW"] = T0 + timedelta(minutes=15 * quarter, seconds=1)
        for _ in range(4):
            _attempt(app, "Clerk.Wang")
    assert hasher.checks <= 110, f"{hasher.checks} passwords checked in a day"
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.services.signin_pauses import record

        app.config["VOTES_NOW"] += timedelta(minutes=1)  # the next tick
        assert record()
        assert db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "account.signin_pauses")).all()
