"""The witness attacked by a malicious operator: the app the witness polls is the
operator's, who can answer anything, differently to each request (docs/verification.md §10).

Each test drives the real witness (`Witness.poll`, and the `votes witness` command) against
a scripted app on loopback and says what the witness must do: refuse to cosign, say what
is wrong, keep the proof of a fork, and neither crash, hang nor forget what it cosigned."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import SERVER, good_story
from tests.loopback import LoopbackServer
from votes.core import chain, signing
from votes.core.canonical import format_time, parse_time
from votes.core.witness import CLOCK_SKEW
from votes.witness import transport
from votes.witness.pins import Pins
from votes.witness.poller import Witness
from votes.witness.store import Store

UID = "p-example"

def after_the_story() -> datetime:
    """The witness's clock: after the scripted story's last entry (2026-12-08)."""
    return datetime(2026, 12, 9, tzinfo=timezone.utc)


def story_for(uid: str):
    story = good_story()
    story.proposal["uid"] = uid
    return story


def rewritten(sealed, seq: int):
    """The insider's rewrite: entry `seq` edited, it and every later entry re-signed with
    the server key (each line valid on its own)."""
    out = list(sealed[:seq])
    for s in sealed[seq:]:
        entry = dict(s.entry, prev=out[-1].digest if out else s.entry["prev"])
        if s.seq == seq:
            entry["time"] = entry["time"][:-3] + "59Z"
        out.append(chain.seal(entry, SERVER))
    return out


class EvilApp(LoopbackServer):
    """The operator's app: `chains` maps uid → sealed entries served at /api/heads and
    /api/proposals/<uid>/chain; `hooks[path]` (a function of the handler and the query)
    may answer instead, with anything."""

    def __init__(self, chains: dict):
        self.chains = chains
        self.hooks: dict = {}
        self.posted: list[dict] = []
        self.requests: list[str] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, body: bytes, status: int = 200):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                path = unquote(url.path)
                app.requests.append(self.path)
                hook = app.hooks.get(path)
                if hook is not None and hook(self, url.query) is not None:
                    return
                if path == "/.well-known/votes-keys.json":
                    self.answer(json.dumps(signing.KeyRing(
                        {signing.key_id(SERVER.public_key()): SERVER.public_key()})
                        .to_json_obj()).encode())
                elif path == "/api/heads":
                    self.answer(json.dumps({"heads": [
                        {"proposal": uid, "length": len(s), "head": s[-1].digest}
                        for uid, s in app.chains.items()]}).encode())
                elif path.startswith("/api/proposals/") and path.endswith("/chain"):
                    uid = path[len("/api/proposals/"):-len("/chain")]
                    if uid not in app.chains:
                        self.send_error(404)
                        return
                    start = int(url.query.split("=")[1])
                    self.answer(b"".join(s.to_line() + b"\n"
                                         for s in app.chains[uid][start:start + 2000]))
                else:
                    self.send_error(404)

            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                app.posted.append(json.loads(data))
                hook = app.hooks.get("POST")
                if hook is not None and hook(self, json.loads(data)) is not None:
                    return
                self.answer(b"{}", 201)

        self.serve(Handler)


@pytest.fixture
def world(tmp_path):
    sealed = story_for(UID).seal()
    app = EvilApp({UID: sealed[:4]})
    pin_file = tmp_path / "server-keys.json"
    pin_file.write_text(json.dumps(signing.KeyRing(
        {signing.key_id(SERVER.public_key()): SERVER.public_key()}).to_json_obj()))
    key = Ed25519PrivateKey.generate()
    stores: list[Store] = []

    def witness(keep: bool = True, clock=after_the_story) -> Witness:
        """The witness (a fresh process: the same key, pins and database file)."""
        store = Store(tmp_path / "witness.sqlite3")
        if keep:
            stores.append(store)
        return Witness(key, store, Pins(pin_file), clock=clock)

    yield app, sealed, witness
    app.stop()
    for s in stores:
        s.close()


# --- what held before this review (kept as regression tests) ---------------------------

def test_same_length_rewrite_is_a_fork_and_survives_a_restart(world):
    app, sealed, witness = world
    assert witness().poll([app.base]).cosigned == [(UID, 4)]
    app.chains[UID] = rewritten(sealed, 1)[:4]
    result = witness().poll([app.base])
    assert result.forks and not result.cosigned
    again = witness().poll([app.base])  # restarted: still holds the old head, still refuses
    assert again.forks and not again.cosigned
    assert witness().store.held(app.base, UID).head == sealed[3].digest
    assert len(witness().store.forks()) == 1


def test_longer_chain_with_a_different_prefix_is_a_fork(world):
    app, sealed, witness = world
    witness().poll([app.base])
    app.chains[UID] = rewritten(sealed, 2)  # 7 entries, entry 2 on rewritten
    result = witness().poll([app.base])
    assert [uid for uid, _ in result.forks] == [UID] and not result.cosigned


def test_digest_that_does_not_recompute_is_refused(world):
    app, sealed, witness = world
    bad = json.loads(sealed[2].to_line())
    bad["entry"]["time"] = "2026-12-01T02:00:01Z"  # content changed, digest and sig kept
    app.hooks[f"/api/proposals/{UID}/chain"] = lambda h, q: h.answer(
        b"".join(s.to_line() + b"\n" for s in sealed[:2]) +
        json.dumps(bad, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
        + b"\n" + sealed[3].to_line() + b"\n") or True
    result = witness().poll([app.base])
    assert not result.cosigned and "digest does not match" in result.problems[0]


@pytest.mark.parametrize("serve_from", [lambda n: 0, lambda n: n + 1, lambda n: n - 1],
                         ids=["from-0", "skips", "repeats"])
def test_a_from_offset_that_skips_or_repeats_is_refused(world, serve_from):
    app, sealed, witness = world
    witness().poll([app.base])
    app.chains[UID] = sealed

    def ignore_from(h, query):
        start = serve_from(int(query.split("=")[1]))
        h.answer(b"".join(s.to_line() + b"\n" for s in sealed[start:]))
        return True

    app.hooks[f"/api/proposals/{UID}/chain"] = ignore_from
    result = witness().poll([app.base])
    assert not result.cosigned and not result.forks and result.problems


def test_another_proposals_chain_under_this_uid_is_refused(world):
    app, sealed, witness = world
    other = story_for("p-other").seal()
    app.chains = {UID: other}
    app.hooks[f"/api/proposals/{UID}/chain"] = lambda h, q: h.answer(
        b"".join(s.to_line() + b"\n" for s in other)) or True
    result = witness().poll([app.base])
    assert not result.cosigned and "another proposal" in result.problems[0]


def test_one_district_cannot_frame_another_by_publishing_its_uid_first(world, tmp_path):
    """One witness watches two districts' apps, each signing with its own pinned key. The
    first district's operator publishes, under a uid of the second's proposal, a chain of
    its own: the witness held what it cosigned by uid alone, so it cosigned that copy, then
    called the honest district's real chain a fork, refused it, and posted it the copy's
    cosignature. What one app serves now never stands for what another serves."""
    app, sealed, witness = world
    framer_key = Ed25519PrivateKey.generate()
    framer_id = signing.key_id(framer_key.public_key())
    copy: list = []
    for s in sealed[:4]:
        copy.append(chain.seal(dict(s.entry, key_id=framer_id,
                                    prev=copy[-1].digest if copy else s.entry["prev"]),
                               framer_key))
    (tmp_path / "server-keys.json").write_text(json.dumps(signing.KeyRing(
        {signing.key_id(SERVER.public_key()): SERVER.public_key(),
         framer_id: framer_key.public_key()}).to_json_obj()))
    framer = EvilApp({UID: copy})
    try:
        first = witness().poll([framer.base, app.base])
        assert first.forks == [] and witness().store.forks() == []
        assert first.cosigned == [(UID, 4), (UID, 4)]
        assert [c["statement"]["head"] for c in app.posted] == [sealed[3].digest]
        assert [c["statement"]["head"] for c in framer.posted] == [copy[3].digest]
        app.chains[UID] = sealed  # the honest district's vote goes on
        second = witness().poll([framer.base, app.base])
        assert second.cosigned == [(UID, 7)] and second.forks == [] and not second.problems
        assert witness().store.held(app.base, UID).head == sealed[6].digest
        assert witness().store.held(framer.base, UID).head == copy[3].digest
        # What the witness gives the honest district's verifier is its app's only, every
        # cosignature it made of it: a bundle exported at 4 entries is checked by the first.
        from click.testing import CliRunner

        from votes.cli import main

        printed = CliRunner().invoke(main, ["witness", "cosignatures", "--db",
                                            str(tmp_path / "witness.sqlite3"),
                                            "--app", app.base + "/"])
        assert printed.exit_code == 0, printed.output
        assert [json.loads(line)["statement"]["head"]
                for line in printed.output.splitlines()] == [sealed[3].digest,
                                                             sealed[6].digest]
    finally:
        framer.stop()


def test_malformed_json_and_partial_answers_are_problems(world):
    app, sealed, witness = world
    for body in (b"{", b'{"heads": 5}', b'{"heads": [1]}', b'{"heads": [{"proposal": 1}]}',
                 b"\xff\xfe", b'{"heads": [{"proposal": "x", "length": 1e999, "head": 1}]}'):
        app.hooks["/api/heads"] = lambda h, q, body=body: h.answer(body) or True
        result = witness().poll([app.base])
        assert result.problems and not result.cosigned, body


def test_a_response_cut_short_is_a_problem(world, monkeypatch):
    app, sealed, witness = world

    def cut(h, q):
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b'{"heads": [')
        h.wfile.flush()
        h.close_connection = True
        return True

    app.hooks["/api/heads"] = cut
    result = witness().poll([app.base])
    assert result.problems and not result.cosigned


# --- the holes this review found ----------------------------------------------------------

def test_a_decoy_proposal_does_not_hide_a_fork_in_another(world):
    """The operator lists first a proposal whose chain it does not serve (or serves
    garbage), then rewrites a proposal the witness cosigned: the witness must still check
    that one, and keep the proof."""
    app, sealed, witness = world
    witness().poll([app.base])
    decoy = story_for("p-decoy").seal()[:1]
    app.chains = {"p-decoy": decoy, UID: rewritten(sealed, 1)[:4]}
    app.hooks["/api/proposals/p-decoy/chain"] = lambda h, q: h.send_error(500) or True
    result = witness().poll([app.base])
    assert [uid for uid, _ in result.forks] == [UID]
    assert any("p-decoy" in p for p in result.problems)
    assert len(witness().store.forks()) == 1


def test_a_malformed_head_does_not_hide_the_others(world):
    app, sealed, witness = world
    app.hooks["/api/heads"] = lambda h, q: h.answer(json.dumps({"heads": [
        {"nonsense": True}, {"proposal": UID, "length": 4, "head": sealed[3].digest}]})
        .encode()) or True
    result = witness().poll([app.base])
    assert result.cosigned == [(UID, 4)] and result.problems


@pytest.mark.parametrize("answer", [
    pytest.param(lambda h: h.wfile.write(b"HELLO\r\n\r\n"), id="bad-status-line"),
    pytest.param(lambda h: h.wfile.write(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 +
                                         b"\r\n\r\n"), id="header-too-long"),
    pytest.param(lambda h: h.answer(b"[" * 200_000), id="deep-json"),
    pytest.param(lambda h: (h.send_response(200), h.send_header("Transfer-Encoding", "chunked"),
                            h.end_headers(), h.wfile.write(b"zz\r\nab\r\n")),
                 id="bad-chunk"),
])
def test_a_garbled_answer_does_not_crash_the_witness(world, answer):
    """An exception escaping the round ends `votes witness serve`: the operator could stop
    the witness of every app it polls with one answer."""
    app, sealed, witness = world
    app.hooks["/api/heads"] = lambda h, q: answer(h) or True
    other = EvilApp({UID: sealed[:4]})
    try:
        result = witness().poll([app.base, other.base])
    finally:
        other.stop()
    assert result.cosigned == [(UID, 4)] and len(result.problems) == 1


def test_an_endless_trickle_is_cut_off(world, monkeypatch):
    """A response that never ends, sent slowly enough that no single read times out: the
    witness gives up after its deadline instead of hanging (the clock is the witness's)."""
    app, sealed, witness = world
    ticks = iter(range(10**9))
    monkeypatch.setattr(transport, "_clock", lambda: next(ticks))
    stop = threading.Event()

    def trickle(h, q):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        while not stop.is_set():
            try:
                h.wfile.write(b"1\r\n \r\n")
                h.wfile.flush()
            except OSError:
                break
        return True

    app.hooks["/api/heads"] = trickle
    try:
        result = witness().poll([app.base])
    finally:
        stop.set()
    assert "took longer than" in result.problems[0]


def test_an_endless_chain_is_checked_page_by_page(world):
    """Heads announce a billion entries and every page repeats the same lines: the witness
    must stop at the first bad page, not gather a billion lines first."""
    app, sealed, witness = world
    app.hooks["/api/heads"] = lambda h, q: h.answer(json.dumps({"heads": [
        {"proposal": UID, "length": 10**9, "head": "0" * 64}]}).encode()) or True
    app.hooks[f"/api/proposals/{UID}/chain"] = lambda h, q: h.answer(
        b"".join(s.to_line() + b"\n" for s in sealed)) or True
    result = witness().poll([app.base])
    assert not result.cosigned and result.problems
    assert len([r for r in app.requests if "/chain" in r]) <= 2


def test_two_rounds_at_once_cannot_make_the_witness_forget_a_cosigned_head(world):
    """Two witness processes on one database (`serve`, and a `poll --once` by hand): the
    operator shows each a different history and lets the second finish last. The witness
    must not cosign both nor end up holding only the second. (Both poll the same app URL,
    as they would; the scripted app tells them apart by the order of their requests: the
    second round starts only once the first has asked for the chain.)"""
    app, sealed, witness = world
    history_a, history_b = sealed[:4], rewritten(sealed, 1)[:4]
    first_posted = threading.Event()
    second: dict = {}
    calls = {"heads": 0, "chain": 0}
    w1 = witness()

    def second_round():  # its own connection, made and closed in its own thread
        w2 = witness(keep=False)
        try:
            second["r"] = w2.poll([app.base])
        finally:
            w2.store.close()

    def heads(h, q):
        calls["heads"] += 1
        shown = history_a if calls["heads"] == 1 else history_b
        h.answer(json.dumps({"heads": [{"proposal": UID, "length": 4,
                                        "head": shown[-1].digest}]}).encode())
        return True

    second_checking = threading.Event()

    def chain_lines(h, q):
        start = int(q.split("=")[1])
        calls["chain"] += 1
        first = calls["chain"] == 1
        if first:  # the first round's: answered once the second has begun its check
            second["t"] = threading.Thread(target=second_round)
            second["t"].start()
            second_checking.wait(30)
        elif "r" not in second:  # the second's: it has read what it holds (nothing); held
            second_checking.set()  # back until the first round has stored and posted A
            first_posted.wait(30)
        shown = history_a if first else history_b
        h.answer(b"".join(s.to_line() + b"\n" for s in shown[start:]))
        return True

    app.hooks["/api/heads"] = heads
    app.hooks[f"/api/proposals/{UID}/chain"] = chain_lines
    app.hooks["POST"] = lambda h, data: first_posted.set()
    r1 = w1.poll([app.base])
    second["t"].join(30)
    r2 = second["r"]
    assert r1.cosigned == [(UID, 4)]
    assert not r2.cosigned, "the witness cosigned two histories"
    assert {c["statement"]["head"] for c in app.posted} == {history_a[-1].digest}
    assert witness().store.held(app.base, UID).head == history_a[-1].digest
    again = witness().poll([app.base])  # history B from now on: a fork
    assert [uid for uid, _ in again.forks] == [UID]


@pytest.mark.parametrize("uid", ["p-x\ncosigned p-y length 9", "p-\x1b[2K\x1b[1Ax",
                                 "p-\u202eelpmaxe", "p-" + "x" * 5000, ""],
                         ids=["newline", "escape", "bidi", "long", "empty"])
def test_a_proposal_uid_with_control_or_bidi_characters_is_refused(world, uid):
    """An operator-chosen uid is printed in the witness's report and its log: with a
    newline or escape sequence it could fake a line or erase the FORK alarm."""
    app, sealed, witness = world
    app.chains = {uid: story_for(uid).seal()[:2]}
    result = witness().poll([app.base])
    assert not result.cosigned
    text = "\n".join(result.lines())
    assert all(ch.isprintable() for ch in text.replace("\n", "")), text
    assert len(result.lines()) == 1 and "\u202e" not in text


def test_a_cosigned_proposal_that_disappears_is_reported_every_round(world):
    """The operator stops announcing a proposal the witness cosigned (deletes it): that is
    a chain shorter than the one cosigned (length 0), and the witness says so."""
    app, sealed, witness = world
    witness().poll([app.base])
    app.chains = {}
    for _ in range(2):
        result = witness().poll([app.base])
        assert any(UID in p and "no longer" in p for p in result.problems), result.problems


def test_entries_dated_in_the_witness_future_are_not_cosigned(world):
    """The server dates an entry after the witness's clock (e.g. a close dated at the end
    of the vote, written early): cosigning it would have the witness vouch for a time that
    had not come."""
    app, sealed, witness = world
    story = story_for(UID)
    story.entries[1]["time"] = "2999-01-01T00:00:00Z"
    app.chains = {UID: story.seal()[:2]}
    result = witness().poll([app.base])
    assert not result.cosigned and "in the future" in result.problems[0]


@pytest.mark.parametrize("ahead, cosigned", [(CLOCK_SKEW, True), (CLOCK_SKEW + 1, False)],
                         ids=["at-the-tolerance", "one-second-more"])
def test_an_entry_may_be_dated_ahead_of_the_witness_by_the_clock_skew_and_no_more(
        world, ahead, cosigned):
    app, sealed, witness = world
    story = story_for(UID)
    story.entries[1]["time"] = format_time(after_the_story() + timedelta(seconds=ahead))
    app.chains = {UID: story.seal()[:2]}
    result = witness().poll([app.base])
    if cosigned:
        assert result.cosigned == [(UID, 2)] and not result.problems, result.problems
        assert app.posted[0]["statement"]["time"] == format_time(after_the_story())
    else:
        assert not result.cosigned and not app.posted
        assert f"entry 1: dated {story.entries[1]['time']}, in the future" in result.problems[0]


def test_a_close_dated_ahead_holds_back_every_new_entry_until_its_time(world):
    """The operator closes early and dates the close at the end of the vote. The witness
    cosigns nothing new for that proposal (as for any bad entry among the new ones: the
    ballots before the close wait too), says so at every round, and cosigns once its clock
    has reached the close's time (less the tolerance): its statement never says the close
    existed before the time it bears."""
    app, sealed, witness = world
    early = datetime(2026, 12, 5, tzinfo=timezone.utc)
    assert witness(clock=lambda: early).poll([app.base]).cosigned == [(UID, 4)]
    app.chains[UID] = sealed  # entries 4–6 served; the close (6) is dated 2026-12-08T01:00
    assert sealed[-1].entry["kind"] == "close"
    for _ in range(2):
        result = witness(clock=lambda: early).poll([app.base])
        assert not result.cosigned and "entry 6: dated 2026-12-08T01:00:00Z, in the future" \
            in result.problems[0], result.problems
    assert witness().store.held(app.base, UID).length == 4
    close = parse_time(sealed[-1].entry["time"])
    done = witness(clock=lambda: close - timedelta(seconds=CLOCK_SKEW)).poll([app.base])
    assert done.cosigned == [(UID, 7)] and not done.problems
    assert app.posted[-1]["statement"]["time"] == "2026-12-08T00:55:00Z"


def test_the_command_refuses_an_entry_dated_after_the_real_clock(world, tmp_path):
    """`votes witness poll` on the machine's clock (it has no other): an entry dated in 2999
    is not cosigned, and the round exits 3 (something could not be cosigned)."""
    from click.testing import CliRunner

    from votes.cli import main

    app, sealed, _ = world
    story = story_for(UID)
    story.entries[1]["time"] = "2999-01-01T00:00:00Z"
    app.chains = {UID: story.seal()[:2]}
    key, db = tmp_path / "cli.pem", tmp_path / "cli.sqlite3"
    assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
    assert CliRunner().invoke(main, ["witness", "init", "--db", str(db)]).exit_code == 0
    result = CliRunner().invoke(main, ["witness", "poll", "--key", str(key), "--db", str(db),
                                       "--server-keys", str(tmp_path / "server-keys.json"),
                                       "--app", app.base])
    assert result.exit_code == 3, result.output
    assert "in the future" in result.output
    assert not any(line.startswith("cosigned") for line in result.output.splitlines())
    assert app.posted == []


def test_a_redirect_is_refused_never_followed(world):
    """The app may not choose where the witness sends requests: a redirect (here to another
    server on the witness's network) is a problem for that app, and nothing reaches the
    other server."""
    app, sealed, witness = world
    inside = EvilApp({})
    try:
        def away(h, q):
            h.send_response(302)
            h.send_header("Location", inside.base + "/admin/delete-everything")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return True

        app.hooks["/api/heads"] = away
        result = witness().poll([app.base])
        assert not result.cosigned and any("302" in p for p in result.problems), result
        assert inside.requests == []
    finally:
        inside.stop()


def test_headers_that_never_end_are_cut_off_at_the_deadline(world, monkeypatch):
    """The deadline held only for the body: an app sending its status line and then one
    header a byte every 19 s (each within the 20 s a read may wait) held the witness on that
    request for as long as it liked (a header line may be 64 KiB: two weeks), and every
    proposal and app after it. Here the scripted app moves the witness's clock on 19 s with
    each byte it sends: the answer is given up at the deadline, its headers still coming."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    stop = threading.Event()

    def slow_headers(h, q):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stop.is_set():
            try:
                h.wfile.write(b"a")
                h.wfile.flush()
            except OSError:
                break
            now[0] += 19
        return True

    app.hooks["/api/heads"] = slow_headers
    other = EvilApp({UID: sealed[:4]})
    try:
        result = witness().poll([other.base, app.base])
    finally:
        stop.set()
        other.stop()
    assert result.cosigned == [(UID, 4)]
    assert len(result.problems) == 1 and "took longer than" in result.problems[0], result


def test_a_round_stops_at_its_time_budget_and_says_what_it_did_not_reach(world, monkeypatch,
                                                                          tmp_path):
    """Each request has its deadline, but a round went on over every proposal and app
    however long the lot took: apps answering each request just inside its deadline held
    the round (and every app after them) for as long as they had proposals. A round now
    has a budget in all; what it did not reach by then is reported as such, and checked at
    the next round. Here the scripted app moves the witness's clock on 60 s with each chain
    it serves, against a budget of 100 s."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    app.chains = {uid: story_for(uid).seal()[:4] for uid in ("p-a", "p-b", "p-c")}
    for uid in app.chains:
        app.hooks[f"/api/proposals/{uid}/chain"] = lambda h, q: now.__setitem__(
            0, now[0] + 60)  # then answered as usual
    later = EvilApp({UID: sealed[:4]})
    try:
        w = witness()
        w.round_budget = 100
        result = w.poll([app.base, later.base])
        assert result.cosigned == [("p-a", 4)]
        # The audit log's check comes after the proposals: not reached either.
        assert result.not_reached == [(app.base, "p-b"), (app.base, "p-c"),
                                      (app.base, "audit log"), (later.base, None)]
        assert later.requests == [] and not result.problems and not result.forks
        lines = result.lines()
        assert f"NOT REACHED {app.base} p-c: the round's time budget (100 s) ran out; " \
               "checked next round" in lines, lines
        assert f"NOT REACHED {later.base}: the round's time budget (100 s) ran out; " \
               "checked next round" in lines, lines

        # Run by `poll`, such a round exits 3 (not everything was checked).
        from click.testing import CliRunner

        from votes.cli import main

        key = tmp_path / "w.pem"
        assert CliRunner().invoke(main, ["witness", "keygen", "--key", str(key)]).exit_code == 0
        polled = CliRunner().invoke(main, [
            "witness", "poll", "--key", str(key), "--db", str(tmp_path / "witness.sqlite3"),
            "--server-keys", str(tmp_path / "server-keys.json"), "--round-budget", "100",
            "--app", later.base, "--app", app.base])
        assert polled.exit_code == 3, polled.output
        assert "NOT REACHED" in polled.output and "Traceback" not in polled.output

        app.hooks.clear()  # the apps answer promptly again: the next round reaches all
        again = w.poll([app.base, later.base])
        assert again.not_reached == [] and not again.problems, again
        assert [w.store.held(app.base, uid).length for uid in ("p-a", "p-b", "p-c")] == \
            [4, 4, 4] and w.store.held(later.base, UID).length == 4
    finally:
        later.stop()


def test_connecting_to_an_app_cannot_overrun_the_round_budget(world, monkeypatch):
    """Each read waited at most what was left of the round, but connecting did not: the
    connect timeout was the full 20 s, so an app whose address took SYNs without answering
    held a round with 5 s left for 20 s more. Here the connection hangs until its timeout
    (moving the witness's clock on by that much): the round ends on its budget."""
    import socket

    app, sealed, witness = world
    now = [0.0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    real_connect = socket.create_connection
    port = app.server.server_address[1]

    def hanging(address, timeout=None, *args, **kwargs):
        if address[1] != port:
            return real_connect(address, timeout, *args, **kwargs)
        now[0] += timeout
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", hanging)
    later = EvilApp({UID: sealed[:4]})
    try:
        w = witness()
        w.round_budget = 5
        result = w.poll([app.base, later.base])
    finally:
        later.stop()
    assert now[0] <= 5, f"the round took {now[0]} s of its 5"
    assert result.not_reached == [(app.base, None), (later.base, None)], result
    assert later.requests == [] and not result.problems


def _slow_pages(app, now, lines_of, seconds: int = 40, size: int = 2) -> None:
    """The app serves chain pages of `size` lines, each moving the witness's clock on by
    `seconds`: a chain that takes longer than a round's budget to check."""
    def slow(h, q):
        now[0] += seconds
        start = int(q.split("=")[1])
        h.answer(b"".join(s.to_line() + b"\n" for s in lines_of()[start:start + size]))
        return True

    app.hooks[f"/api/proposals/{UID}/chain"] = slow


def test_a_chain_longer_than_one_round_is_cosigned_over_several(world, monkeypatch):
    """A check that did not finish within the round's budget started again from the last
    cosigned head at the next round, and ran out of time at the same place: a long chain
    (or a slow app) was never cosigned. The verified prefix is kept in the witness's
    database and the next round goes on from it; only the whole chain is cosigned. Here
    each page of 2 lines takes 40 s against a budget of 100 s: 7 entries take two rounds."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    app.chains = {UID: sealed}
    _slow_pages(app, now, lambda: app.chains[UID])
    w = witness()
    w.round_budget = 100
    first = w.poll([app.base])
    assert first.cosigned == [] and \
        first.not_reached == [(app.base, UID), (app.base, "audit log")], first
    assert w.store.held(app.base, UID) is None and app.posted == []
    second = witness()  # a fresh process: the progress is in its database
    second.round_budget = 100
    result = second.poll([app.base])
    assert result.cosigned == [(UID, 7)] and not result.problems, result
    assert app.posted[0]["statement"]["head"] == sealed[6].digest
    assert [r for r in app.requests if "/chain" in r][-2:] == [
        f"/api/proposals/{UID}/chain?from=3", f"/api/proposals/{UID}/chain?from=5"]


def test_a_prefix_checked_in_an_earlier_round_then_rewritten_is_a_fork(world, monkeypatch):
    """The operator rewrites an entry the witness checked in an earlier round (not yet
    cosigned) and re-signs every later one: the round that goes on finds the entry it
    checked last replaced by another signed one, keeps both, and cosigns nothing."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    assert witness().poll([app.base]).cosigned == [(UID, 4)]
    app.chains = {UID: sealed}
    _slow_pages(app, now, lambda: app.chains[UID], size=1)
    w = witness()
    w.round_budget = 100
    # checked up to entry 4; the audit log after it, not reached
    assert w.poll([app.base]).not_reached == [(app.base, UID), (app.base, "audit log")]
    app.chains = {UID: rewritten(sealed, 4)}
    result = w.poll([app.base])
    assert result.cosigned == [] and [uid for uid, _ in result.forks] == [UID], result
    [fork] = w.store.forks()
    assert fork.old_line == sealed[4].to_line() and fork.new_line == app.chains[UID][4].to_line()
    assert w.store.held(app.base, UID).length == 4 and len(app.posted) == 1


def test_a_prefix_checked_with_a_key_since_unpinned_is_checked_again(world, monkeypatch,
                                                                     tmp_path):
    """The witness's operator unpins a server key (its compromise was announced) between
    two rounds of one check: what that key signed in the part already checked is not
    gone on from, but checked again from the cosigned head, and refused."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    assert witness().poll([app.base]).cosigned == [(UID, 4)]
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    chained = list(sealed[:4])
    for s in sealed[4:]:  # entry 4 signed by the other key, 5 and 6 by the server's again
        entry = dict(s.entry, prev=chained[-1].digest,
                     key_id=signing.key_id((other if s.seq == 4 else SERVER).public_key()))
        chained.append(chain.seal(entry, other if s.seq == 4 else SERVER))
    app.chains = {UID: chained}
    pin_file = tmp_path / "server-keys.json"
    pin_file.write_text(json.dumps(signing.KeyRing(
        {signing.key_id(k.public_key()): k.public_key() for k in (SERVER, other)})
        .to_json_obj()))
    _slow_pages(app, now, lambda: app.chains[UID], seconds=30, size=1)
    w = witness()
    w.round_budget = 100
    # checked up to entry 5; the audit log after it, not reached
    assert w.poll([app.base]).not_reached == [(app.base, UID), (app.base, "audit log")]
    pin_file.write_text(json.dumps(signing.KeyRing(
        {signing.key_id(SERVER.public_key()): SERVER.public_key()}).to_json_obj()))
    result = w.poll([app.base])
    assert result.cosigned == [] and "entry 4: signed by key" in result.problems[0], result
    assert w.store.held(app.base, UID).length == 4


def test_a_prefix_checked_against_a_clock_since_set_back_is_checked_again(world, monkeypatch):
    """The witness's clock is set back between two rounds of one check: the entries checked
    against the later reading may be dated after the new one (more than CLOCK_SKEW), and a
    statement at the new time would cover them (failing the verifier's 10.4). The check
    starts again instead, against the clock as it is now."""
    app, sealed, witness = world
    now = [0]
    monkeypatch.setattr(transport, "_clock", lambda: now[0])
    app.chains = {UID: sealed}
    _slow_pages(app, now, lambda: app.chains[UID], seconds=30)
    w = witness()
    w.round_budget = 100
    # checked up to entry 5; the audit log after it, not reached
    assert w.poll([app.base]).not_reached == [(app.base, UID), (app.base, "audit log")]
    app.chains = {UID: sealed[:6]}
    behind = witness(clock=lambda: datetime(2026, 12, 2, tzinfo=timezone.utc))
    behind.round_budget = 100
    result = behind.poll([app.base])
    assert result.cosigned == [] and "entry 2: dated" in result.problems[0], result


def test_a_witness_database_of_an_earlier_release_prints_the_heads_it_held(world, tmp_path):
    """Made before the witness kept every cosignature: what it held (its latest of each
    chain) is what it can still give; from then on it keeps every one it makes."""
    from click.testing import CliRunner

    from votes.cli import main

    app, sealed, witness = world
    assert witness().poll([app.base]).cosigned == [(UID, 4)]
    path = tmp_path / "witness.sqlite3"
    with sqlite3.connect(path) as db:  # as the earlier release left it
        db.execute("DROP TABLE cosignatures")

    def printed() -> list[int]:
        out = CliRunner().invoke(main, ["witness", "cosignatures", "--db", str(path)])
        assert out.exit_code == 0, out.output
        return [json.loads(line)["statement"]["length"] for line in out.output.splitlines()]

    assert printed() == [4]
    app.chains[UID] = sealed
    assert witness().poll([app.base]).cosigned == [(UID, 7)]
    assert printed() == [4, 7]


def test_a_cosignature_the_app_refuses_as_another_history_is_a_conflict(world):
    """409: the app's own entry at that position is not the one it served the witness (a
    restore that lost entries and appended others in their place, two databases behind one
    address, a rewrite). Not an ordinary problem: the round says CONFLICT and fails like a
    fork, and the next round's check keeps the proof if the chain served differs."""
    app, sealed, witness = world
    app.hooks["POST"] = lambda h, data: h.answer(b'{"error": "conflict"}', 409) or True
    result = witness().poll([app.base])
    assert result.cosigned == [(UID, 4)] and result.conflicts == [(app.base, UID, 4)]
    lines = result.lines()
    assert any(line.startswith(f"CONFLICT {app.base} {UID}: the app refused our cosignature "
                               "of 4 entries (HTTP 409)") for line in lines), lines
    assert not any(line.startswith("problem:") for line in lines), lines
