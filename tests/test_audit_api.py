"""The staff audit log's progress, public for witnesses: its head (seq, digest, time) and the
digest at a seq, never an entry's actor, action, target or details (docs/deploy.md,
Witnesses). Bad input is a 400 in JSON, an entry that does not exist a 404 in JSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from tests.conftest import _sqlite_copy, _test_app
from tests.factories import make_open_proposal
from votes.core.canonical import format_time


def _log(app):
    """Each entry as (seq, the digest served for it, time, actor, action, target, details)."""
    from votes.extensions import db
    from votes.models import AuditEntry
    from votes.services import audit

    with app.app_context():
        return [(e.seq, audit.published(e.digest), format_time(e.time), e.actor, e.action,
                 e.target, json.dumps(e.details, ensure_ascii=False))
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_a_served_digest_cannot_be_recomputed_from_a_guess(app, client, runner, tmp_path):
    """An entry's own digest is a plain hash of the previous digest, its time, actor, action,
    target and details: served as it is, anyone could confirm a guess of an entry (a login
    and account.signout, a visit's outcome) against it, the previous digest being public
    too. The witness needs only a value that changes when the log does: it is served keyed
    (HMAC under a key of the deployment's), the same for the same entry every time."""
    from votes.extensions import db
    from votes.models import AuditEntry

    make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        own = [(e.seq, e.digest) for e in db.session.scalars(select(AuditEntry))]
    for seq, digest in own:
        served = client.get(f"/api/audit/digests/{seq}").get_json()["digest"]
        assert served != digest and len(served) == 64
        assert client.get(f"/api/audit/digests/{seq}").get_json()["digest"] == served
    assert client.get("/api/audit/head").get_json()["head"]["digest"] != own[-1][1]


def test_the_head_and_each_digest_and_nothing_of_the_contents(app, client, runner, tmp_path):
    make_open_proposal(app, runner, tmp_path)
    log = _log(app)
    assert len(log) > 2
    seq, digest, time, *_private = log[-1]
    head = client.get("/api/audit/head")
    assert head.status_code == 200 and head.mimetype == "application/json"
    assert head.get_json() == {"head": {"seq": seq, "digest": digest, "time": time}}
    assert head.headers["Cache-Control"] == "no-store"
    for seq, digest, _time, *_private in (log[0], log[1], log[-1]):
        at = client.get(f"/api/audit/digests/{seq}")
        assert at.status_code == 200 and at.get_json() == {"seq": seq, "digest": digest}
    # None of what staff did is public: not who, what, to what or how.
    answers = head.get_data(as_text=True) + "".join(
        client.get(f"/api/audit/digests/{entry[0]}").get_data(as_text=True) for entry in log)
    for _seq, _digest, _time, actor, action, target, details in log:
        for private in (actor, action, details):
            assert private not in answers
        assert not target or f'"{target}"' not in answers


def test_an_empty_log_says_so(app, client):
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        db.session.execute(delete(AuditEntry))
        db.session.commit()
    assert client.get("/api/audit/head").get_json() == {"head": None}
    missing = client.get("/api/audit/digests/0")
    assert missing.status_code == 404 and missing.get_json()["error"]


@pytest.mark.parametrize("seq", ["x", "-1", "1.0", "²", "１", "9" * 10, "9" * 400, " 1",
                                 "0x1"])
def test_a_seq_that_is_no_whole_number_is_a_400_in_json(app, client, seq):
    from urllib.parse import quote

    response = client.get(f"/api/audit/digests/{quote(seq)}")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/json"
    assert "seq" in response.get_json()["error"]


def test_a_seq_past_the_head_is_a_404_in_json(app, client, runner, tmp_path):
    make_open_proposal(app, runner, tmp_path)
    past = _log(app)[-1][0] + 1
    for seq in (past, 999_999_999):
        response = client.get(f"/api/audit/digests/{seq}")
        assert response.status_code == 404 and response.mimetype == "application/json"
        assert str(seq) in response.get_json()["error"]


def test_the_audit_answers_share_the_chain_apis_limit(sqlite_template, tmp_path):
    """Public and unauthenticated like /api/heads: one address looping on them is held to
    the chain API's per-address limit (shared: the audit answers spend the heads' budget)."""
    from votes.web.api import FULL_ANSWERS_PER_MINUTE

    app = _test_app({"DATABASE_URL": _sqlite_copy(sqlite_template, tmp_path),
                     "INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": True})
    client = app.test_client()
    for n in range(int(FULL_ANSWERS_PER_MINUTE.split()[0])):
        path = "/api/audit/head" if n % 2 else "/api/audit/digests/0"
        assert client.get(path).status_code in (200, 404)
    for path in ("/api/audit/head", "/api/audit/digests/0", "/api/heads"):
        refused = client.get(path)
        assert refused.status_code == 429 and refused.headers.get("Retry-After"), path
