"""The witness's round against a scripted app on loopback (no gunicorn): what it cosigns,
posts and refuses when an app cuts its chain short, serves an invalid one, or is down; and
the server keys it trusts: only those pinned (docs/verification.md §10, pinned server keys)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import SERVER, good_story
from tests.loopback import LoopbackServer
from tests.servers import free_port
from votes.core import chain, signing, witness
from votes.core.verifier_base import fingerprint
from votes.witness.pins import PinError, Pins
from votes.witness.poller import Witness
from votes.witness.store import Store

NEW = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))  # the operator's next key
NEW_ID = signing.key_id(NEW.public_key())


def after_the_story() -> datetime:
    """The witness's clock: after the story's last entry (2026-12-08), whatever the date."""
    return datetime(2026, 12, 9, tzinfo=timezone.utc)


def keys_file(path, *keys) -> Pins:
    path.write_text(json.dumps(signing.KeyRing({signing.key_id(k.public_key()): k.public_key()
                                                for k in keys}).to_json_obj()))
    return Pins(path)


def reseal(sealed, start: int, key: Ed25519PrivateKey) -> list[chain.SealedEntry]:
    """The chain with entries from `start` on signed by `key` (as after a rotation)."""
    out = list(sealed[:start])
    for s in sealed[start:]:
        entry = chain.next_entry(out[-1] if out else None, proposal=s.entry["proposal"],
                                 kind=s.entry["kind"], time=s.entry["time"],
                                 key_id=signing.key_id(key.public_key()), body=s.entry["body"])
        out.append(chain.seal(entry, key))
    return out


class FakeApp(LoopbackServer):
    """Serves a chain as the app's API does; records the cosignatures posted to it."""

    def __init__(self, sealed):
        self.sealed = sealed
        self.published = [SERVER]   # the keys at /.well-known/votes-keys.json
        self.posted: list[dict] = []
        self.answers: dict[str, bytes] = {}  # path: a body served instead of the API's
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path in app.answers:
                    body = app.answers[url.path]
                elif url.path == "/.well-known/votes-keys.json":
                    body = json.dumps(signing.KeyRing(
                        {signing.key_id(k.public_key()): k.public_key()
                         for k in app.published}).to_json_obj()).encode()
                elif url.path == "/api/heads":
                    body = json.dumps({"heads": [{"proposal": "p-example",
                                                  "length": len(app.sealed),
                                                  "head": app.sealed[-1].digest}]}).encode()
                elif url.path == "/api/proposals/p-example/chain":
                    start = int(url.query.split("=")[1])
                    body = b"".join(s.to_line() + b"\n" for s in app.sealed[start:start + 2])
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                app.posted.append(json.loads(data))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)


@pytest.fixture
def parts(tmp_path):
    story = good_story()
    app = FakeApp(story.seal()[:4])
    store = Store(tmp_path / "witness.sqlite3")
    pins = keys_file(tmp_path / "server-keys.json", SERVER)
    yield story, app, store, Witness(Ed25519PrivateKey.generate(), store, pins,
                                     clock=after_the_story)
    app.stop()
    store.close()


def test_cosigns_pages_through_and_posts(parts):
    story, app, store, w = parts
    result = w.poll([app.base])
    assert result.cosigned == [("p-example", 4)] and result.posted == 1
    cosig = app.posted[0]
    assert cosig["statement"]["head"] == app.sealed[3].digest
    assert witness.cosignature_problem(cosig, signing.KeyRing(
        {w.key_id: w.key.public_key()})) is None
    again = w.poll([app.base])  # nothing new: nothing cosigned or posted twice
    assert (again.cosigned, again.posted, len(app.posted)) == ([], 0, 1)
    app.sealed = story.seal()
    assert w.poll([app.base]).cosigned == [("p-example", 7)]


def test_a_chain_cut_short_is_a_fork(parts):
    story, app, store, w = parts
    w.poll([app.base])
    app.sealed = app.sealed[:2]
    result = w.poll([app.base])
    assert result.forks == [("p-example", "the chain is shorter than the one cosigned")]
    [fork] = store.forks()
    assert json.loads(fork.old_line)["entry"]["seq"] == 3
    assert json.loads(fork.new_line)["entry"]["seq"] == 1
    assert store.held(app.base, "p-example").length == 4


def test_a_database_that_held_heads_by_uid_alone_keeps_them(parts, tmp_path):
    """A witness's database made before heads were held per app (keyed by the uid alone)
    is carried over when opened: what it cosigned is still held, and still checked."""
    story, app, store, w = parts
    w.poll([app.base])
    store.db.executescript("""
        CREATE TABLE old_heads (proposal TEXT PRIMARY KEY, length INTEGER NOT NULL,
            head TEXT NOT NULL, line BLOB NOT NULL, cosignature BLOB NOT NULL,
            app TEXT NOT NULL, time TEXT NOT NULL);
        INSERT INTO old_heads SELECT proposal, length, head, line, cosignature, app, time
            FROM heads;
        DROP TABLE heads;
        ALTER TABLE old_heads RENAME TO heads;
    """)
    store.close()
    reopened = Store(tmp_path / "witness.sqlite3", existing=True)
    try:
        assert reopened.held(app.base, "p-example").length == 4
        w = Witness(w.key, reopened, w.pins, clock=after_the_story)
        app.sealed = story.seal()
        assert w.poll([app.base]).cosigned == [("p-example", 7)]
        app.sealed = app.sealed[:2]
        assert [uid for uid, _ in w.poll([app.base]).forks] == ["p-example"]
    finally:
        reopened.close()


def test_an_invalid_chain_is_refused_without_a_fork(parts):
    story, app, store, w = parts
    other = Ed25519PrivateKey.generate()
    forged = story.copy()
    sealed = forged.seal()
    from votes.core import chain

    entry = dict(sealed[1].entry)
    app.sealed = [sealed[0], chain.seal(entry, other)] + sealed[2:4]  # not the server's key
    result = w.poll([app.base])
    assert result.cosigned == [] and result.forks == [] and store.forks() == []
    assert "server signature" in result.problems[0]


def test_an_unreachable_app_is_reported_and_the_others_polled(parts):
    story, app, store, w = parts
    result = w.poll([f"http://127.0.0.1:{free_port()}", app.base])
    assert result.cosigned == [("p-example", 4)]
    assert len(result.problems) == 1


def test_an_answer_of_countless_values_is_refused_before_it_is_parsed(parts, monkeypatch):
    """The witness parsed what an app answered (up to 64 MiB) with no bound on its values:
    64 MiB of `[{},{},…]` took 1.8 GB. It is bounded as a verifier bounds a bundle's JSON
    (1.3), before parsing: the answer is refused and the round reports the app."""
    from types import SimpleNamespace

    from votes.witness import transport

    story, app, store, w = parts
    app.answers["/api/heads"] = b'{"heads":[' + b"{}," * 5_000_000 + b"{}]}"

    def parsed(*args, **kwargs):
        raise AssertionError("the answer was parsed")

    monkeypatch.setattr(transport, "json", SimpleNamespace(loads=parsed))
    result = w.poll([app.base])
    assert result.cosigned == [] and app.posted == []
    [problem] = result.problems
    assert f"{app.base}/api/heads" in problem and "over the limit of 10,000,000" in problem


def test_a_chain_page_of_countless_lines_is_not_split_all_at_once(parts):
    """A page of chain lines was split whole into a list: 64 MiB of `ab` lines made 22
    million bytes objects (about 1 GB) before the first was found not to be an entry."""
    import tracemalloc

    story, app, store, w = parts
    page = b"ab\n" * 2_000_000
    app.answers["/api/proposals/p-example/chain"] = page
    tracemalloc.start()
    try:
        result = w.poll([app.base])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.cosigned == [] and "entry 0: not canonical JSON" in result.problems[0]
    assert peak < 5 * len(page), peak  # the page as read, joined and served: not its lines


def test_a_witness_must_pin_some_server_key():
    with pytest.raises(PinError, match="没有固定服务器的公钥"):
        Pins()


def test_keys_other_than_the_pinned_ones_are_flagged_and_not_trusted(parts, tmp_path):
    """First contact: the app (or whoever answers in its name) publishes a key of its own
    and serves a chain signed with it. Trust on first use would cosign it; pinning does not."""
    story, app, store, _ = parts
    impostor = Ed25519PrivateKey.generate()
    app.published = [impostor]
    app.sealed = reseal(story.seal()[:4], 0, impostor)
    w = Witness(Ed25519PrivateKey.generate(), store, keys_file(tmp_path / "pin.json", SERVER),
                clock=after_the_story)
    result = w.poll([app.base])
    assert result.cosigned == [] and app.posted == [] and store.held(app.base, "p-example") is None
    assert result.unpinned == [(app.base, signing.key_id(impostor.public_key()),
                                fingerprint(impostor.public_key()))]
    assert "entry 0: signed by key" in result.problems[0]
    assert "not a pinned server key" in result.problems[0]
    assert any(line.startswith("UNPINNED KEY") for line in result.lines())


def test_a_rotation_is_accepted_only_once_the_new_key_is_pinned(parts, tmp_path):
    story, app, store, _ = parts
    pin_file = tmp_path / "pin.json"
    w = Witness(Ed25519PrivateKey.generate(), store, keys_file(pin_file, SERVER),
                clock=after_the_story)
    assert w.poll([app.base]).cosigned == [("p-example", 4)]
    # The operator rotates: entries from 4 on are signed with the new key, which it publishes.
    app.published = [SERVER, NEW]
    app.sealed = reseal(story.seal(), 4, NEW)
    refused = w.poll([app.base])
    assert refused.cosigned == [] and refused.forks == []
    assert [(kid, fp) for _app, kid, fp in refused.unpinned] == \
        [(NEW_ID, fingerprint(NEW.public_key()))]
    assert "entry 4: signed by key " + NEW_ID in refused.problems[0]
    assert store.held(app.base, "p-example").length == 4
    # The witness's operator gets the new key from the district and adds it to the file:
    # the next round (no restart) accepts it.
    keys_file(pin_file, SERVER, NEW)
    accepted = w.poll([app.base])
    assert accepted.cosigned == [("p-example", 7)] and accepted.unpinned == []


def test_a_key_pinned_by_fingerprint_is_remembered_when_no_longer_published(parts, tmp_path):
    story, app, store, _ = parts
    store.remember_keys("http://old", signing.KeyRing({NEW_ID: NEW.public_key()}),
                        "2026-11-01T00:00:00Z")  # seen on trust by an older witness: not pinned
    pins = Pins(fingerprints=frozenset({fingerprint(SERVER.public_key())}))
    w = Witness(Ed25519PrivateKey.generate(), store, pins, clock=after_the_story)
    assert w.poll([app.base]).cosigned == [("p-example", 4)]
    app.published = [NEW]
    app.sealed = story.seal()  # still signed with the old key, which is no longer published
    result = w.poll([app.base])
    assert result.cosigned == [("p-example", 7)]
    assert [kid for _app, kid, _fp in result.unpinned] == [NEW_ID]  # remembered, not pinned


def test_an_unreadable_pinned_keys_file_stops_the_round(parts, tmp_path):
    story, app, store, _ = parts
    pin_file = tmp_path / "pin.json"
    w = Witness(Ed25519PrivateKey.generate(), store, keys_file(pin_file, SERVER),
                clock=after_the_story)
    pin_file.write_text('{"keys": [{"key_id": "x", "alg": "ed25519", "public_key": ""}]}')
    result = w.poll([app.base])
    assert result.cosigned == [] and "nothing cosigned this round" in result.problems[0]


def test_the_command_refuses_to_start_without_a_usable_pin(tmp_path):
    from click.testing import CliRunner

    from votes.cli import main

    base = ["witness", "poll", "--key", str(tmp_path / "w.pem"), "--db",
            str(tmp_path / "w.sqlite3"), "--app", "http://127.0.0.1:9"]
    for extra, said in (([], "没有固定服务器的公钥"),
                        (["--server-fingerprint", "ab:cd"], "64 位十六进制数字"),
                        (["--server-keys", str(tmp_path / "missing.json")],
                         "无法读取固定的公钥文件")):
        result = CliRunner().invoke(main, base + extra)
        assert result.exit_code == 2 and said in result.output, result.output
    assert not (tmp_path / "w.sqlite3").exists()


def test_a_round_that_could_not_check_everything_exits_3(tmp_path):
    """Run from cron, `poll` says when it could not check an app (here: nothing listens),
    so a witness that sees nothing is not taken for one that saw nothing wrong."""
    from click.testing import CliRunner

    from votes.cli import main

    key = tmp_path / "w.pem"
    assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
    made = CliRunner().invoke(main, ["witness", "init", "--db", str(tmp_path / "w.sqlite3")])
    assert made.exit_code == 0, made.output
    keys_file(tmp_path / "server-keys.json", SERVER)
    result = CliRunner().invoke(main, ["witness", "poll", "--key", str(key), "--db",
                                       str(tmp_path / "w.sqlite3"), "--server-keys",
                                       str(tmp_path / "server-keys.json"),
                                       "--app", "http://127.0.0.1:9"])
    assert result.exit_code == 3 and "problem:" in result.output, result.output


def test_poll_never_makes_a_new_database_nor_reads_a_foreign_one(tmp_path):
    """A typo'd --db would start a witness that has forgotten every head it cosigned (and
    would cosign a rewritten history): poll refuses a missing file, and a file that is not
    a witness database, with a sentence; `init` makes one, once."""
    from click.testing import CliRunner

    from votes.cli import main

    key = tmp_path / "w.pem"
    assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
    keys_file(tmp_path / "server-keys.json", SERVER)
    db = tmp_path / "w.sqlite3"

    def poll():
        return CliRunner().invoke(main, ["witness", "poll", "--key", str(key), "--db", str(db),
                                         "--server-keys", str(tmp_path / "server-keys.json"),
                                         "--app", "http://127.0.0.1:9"])

    missing = poll()
    assert missing.exit_code == 2 and "witness init" in missing.output and not db.exists()
    db.write_bytes(b"not a database, but some other file" * 100)
    foreign = poll()
    assert foreign.exit_code == 2 and "不是见证人数据库" in foreign.output
    assert "Traceback" not in foreign.output
    db.unlink()
    assert CliRunner().invoke(main, ["witness", "init", "--db", str(db)]).exit_code == 0
    assert CliRunner().invoke(main, ["witness", "init", "--db", str(db)]).exit_code == 2
    assert poll().exit_code == 3  # a real database: the round runs (nothing listens)


def test_keygen_and_init_in_a_folder_not_made_yet_say_so(tmp_path):
    """docs/deploy.md's first witness step names /etc/votes-witness/witness.pem, a folder a
    fresh host does not have: keygen and init ended in a traceback
    (FileNotFoundError, sqlite3.OperationalError) instead of a sentence."""
    from click.testing import CliRunner

    from votes.cli import main

    missing = tmp_path / "not-made"
    for args in (["witness", "keygen", "--key", str(missing / "w.pem")],
                 ["witness", "init", "--db", str(missing / "w.sqlite3")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output, result.exception)
        assert str(missing) in result.output and "Traceback" not in result.output
    assert not missing.exists()


def test_poll_refuses_an_sqlite_file_that_holds_no_witness_tables(tmp_path):
    """An empty file (a backup copy that failed, `touch`) or another program's SQLite
    database is a valid database to SQLite: poll made the witness's tables in it and ran as
    a witness that had forgotten every head it cosigned."""
    import sqlite3

    from click.testing import CliRunner

    from votes.cli import main

    key = tmp_path / "w.pem"
    assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
    keys_file(tmp_path / "server-keys.json", SERVER)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).executescript("CREATE TABLE notes (text TEXT);").close()
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    for db in (tmp_path / "empty.sqlite3", other):
        result = CliRunner().invoke(main, ["witness", "poll", "--key", str(key), "--db",
                                           str(db), "--server-keys",
                                           str(tmp_path / "server-keys.json"),
                                           "--app", "http://127.0.0.1:9"])
        assert result.exit_code == 2 and "不是见证人数据库" in result.output, result.output
    assert sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall() == [
        ("notes",)]


class PagedApp(FakeApp):
    """FakeApp announcing its one head on a second page, after `first` (a page of no heads
    whose cursor is `cursor`); `again` repeats that page's cursor forever."""

    def __init__(self, sealed, again: bool = False):
        super().__init__(sealed)
        self.asked: list[str] = []
        inner = self.server.RequestHandlerClass
        app = self

        class Handler(inner):
            def do_GET(self):
                url = urlsplit(self.path)
                if url.path != "/api/heads":
                    return super().do_GET()
                app.asked.append(url.query)
                if url.query and not again:
                    return super().do_GET()  # the page with the head, and no "next"
                body = json.dumps({"heads": [], "next": "page 2"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server.RequestHandlerClass = Handler


def test_the_heads_are_read_page_after_page(tmp_path):
    story = good_story()
    app = PagedApp(story.seal()[:4])
    store = Store(tmp_path / "witness.sqlite3")
    try:
        w = Witness(Ed25519PrivateKey.generate(), store,
                    keys_file(tmp_path / "server-keys.json", SERVER), clock=after_the_story)
        result = w.poll([app.base])
        assert result.cosigned == [("p-example", 4)] and result.problems == []
        assert app.asked == ["", "after=page%202"]
    finally:
        app.stop()
        store.close()


def test_a_cursor_going_round_in_circles_ends_the_apps_round(tmp_path):
    story = good_story()
    app = PagedApp(story.seal()[:4], again=True)
    store = Store(tmp_path / "witness.sqlite3")
    try:
        w = Witness(Ed25519PrivateKey.generate(), store,
                    keys_file(tmp_path / "server-keys.json", SERVER), clock=after_the_story)
        result = w.poll([app.base])
        assert not result.cosigned and len(app.asked) == 2
        assert any("cursor is not a new one" in p for p in result.problems)
    finally:
        app.stop()
        store.close()


def _round_against_a_hung_resolver(parts, tmp_path, monkeypatch, budget: float):
    """A round over an app named by a host whose lookup never answers (the resolver waits
    on an Event that is set only once the test is over), then the good app; run in a
    thread so that a round that hangs fails the test instead of the suite. The result, the
    round's seconds, and the hung app's URL."""
    import socket
    import threading
    import time

    story, app, store, w = parts
    host = f"hung-resolver-{budget:g}.invalid"  # one per test: a lookup may outlive its test
    never = threading.Event()
    real_getaddrinfo = socket.getaddrinfo

    def hung(name, *args, **kwargs):
        if name == host:
            never.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "gave up")
        return real_getaddrinfo(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    hung_app = f"http://{host}:{app.server.server_address[1]}"
    out: dict = {}

    def one_round():  # a store of its own: SQLite connections stay in their thread
        own = Store(tmp_path / "witness.sqlite3")
        try:
            out["result"] = Witness(w.key, own, w.pins, clock=after_the_story,
                                    round_budget=budget).poll([hung_app, app.base])
        finally:
            own.close()

    started = time.monotonic()
    runner = threading.Thread(target=one_round, daemon=True)
    runner.start()
    runner.join(10)
    took = time.monotonic() - started
    try:
        assert not runner.is_alive(), "the round is still waiting for the name's lookup"
    finally:
        never.set()
        runner.join(10)
    return out["result"], took, hung_app


def test_a_name_lookup_that_never_answers_ends_with_the_round(parts, tmp_path, monkeypatch):
    """Connecting waited at most what was left of the round, but looking up the app's name
    before it did not: a resolver that never answered held the round (and `serve`) for
    ever. Here it never answers and the round has 1 s: the round ends on its budget and
    says what it did not reach."""
    result, took, hung_app = _round_against_a_hung_resolver(parts, tmp_path, monkeypatch, 1)
    assert took < 5, f"the round took {took:.1f} s of its 1"
    assert result.not_reached == [(hung_app, None), (parts[1].base, None)], result
    assert not result.cosigned and not result.problems


def test_a_name_lookup_that_never_answers_is_that_apps_problem(parts, tmp_path, monkeypatch):
    """With time left in the round, the lookup waits as connecting does (TIMEOUT, here
    0.3 s), is reported as that app's problem, and the round goes on to the next app."""
    from votes.witness import transport

    monkeypatch.setattr(transport, "TIMEOUT", 0.3)
    result, took, hung_app = _round_against_a_hung_resolver(parts, tmp_path, monkeypatch, 60)
    assert result.cosigned == [("p-example", 4)] and not result.not_reached, result
    [problem] = result.problems
    assert problem.startswith(hung_app) and "looking up" in problem, problem


class Killed(BaseException):
    """The witness's process dying mid-round (kill -9, OOM, a reboot): nothing of the round
    runs after it, not even its `except Exception`."""


def _killed_after_two_pages(parts, monkeypatch, tmp_path):
    """A round over the 7-entry chain (2 entries a page) that dies fetching its third page,
    having checked entries 0–3; then `again`, a fresh witness process on the same database,
    and the chain pages each round fetched (`from=N`)."""
    from votes.witness import transport

    story, app, store, w = parts
    app.sealed = story.seal()
    real_get = transport.get
    fetched: list[str] = []
    die_at = {"from=4"}

    def get(url):
        if "/chain?" in url:
            fetched.append(url.rsplit("?", 1)[1])
            if fetched[-1] in die_at:
                raise Killed()
        return real_get(url)

    monkeypatch.setattr(transport, "get", get)
    with pytest.raises(Killed):
        w.poll([app.base])
    assert fetched == ["from=0", "from=2", "from=4"] and app.posted == []
    fetched.clear()
    die_at.clear()
    again = Witness(w.key, Store(tmp_path / "witness.sqlite3"), w.pins, clock=after_the_story)
    return again, fetched


def test_a_witness_killed_mid_check_goes_on_from_the_last_page_it_checked(parts, monkeypatch,
                                                                          tmp_path):
    """The progress of a check was stored only when the round's budget cut it short: a
    witness killed mid-check started again from the last cosigned head, and a chain longer
    than one process lifetime could check was never cosigned. It is stored after each page
    checked: the next process asks only for the pages after it, and cosigns the chain."""
    story, app, store, w = parts
    again, fetched = _killed_after_two_pages(parts, monkeypatch, tmp_path)
    try:
        result = again.poll([app.base])
        assert result.cosigned == [("p-example", 7)] and not result.problems, result
        assert fetched == ["from=3", "from=5"]  # entry 3, checked, and the entries after it
        assert app.posted[0]["statement"]["head"] == app.sealed[6].digest
        assert again.store.progress(app.base, "p-example") is None  # cleared by the cosignature
    finally:
        again.store.close()


def test_a_prefix_checked_before_the_witness_was_killed_then_rewritten_is_a_fork(
        parts, monkeypatch, tmp_path):
    """The operator rewrites entry 2 (checked by the process that was killed, not cosigned)
    and re-signs every later one: the next process finds entry 3, where it goes on from,
    replaced by another signed entry, keeps both, and cosigns nothing."""
    story, app, store, w = parts
    checked = story.seal()
    again, fetched = _killed_after_two_pages(parts, monkeypatch, tmp_path)
    rewritten = list(checked[:2])
    for s in checked[2:]:
        entry = dict(s.entry, prev=rewritten[-1].digest)
        if s.seq == 2:
            entry["time"] = entry["time"][:-3] + "59Z"
        rewritten.append(chain.seal(entry, SERVER))
    app.sealed = rewritten
    try:
        result = again.poll([app.base])
        assert result.cosigned == [] and app.posted == [], result
        assert result.forks == [("p-example", "entry 3 differs from the one checked in an "
                                 "earlier round (not yet cosigned)")], result
        [fork] = again.store.forks()
        assert (fork.old_line, fork.new_line) == (checked[3].to_line(), rewritten[3].to_line())
        assert again.store.held(app.base, "p-example") is None
        assert again.poll([app.base]).forks == result.forks  # refused at every round
    finally:
        again.store.close()



def test_a_lookup_thread_that_cannot_start_is_that_rounds_problem_only(parts, monkeypatch):
    """Out of threads (ulimit -u, memory), the lookup's thread did not start: the error left
    the round as a RuntimeError, and the name's pending lookup stayed registered with no
    thread to finish it, so every later round waited it out and never reached the app
    again until the witness restarted. Now that round reports the app, the next one
    cosigns."""
    import threading

    from votes.witness import transport

    story, app, store, w = parts
    monkeypatch.setattr(transport, "TIMEOUT", 0.3)
    start = threading.Thread.start
    failed = []

    def start_or_fail(thread):
        if thread.name.startswith("witness lookup") and not failed:
            failed.append(thread.name)
            raise RuntimeError("can't start new thread")
        return start(thread)

    monkeypatch.setattr(threading.Thread, "start", start_or_fail)
    first = w.poll([app.base])
    assert failed and not first.cosigned and len(first.problems) == 1, first
    assert first.problems[0].startswith(app.base), first
    assert w.poll([app.base]).cosigned == [("p-example", 4)]


class EndlessHeadsApp(FakeApp):
    """FakeApp whose heads come in pages without end, each under every bound an answer has
    (`page` as its list of heads) and each with a new cursor."""

    def __init__(self, sealed, page: bytes):
        super().__init__(sealed)
        self.asked = 0
        inner = self.server.RequestHandlerClass
        app = self

        class Handler(inner):
            def do_GET(self):
                if urlsplit(self.path).path != "/api/heads":
                    return super().do_GET()
                app.asked += 1
                body = b'{"heads":[' + page + b'],"next":"c%d"}' % app.asked
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server.RequestHandlerClass = Handler


@pytest.mark.parametrize("bound", ["bytes", "values"])
def test_heads_pages_without_end_are_bounded_as_one_answer(tmp_path, monkeypatch, bound):
    """Each page of heads was bounded (64 MiB, the values of 1.3) but not the pages
    together: an app serving pages of `{}` with ever-new cursors had the witness hold every
    page's heads until the round's budget ran out — 1.4 GB within 4 s, 16 pages of 4 MB.
    The pages of one round are bounded together as one answer is; past that, the app's
    round ends with a problem (its other heads are not read), before the budget runs out."""
    from votes.core import bundle_zip
    from votes.witness import transport

    if bound == "bytes":
        monkeypatch.setattr(transport, "MAX_RESPONSE", 100_000)
    else:
        monkeypatch.setattr(bundle_zip, "MAX_JSON_ITEMS", 50_000)
    app = EndlessHeadsApp(good_story().seal()[:4], b",".join([b"{}"] * 10_000))
    store = Store(tmp_path / "witness.sqlite3")
    try:
        w = Witness(Ed25519PrivateKey.generate(), store,
                    keys_file(tmp_path / "server-keys.json", SERVER), clock=after_the_story,
                    round_budget=5)
        result = w.poll([app.base])
        assert result.not_reached == [] and result.cosigned == []
        assert app.asked <= 5, app.asked
        [problem] = result.problems
        assert f"{app.base}" in problem and "pages of heads" in problem, problem
    finally:
        app.stop()
        store.close()


def test_countless_malformed_heads_are_counted_not_each_reported(parts):
    """Each malformed head (a decoy) was a problem of its own: one answer of 4.9 million
    `{}` heads, within an answer's bounds, made 4.9 million report lines every round (1.7
    GB and 49 s of the witness's, then a log flooded at each round of `serve`). The first
    are reported as before, the rest counted; the app's real heads are still checked."""
    story, app, store, w = parts
    real = {"proposal": "p-example", "length": 4, "head": app.sealed[3].digest}
    app.answers["/api/heads"] = json.dumps({"heads": [{}] * 5000 + [
        {"proposal": "a b", "length": 1, "head": "0" * 64}] * 5000 + [real]}).encode()
    result = w.poll([app.base])
    assert result.cosigned == [("p-example", 4)]
    assert len(result.problems) <= 101, len(result.problems)
    assert "malformed head {}" in result.problems[0]
    assert "9,900 more" in result.problems[-1] and "not listed" in result.problems[-1]


def test_a_witness_that_cannot_run_never_exits_as_if_it_saw_another_history(tmp_path,
                                                                            monkeypatch):
    """Monitoring reads `poll --once` exiting 1 as a fork, but a missing database, an
    unreadable or garbled key and a mistyped --app also exited 1 (Click's status for its
    errors), and a round that failed on the witness's own side (its database locked by
    `serve`) ended in a traceback, 1 too: each now exits 2 (could not run: nothing was
    checked) or 3 (the round failed), with a sentence, and no witness command says 1 for
    anything but another history."""
    import sqlite3

    from click.testing import CliRunner

    from votes.cli import main

    key, db = tmp_path / "w.pem", tmp_path / "w.sqlite3"
    pins = tmp_path / "server-keys.json"
    keys_file(pins, SERVER)

    def run(*args):
        return CliRunner().invoke(main, ["witness", *map(str, args)])

    def poll(key_path=key, db_path=db, app="http://127.0.0.1:9", *extra):
        return run("poll", "--key", key_path, "--db", db_path, "--server-keys", pins,
                   "--app", app, *extra)

    assert run("keygen", "--key", key).exit_code == 0

    def refused(result, said):
        assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
        assert said in result.output and "Traceback" not in result.output, result.output

    refused(poll(), "witness init")                             # no database yet
    refused(run("forks", "--db", db), "witness init")
    refused(run("cosignatures", "--db", db), "witness init")
    db.write_bytes(b"garbled" * 200)
    refused(poll(), "不是见证人数据库")
    db.unlink()
    assert run("init", "--db", db).exit_code == 0
    refused(run("init", "--db", db), "已存在")
    refused(run("keygen", "--key", key), "已存在")
    refused(run("keygen", "--key", tmp_path / "not-made" / "w.pem"), "not-made")

    refused(poll(key_path=tmp_path / "missing.pem"), "无法读取见证人密钥")
    garbled = tmp_path / "garbled.pem"
    garbled.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    refused(poll(key_path=garbled), "无法读取见证人密钥")
    refused(run("pubkey", "--key", garbled), "无法读取见证人密钥")
    refused(run("serve", "--key", garbled, "--db", db, "--server-keys", pins,
                "--app", "http://127.0.0.1:9"), "无法读取见证人密钥")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

    other = tmp_path / "ec.pem"
    other.write_bytes(generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    refused(poll(key_path=other), "不是 Ed25519 私钥")

    # A mistyped app URL was a `problem:` line (exit 3) every round, for ever.
    for app in ("votes.example.cn", "ftp://votes.example.cn", "https://", "http://host:port",
                "https://votes.example.cn/?x=1"):
        refused(poll(app=app), app)
    refused(poll(key, db, "http://127.0.0.1:9", "--round-budget", "0"), "--round-budget")

    # The witness's own database failing mid-round (locked by `serve`): the round failed.
    def locked(self, apps):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Witness, "poll", locked)
    failed = poll()
    assert failed.exit_code == 3, (failed.output, failed.exception)
    assert "problem: the round failed" in failed.output and "database is locked" in failed.output

    help_text = re.sub(r"\s+", "", run("poll", "--help").output)
    assert "无法运行时（选项、密钥、数据库或--app网址不可用：什么都没有核对）为2；" in help_text, help_text

    # Stopped by hand (Ctrl-C): Click's "Aborted!" was 1 too; 130, as a shell says of it.
    def interrupted(self, apps):
        raise KeyboardInterrupt

    monkeypatch.setattr(Witness, "poll", interrupted)
    assert poll().exit_code == 130

    # Any other command failing on the witness's side: said, and 2, not a traceback's 1.
    from votes.witness.store import Store as WitnessStore

    def unreadable(self, *args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(WitnessStore, "forks", unreadable)
    listed = run("forks", "--db", db)
    assert listed.exit_code == 2 and "database is locked" in listed.output, listed.output
