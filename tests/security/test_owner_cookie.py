"""The owner's session cookie named the voter by the public pseudonym (`o:<id>:v-…`, the
voter key of the public chain): Flask signs its cookie, it does not encrypt it, so anyone
reading the cookie on a shared phone could find the owner's ballot. It now holds the key
sealed (votes/web/login.py)."""

from __future__ import annotations

import base64
import json
import zlib

from tests.factories import make_open_proposal, voter_token
from tests.security.test_voter_pseudonym_linkage import ZHANG_SUFFIX, _roll_voters


def _session_of(client) -> dict:
    """The session cookie's payload, as anyone holding the phone can read it (Flask signs
    the cookie, it does not encrypt it)."""
    cookie = client.get_cookie("session")
    payload = cookie.value.split(".")[0] if not cookie.value.startswith(".") \
        else cookie.value[1:].split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    return json.loads(raw)


def test_the_owners_cookie_does_not_hold_the_public_pseudonym(app, runner, tmp_path, client):
    vote = make_open_proposal(app, runner, tmp_path)
    key = _roll_voters(runner, tmp_path, vote)["1-1-101"]
    client.get(f"/v/{voter_token(app, vote)}")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")
    cookie = client.get_cookie("session").value
    state = _session_of(client)
    assert state["_user_id"].startswith("o:")
    assert key not in cookie and key[2:] not in json.dumps(state)
    # Still signed in as that voter.
    ballot = client.get(f"/p/{vote['uid']}/ballot")
    assert ballot.status_code == 200 and "1,647.50" in ballot.get_data(as_text=True)


def test_a_bare_pseudonym_cookie_of_before_the_sealing_is_no_one(app, runner, tmp_path,
                                                                 client):
    """A cookie written before the sealing (`o:<proposal id>:v-…`) was still accepted and
    rewritten sealed. Its only protection was the app's signature: with a leaked SECRET_KEY
    anyone could sign such a cookie for any voter, whose pseudonym the chain publishes. It
    is refused now (the owners signed in then sign in again: docs/releases.md)."""
    vote = make_open_proposal(app, runner, tmp_path)
    key = _roll_voters(runner, tmp_path, vote)["1-1-101"]
    client.get(f"/p/{vote['uid']}")  # a session of its own
    with client.session_transaction() as state:
        state["_user_id"] = f"o:{vote['id']}:{key}"
        state["_fresh"] = True
    r = client.get(f"/p/{vote['uid']}/ballot")
    assert r.status_code == 403 and "请先验证身份" in r.get_data(as_text=True)
    assert "1,647.50" not in r.get_data(as_text=True)
    assert client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).status_code == 403
    with client.session_transaction() as state:  # a forged id is no one
        state["_user_id"] = f"o:{vote['id']}:xyz"
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 403


def test_a_sealed_key_that_happens_to_begin_like_a_pseudonym_is_still_opened(
        app, runner, tmp_path, client, monkeypatch):
    """The sealed key is base64url, whose alphabet holds "v" and "-": one sign-in in 4,096
    sealed a key beginning "v-", which was taken for a cookie of before the change, so the
    sealed text itself was used as the voter key (every owner page then a 500). Only a
    pseudonym's own shape (v- and 24 hex digits, or v-developer) is a cookie of before."""
    from votes.web import login

    real = login.os.urandom
    monkeypatch.setattr(login.os, "urandom",
                        lambda n: b"\xbf\xe0" + bytes(n - 2) if n == 12 else real(n))
    vote = make_open_proposal(app, runner, tmp_path)
    client.get(f"/v/{voter_token(app, vote)}")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")
    assert _session_of(client)["_user_id"].startswith(f"o:{vote['id']}:v-")  # as it happens
    ballot = client.get(f"/p/{vote['uid']}/ballot")
    assert ballot.status_code == 200 and "1,647.50" in ballot.get_data(as_text=True)


def test_a_sealed_key_opens_for_its_own_proposal_only_and_a_damaged_one_for_none(
        app, runner, tmp_path, client):
    """Who holds the cookie: the owner, or whoever holds the phone after them. The sealed
    key is bound to its proposal (AES-GCM's associated data): moved to another proposal's
    id (even one whose roll has the same owner), cut short, altered, padded, emptied or
    given characters base64 has not, it is no one (the sign-in page, never a 500)."""
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "moon").mkdir()
    other = make_open_proposal(app, runner, tmp_path / "moon", code="MOON")
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    sealed = _session_of(client)["_user_id"].split(":", 2)[2]
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    tries = [f"o:{other['id']}:{sealed}", f"o:{vote['id']}:{sealed[:-4]}",
             f"o:{vote['id']}:{sealed[:10]}", f"o:{vote['id']}:{flipped}",
             f"o:{vote['id']}:{sealed}AAAA", f"o:{vote['id']}:", f"o:{vote['id']}:é{sealed}",
             f"o:{vote['id']}:{'A' * 5000}", f"o:0{vote['id']}x:{sealed}", "o::", "o"]
    for user_id in tries:
        with client.session_transaction() as state:
            state["_user_id"] = user_id
        for uid in (vote["uid"], other["uid"]):
            r = client.get(f"/p/{uid}/ballot")
            assert r.status_code == 403, (user_id, uid, r.status_code)
    with client.session_transaction() as state:
        state["_user_id"] = f"o:{vote['id']}:{sealed}"
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 200
    assert client.get(f"/p/{other['uid']}/ballot").status_code == 403
