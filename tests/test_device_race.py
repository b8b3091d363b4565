"""Spec §14.3: two sessions of one voter race — one registers a device key, the other casts
an unsigned online ballot. The ballot's check of the voter's keys before the lock cannot
see a registration committed after it; the append decides again under the proposal lock,
so the chain never holds an unsigned online ballot after its voter's device entry (which
would fail step 6.10). The interleaving is forced, not hoped for: a hook runs the other
session's registration to completion between the ballot's preparation and its lock."""

from __future__ import annotations

import threading

import pytest

from tests.factories import make_open_proposal, resident_id
from tests.test_device_entries import _chain, _key
from tests.test_owner_http import ZHANG_SUFFIX, cast, post_device, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def _register_before_the_ballots_lock(monkeypatch, app, vote, room: str,
                                      suffix: str = ZHANG_SUFFIX) -> list[int]:
    """Hook the cast: when it is about to take the proposal lock, a second session of the
    owner of `room` (another browser, another thread) registers a device key, committed."""
    from votes.services import ballots, pg_append

    other = app.test_client()
    verified(other, app, vote, room=room, suffix=suffix)
    _, spki = _key()
    real_lock, real_head = ballots.lock_for_voting, pg_append.lock_head
    statuses: list[int] = []

    def register():
        if not statuses:
            statuses.append(0)  # the registration's own lock goes straight through
            thread = threading.Thread(target=lambda: statuses.__setitem__(
                0, post_device(other, vote, {"public_key": spki})
                .status_code))
            thread.start()
            thread.join(timeout=60)
            assert not thread.is_alive()

    def hooked(session, proposal_id, signer):
        register()
        return real_lock(session, proposal_id, signer)

    def hooked_head(session, proposal_id, *args):  # PostgreSQL's online ballots' path
        register()
        return real_head(session, proposal_id, *args)

    monkeypatch.setattr(ballots, "lock_for_voting", hooked)
    monkeypatch.setattr(pg_append, "lock_head", hooked_head)
    return statuses


def test_an_unsigned_ballot_racing_a_registration_is_refused_not_chained(
        app, client, vote, monkeypatch, tmp_path):
    from votes.core.verifier import IN_PROGRESS, verify_bundle
    from votes.services.export import export_bundle
    from votes.services.keys import keyring

    verified(client, app, vote)  # the owner of 101, in a browser without WebCrypto
    statuses = _register_before_the_ballots_lock(monkeypatch, app, vote, "101")
    r, _ = cast(client, vote)
    assert statuses == [200]  # the registration ran, between the check and the lock
    assert r.status_code == 302 and r.headers["Location"].endswith("/confirm")  # the choice kept
    assert "登记过的设备" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "device"]
    target = tmp_path / "interim.zip"
    with app.app_context():
        export_bundle(vote["uid"], str(target))
        ring = keyring()
    report = verify_bundle(str(target), trusted_keys=ring)
    assert report.outcome == IN_PROGRESS and not report.failures, report.render()


def test_another_voters_registration_in_that_moment_does_not_stop_the_ballot(
        app, client, vote, monkeypatch):
    verified(client, app, vote)
    statuses = _register_before_the_ballots_lock(monkeypatch, app, vote, "202",
                                                 resident_id(4)[-6:])  # 赵六
    r, _ = cast(client, vote)
    assert statuses == [200]
    assert "/receipt/" in r.headers["Location"]
    assert [e["kind"] for e in _chain(app, vote)] == ["genesis", "device", "ballot"]
