"""The public board's pages and the chain API, polled by a stranger from one address: open to
anyone, each view a few milliseconds of a worker's core (a chain page up to 1.3 MB), so one
address looping on them filled every thread and owners' casts queued behind it
(docs/performance.md, the public board under load). Each is limited per client address; a
configured witness (VOTES_WITNESS_ADDRESSES) is not."""

from __future__ import annotations

import pytest

from tests.conftest import _sqlite_copy, _test_app
from tests.factories import make_open_proposal
from votes.web.api import ANSWERS_PER_MINUTE, FULL_ANSWERS_PER_MINUTE, chain_api_limits
from votes.web.public import BOARD_PER_MINUTE, board_limit

# The bounds a test spends, lowered by the `lowered` fixture from the production ones (600,
# 300 and 1,200 a minute) in the same proportions: spending 600 board views took 6-10 s a
# test, and what is checked (which pages count together, per address, a witness exempt,
# 304s against the looser bound only) does not depend on the numbers.
BOARD, FULL, ANY = 20, 10, 40


@pytest.fixture
def make_app(sqlite_template, tmp_path):
    """An app on a copy of the migrated SQLite template with settings of the test's own
    (how the limits count does not depend on the database)."""
    made = []

    def make(**config):
        app = _test_app({"DATABASE_URL": _sqlite_copy(sqlite_template, tmp_path),
                         "INSTANCE_PATH": str(tmp_path / "instance"),
                         "RATELIMIT_ENABLED": True, **config})
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            from votes.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def lowered(monkeypatch):
    """The board's and the chain API's limits at BOARD, FULL and ANY a minute. Each route's
    limit is read from its decorator's limit_provider at every request (flask-limiter's
    Limit), so lowering it there changes nothing else; first, the decorators the routes
    carry are the production ones, bound for bound."""
    full, any_ = chain_api_limits
    assert (board_limit.limit_provider, full.limit_provider, any_.limit_provider) \
        == (BOARD_PER_MINUTE, FULL_ANSWERS_PER_MINUTE, ANSWERS_PER_MINUTE)
    monkeypatch.setattr(board_limit, "limit_provider", f"{BOARD} per minute")
    monkeypatch.setattr(full, "limit_provider", f"{FULL} per minute")
    monkeypatch.setattr(any_, "limit_provider", f"{ANY} per minute")


def _from(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if headers:
        client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v
                                    for k, v in headers.items()})
    return client


def test_the_board_pages_are_limited_per_address_together(make_app, tmp_path, lowered):
    app = make_app()
    vote = make_open_proposal(app, app.test_cli_runner(), tmp_path)
    stranger = _from(app, "198.51.100.7")
    pages = ["/", f"/p/{vote['uid']}", f"/p/{vote['uid']}/audit"]
    answers = [stranger.get(pages[i % 3]).status_code for i in range(BOARD)]
    assert answers == [200] * BOARD
    for page in pages:
        refused = stranger.get(page, headers={"Accept-Language": "en"})
        assert refused.status_code == 429
        assert refused.mimetype == "text/html"
        assert "操作太频繁" in refused.get_data(as_text=True)  # Chinese first, whatever asked
        assert int(refused.headers["Retry-After"]) <= 60
    # Another address, and an owner's own pages, are not held by the stranger's count.
    assert _from(app, "198.51.100.8").get(pages[1]).status_code == 200


def test_the_chain_api_is_limited_per_address_in_json(make_app, tmp_path, lowered):
    app = make_app()
    vote = make_open_proposal(app, app.test_cli_runner(), tmp_path)
    stranger = _from(app, "198.51.100.7")
    assert [stranger.get("/api/heads").status_code for _ in range(FULL)] == [200] * FULL
    chain = f"/api/proposals/{vote['uid']}/chain?from=0"
    for refused in (stranger.get("/api/heads"), stranger.get(chain),
                    stranger.get("/.well-known/votes-keys.json"),
                    stranger.post("/api/witness/cosignatures", data=b"{}",
                                  content_type="application/json")):
        assert refused.status_code == 429
        assert refused.is_json and refused.get_json() == {"error": "too many requests"}
    assert _from(app, "198.51.100.8").get(chain).status_code == 200


def test_a_304_spends_only_the_looser_bound(make_app, tmp_path, lowered):
    """A witness polling a chain that has not moved asks with the ETag it holds: a 304 reads
    the proposal's row and sends nothing, so it does not spend the full answers' budget;
    a loop of them is still bounded."""
    app = make_app()
    vote = make_open_proposal(app, app.test_cli_runner(), tmp_path)
    poller = _from(app, "198.51.100.7")
    chain = f"/api/proposals/{vote['uid']}/chain?from=0"
    tag = poller.get(chain).headers["ETag"]
    held = {"If-None-Match": tag}
    answers = [poller.get(chain, headers=held).status_code for _ in range(FULL + 10)]
    assert answers == [304] * (FULL + 10)
    assert poller.get(chain).status_code == 200  # full answers are still to be had
    asked = 1 + FULL + 10 + 1
    answers = [poller.get(chain, headers=held).status_code for _ in range(ANY - asked)]
    assert answers == [304] * (ANY - asked)
    refused = poller.get(chain, headers=held)
    assert refused.status_code == 429 and refused.is_json


def test_a_witness_address_is_not_limited(make_app, tmp_path, lowered):
    app = make_app(WITNESS_ADDRESSES="192.0.2.0/28, 2001:db8::7")
    make_open_proposal(app, app.test_cli_runner(), tmp_path)
    for address in ("192.0.2.9", "2001:db8::7", "::ffff:192.0.2.9"):
        witness = _from(app, address)
        assert all(witness.get("/api/heads").status_code == 200 for _ in range(FULL + 1))
    witness = _from(app, "192.0.2.9")
    assert all(witness.get("/").status_code == 200
               for _ in range(BOARD + 1))
    # Its neighbours are not: outside the block, and another address of the witness's /64
    # (an IPv6 client is counted as its /64, but only the address named is exempt).
    for address in ("192.0.2.16", "2001:db8::8"):
        neighbour = _from(app, address)
        answers = [neighbour.get("/api/heads").status_code for _ in range(FULL + 1)]
        assert answers[-1] == 429, address


@pytest.mark.parametrize("trusted, exempt", [(1, True), (0, False)])
def test_behind_a_proxy_the_forwarded_address_counts_only_when_trusted(make_app, lowered,
                                                                       trusted, exempt):
    """nginx forwards every client from its own address with X-Forwarded-For: with
    TRUSTED_PROXIES=1 the witness's forwarded address is exempt and each client counted on
    its own; with 0 the header is the client's to write, so it names nothing, and everyone
    behind the proxy shares the proxy's count."""
    app = make_app(WITNESS_ADDRESSES="203.0.113.7", TRUSTED_PROXIES=trusted)
    claimed = _from(app, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"})
    answers = [claimed.get("/api/heads").status_code for _ in range(FULL + 1)]
    assert (answers[-1] == 200) is exempt
    other = _from(app, "127.0.0.1", **{"X-Forwarded-For": "198.51.100.7"})
    assert other.get("/api/heads").status_code == (200 if trusted else 429)


@pytest.mark.parametrize("value, said", [
    ("10.0.0.300", "'10.0.0.300' is not an IP address or network"),
    ("203.0.113.7/24", "has host bits set"),
    ("192.0.2.1 nginx", "'nginx' is not an IP address"),
    ("0.0.0.0/0", "is every address"),
    ("::/0", "is every address"),
])
def test_a_wrong_witness_address_refuses_to_start(sqlite_template, tmp_path, value, said):
    with pytest.raises(ValueError) as refused:
        _test_app({"DATABASE_URL": _sqlite_copy(sqlite_template, tmp_path),
                   "INSTANCE_PATH": str(tmp_path / "instance"), "WITNESS_ADDRESSES": value})
    assert "VOTES_WITNESS_ADDRESSES" in str(refused.value) and said in str(refused.value)


def test_doctor_names_the_witness_addresses(make_app):
    from votes.services.doctor import run_checks

    app = make_app(WITNESS_ADDRESSES="192.0.2.0/28,2001:db8::7")
    lines = [c.en for c in run_checks(app) if "witness addresses" in c.en]
    assert lines == ["witness addresses exempt from the public board's and the chain API's "
                     "limits: 192.0.2.0/28, 2001:db8::7"]
    app = make_app()
    assert any("no witness addresses (VOTES_WITNESS_ADDRESSES)" in c.en for c in run_checks(app))


def test_doctor_fails_a_loopback_witness_while_no_proxy_is_trusted(make_app):
    """With VOTES_TRUSTED_PROXIES=0 every visitor coming through nginx on this host has
    nginx's address, 127.0.0.1: a witness listed by that address exempts them all, and the
    public limits are off without a word."""
    from votes.services.doctor import run_checks

    app = make_app(WITNESS_ADDRESSES="127.0.0.1", TRUSTED_PROXIES=0)
    [check] = [c for c in run_checks(app) if "witness" in c.en]
    assert not check.ok and "VOTES_TRUSTED_PROXIES=0" in check.en and "every visitor" in check.en
    app = make_app(WITNESS_ADDRESSES="127.0.0.1", TRUSTED_PROXIES=1)
    [check] = [c for c in run_checks(app) if "witness" in c.en]
    assert check.ok


@pytest.mark.parametrize("value", ["::/1", "64.0.0.0/2", "::ffff:127.0.0.1", "::1"])
def test_doctor_fails_a_block_that_holds_loopback_without_starting_there(make_app, value):
    """A block is as wide as it says: ::/1 holds ::1 and 64.0.0.0/2 holds 127.0.0.1 though
    neither starts there, and nginx may hand the app an IPv4 loopback written as IPv6."""
    from votes.services.doctor import run_checks

    app = make_app(WITNESS_ADDRESSES=value, TRUSTED_PROXIES=0)
    [check] = [c for c in run_checks(app) if "witness" in c.en]
    assert not check.ok and "every visitor" in check.en


@pytest.mark.parametrize("value", [7, 3.5, {"a": 1}])
def test_a_witness_address_setting_of_another_type_refuses_to_start_by_name(
        sqlite_template, tmp_path, value):
    """A VOTES_CONFIG file can give any type: a number is refused by name, not a TypeError's
    traceback."""
    with pytest.raises(ValueError) as refused:
        _test_app({"DATABASE_URL": _sqlite_copy(sqlite_template, tmp_path),
                   "INSTANCE_PATH": str(tmp_path / "instance"), "WITNESS_ADDRESSES": value})
    assert "VOTES_WITNESS_ADDRESSES" in str(refused.value)


def test_the_emergency_notice_counts_with_the_board(make_app, tmp_path, lowered):
    """Open to anyone and drawn anew each time, as the board is: one address may not loop on
    it beyond the board's own bound."""
    from tests.test_emergency_notice import _emergency

    app = make_app()
    _pid, uid = _emergency(app, app.test_cli_runner(), tmp_path)
    stranger = _from(app, "198.51.100.7")
    answers = [stranger.get(f"/p/{uid}").status_code for _ in range(BOARD - 1)]
    assert answers == [200] * (BOARD - 1)
    assert stranger.get(f"/p/{uid}/emergency-notice.pdf").status_code == 200
    assert stranger.get(f"/p/{uid}/emergency-notice.pdf").status_code == 429
    assert stranger.get(f"/p/{uid}").status_code == 429
    assert _from(app, "198.51.100.8").get(f"/p/{uid}/emergency-notice.pdf").status_code == 200


def test_one_address_may_not_loop_on_the_emergency_notice_at_the_boards_rate(make_app,
                                                                              tmp_path):
    """The notice is a PDF drawn anew each time: about four board views of a core (26 ms
    against 6.5 on PostgreSQL) and eight of the bandwidth (71 KB against 9), so the board's
    600 a minute let one address take a quarter of a core and ~6 Mbit/s, a small server's
    whole uplink. It has a bound of its own, as the settlement notice has; an owner
    downloads it once, and the board stays open to the same address."""
    from tests.test_emergency_notice import _emergency

    app = make_app()
    _pid, uid = _emergency(app, app.test_cli_runner(), tmp_path)
    stranger = _from(app, "198.51.100.7")
    answers = [stranger.get(f"/p/{uid}/emergency-notice.pdf").status_code for _ in range(30)]
    assert 429 in answers
    bound = answers.index(429)
    assert bound >= 5 and answers[:bound] == [200] * bound
    assert stranger.get(f"/p/{uid}").status_code == 200
    assert _from(app, "198.51.100.8").get(f"/p/{uid}/emergency-notice.pdf").status_code == 200
