"""GET /api/heads in pages: a city's every chain head in one answer grew with every vote
ever held. The first page keeps the answer's shape; the witness follows the pages."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.factories import make_open_proposal
from votes.core import signing


@pytest.fixture
def votes(app, runner, tmp_path):
    return [make_open_proposal(app, runner, tmp_path, code=code)
            for code in ("SUN", "MOON", "STAR")]


def test_heads_come_in_pages_followed_by_their_cursor(app, client, votes):
    everything = client.get("/api/heads").get_json()
    assert [h["proposal"] for h in everything["heads"]] == [v["uid"] for v in votes]
    assert everything["next"] is None
    seen, url = [], "/api/heads?limit=2"
    while True:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
        page = r.get_json()
        assert 1 <= len(page["heads"]) <= 2
        seen += page["heads"]
        if page["next"] is None:
            break
        url = f"/api/heads?limit=2&after={page['next']}"
    assert seen == everything["heads"]
    one = client.get(f"/api/heads?limit=1&after={votes[0]['uid']}").get_json()
    assert [h["proposal"] for h in one["heads"]] == [votes[1]["uid"]]
    assert one["next"] == votes[1]["uid"]


def test_a_page_has_a_default_and_a_maximum_size(app, client, votes, monkeypatch):
    from votes.services import witness

    monkeypatch.setattr(witness, "HEADS_PAGE", 2)
    monkeypatch.setattr(witness, "HEADS_PAGE_MAX", 2)
    first = client.get("/api/heads").get_json()
    assert len(first["heads"]) == 2 and first["next"] == votes[1]["uid"]
    assert len(client.get("/api/heads?limit=1000000").get_json()["heads"]) == 2
    for bad in ("limit=0", "limit=-1", "limit=x", "after=" + "f" * 16):
        r = client.get(f"/api/heads?{bad}")
        assert r.status_code == 400 and "error" in r.get_json(), bad


def test_the_witness_reads_every_page(app, votes, tmp_path, monkeypatch):
    """A witness that read only the first page cosigned the first chains and, for one it
    had cosigned before, reported it as no longer announced."""
    from tests.browser import live_server
    from votes.services import witness as app_witness
    from votes.services.keys import keyring
    from votes.witness.pins import Pins
    from votes.witness.poller import Witness
    from votes.witness.store import Store

    monkeypatch.setattr(app_witness, "HEADS_PAGE", 1)
    key = Ed25519PrivateKey.generate()
    keys = tmp_path / "witness-keys.json"
    keys.write_text(json.dumps(signing.KeyRing(
        {signing.key_id(key.public_key()): key.public_key()}).to_json_obj()))
    app.config["WITNESS_KEYS"] = str(keys)
    pins = tmp_path / "server-keys.json"
    with app.app_context():
        pins.write_text(json.dumps(keyring().to_json_obj()))
    store = Store(tmp_path / "witness.sqlite3")
    try:
        w = Witness(key, store, Pins(pins),
                    clock=lambda: datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc))
        with live_server(app) as base:
            result = w.poll([base])
            assert result.problems == []
            assert sorted(uid for uid, _n in result.cosigned) == sorted(v["uid"] for v in votes)
            assert result.posted == 3
            again = w.poll([base])
            assert again.problems == [] and again.cosigned == []
    finally:
        store.close()
