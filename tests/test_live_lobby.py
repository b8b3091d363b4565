"""The lobby poster under load, through gunicorn (4 gthread workers × 8 threads) on
PostgreSQL: 32 owners pick their flats and prove who they are at once, while strangers
answer wrong for one flat from a dozen addresses at once. Every owner gets through, no
request fails, and the flat's daily count of lobby answers holds exactly."""

from __future__ import annotations

import os
import threading

import pytest

from tests.live_gunicorn import Owner, csrf, empty_app, expect, gunicorn

pytestmark = pytest.mark.live
PG_URL = os.environ.get("VOTES_TEST_DATABASE_URL", "")
OWNERS = 32
STRANGERS = 12


class Phone(Owner):
    """An Owner whose requests come from `address` (the proxy's X-Forwarded-For)."""

    def __init__(self, port: int, address: str):
        super().__init__(port)
        self.address = address

    def request(self, step, method, path, form=None):
        conn = self.conn
        if conn is None:
            import http.client

            self.conn = conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.connect()
        original = conn.putheader

        def with_address(name, *values):
            original(name, *values)
            if name == "Host":
                original("X-Forwarded-For", self.address)
        conn.putheader = with_address
        try:
            return super().request(step, method, path, form)
        finally:
            conn.putheader = original


def _flats(app, count: int) -> tuple[str, list[tuple[dict, str]]]:
    """The demo vote's uid and `count` flats of persons who have not voted: (the poster's
    building, entrance and room; an owner's ID suffix)."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.second_factor import _owners
    from votes.services.demo import ensure_demo

    with app.app_context():
        proposal = ensure_demo()
        found, seen = [], set()
        for unit in db.session.scalars(select(FrozenUnit).where(
                FrozenUnit.proposal_id == proposal.id).order_by(FrozenUnit.id)):
            owners = [o for o in _owners(proposal, unit.voter_key) if o["kind"] == "person"]
            if not owners or unit.voter_key in seen:
                continue
            seen.add(unit.voter_key)
            found.append(({"building": unit.building, "entrance": unit.entrance,
                           "room": unit.room}, owners[0]["id"][-6:]))
            if len(found) == count:
                break
        uid = proposal.uid
        db.session.remove()
    return uid, found


def _pick(phone: Phone, uid: str, flat: dict):
    r = phone.request("pick_page", "GET", f"/p/{uid}/pick")
    expect(r.status == 200, "pick page", r)
    r = phone.request("pick", "POST", f"/p/{uid}/pick", {"csrf_token": csrf(r.text), **flat})
    expect(r.status == 302 and r.location == f"/p/{uid}/verify", "pick", r)
    r = phone.request("verify_page", "GET", r.location)
    expect(r.status == 200, "verify page", r)
    return csrf(r.text)


@pytest.fixture
def world(request, tmp_path):
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set VOTES_TEST_DATABASE_URL")
    url = request.getfixturevalue("pg_schema")
    with empty_app(url, tmp_path / "instance") as app:
        yield app, url, tmp_path / "instance"


def test_32_owners_pick_their_flats_at_once_while_strangers_guess_one(world, tmp_path):
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import LobbyFailure, VoterAccess
    from votes.services.lobby import VOTER_DAILY

    app, url, instance = world
    uid, flats = _flats(app, OWNERS + 1)
    victim, owners = flats[0], flats[1:]
    log = tmp_path / "gunicorn.log"
    errors: list[BaseException] = []
    outcomes: list[int] = []
    together = threading.Barrier(OWNERS + STRANGERS, timeout=60)

    def owner(i: int, flat: dict, suffix: str):
        phone = Phone(server.port, "198.51.100.20")  # the meeting hall's one address
        try:
            token = _pick(phone, uid, flat)
            together.wait()
            r = phone.request("wrong", "POST", f"/p/{uid}/verify",
                              {"csrf_token": token, "method": "id", "answer": "000000"})
            expect(r.status == 200 and "验证未通过" in r.text, "a typo", r)
            r = phone.request("verify", "POST", f"/p/{uid}/verify",
                              {"csrf_token": csrf(r.text), "method": "id", "answer": suffix})
            expect(r.status == 302 and r.location == f"/p/{uid}/ballot", "second factor", r)
        except BaseException as exc:
            errors.append(exc)
        finally:
            phone.close()

    def stranger(i: int):
        phone = Phone(server.port, f"203.0.113.{i + 1}")
        try:
            token = _pick(phone, uid, victim[0])
            together.wait()
            for _ in range(2):
                r = phone.request("guess", "POST", f"/p/{uid}/verify",
                                  {"csrf_token": token, "method": "id", "answer": "000000"})
                expect(r.status in (200, 429), "a wrong answer", r)
                outcomes.append(r.status)
        except BaseException as exc:
            errors.append(exc)
        finally:
            phone.close()

    with gunicorn(url, instance, log, extra_env={"VOTES_TRUSTED_PROXIES": "1"}) as server:
        threads = [threading.Thread(target=owner, args=(i, *flat))
                   for i, flat in enumerate(owners)]
        threads += [threading.Thread(target=stranger, args=(i,)) for i in range(STRANGERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "a phone hung"
    assert not errors, errors[:3]
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "deadlock" not in text.lower(), text[-3000:]
    # Exactly the day's allowance of wrong answers was counted for the victim's flat (the
    # others were told to wait), and the owners' typos each once for their own.
    assert len(outcomes) == 2 * STRANGERS and 429 in outcomes, outcomes
    with app.app_context():
        counts = dict(db.session.execute(
            select(VoterAccess.id, func.count(LobbyFailure.id))
            .join(LobbyFailure, LobbyFailure.access_id == VoterAccess.id)
            .group_by(VoterAccess.id)).all())
        db.session.remove()
    assert sorted(counts.values()) == [1] * OWNERS + [VOTER_DAILY], counts
