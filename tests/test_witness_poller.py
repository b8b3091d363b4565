"""The witness's round against a scripted app on loopback (no gunicorn): what it cosigns,
posts and refuses when an app cuts its chain short, serves an invalid one, or is down."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import KEY_ID, SERVER, good_story
from tests.servers import free_port
from votes.core import signing, witness
from votes.witness.poller import Witness
from votes.witness.store import Store


class FakeApp:
    """Serves a chain as the app's API does; records the cosignatures posted to it."""

    def __init__(self, sealed):
        self.sealed = sealed
        self.posted: list[dict] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/.well-known/votes-keys.json":
                    body = json.dumps(signing.KeyRing({KEY_ID: SERVER.public_key()})
                                      .to_json_obj()).encode()
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def parts(tmp_path):
    story = good_story()
    app = FakeApp(story.seal()[:4])
    store = Store(tmp_path / "witness.sqlite3")
    yield story, app, store, Witness(Ed25519PrivateKey.generate(), store)
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
    assert store.held("p-example").length == 4


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
