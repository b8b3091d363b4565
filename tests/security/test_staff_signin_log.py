"""A regulator or administrator reads in the audit log who signed in, when and from where."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.staff_world import PASSWORD, build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _entries(app, action: str):
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return [(e.actor, e.target, e.details) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_a_sign_in_and_a_sign_out_are_in_the_audit_log(app, world, client):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from votes.services.audit import verify_log

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # TRUSTED_PROXIES = 1
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    r = client.post("/staff/login", data={"login": "sun_committee", "password": PASSWORD},
                    headers={"X-Forwarded-For": "203.0.113.1, 198.51.100.7"})
    assert r.status_code == 302
    # The client as the one trusted proxy saw it; what the client wrote further left is not.
    assert _entries(app, "account.signin") == [
        ("sun_committee", "sun_committee", {"address": "198.51.100.7"})]
    assert PASSWORD not in str(_entries(app, "account.signin"))
    assert client.post("/staff/logout").status_code == 302
    assert _entries(app, "account.signout") == [
        ("sun_committee", "sun_committee", {"address": "10.0.0.2"})]
    # The administrator reads it on the audit page, in words, and in the CSV export.
    admin = app.test_client()
    sign_in(admin, "admin1")
    assert _entries(app, "account.signin")[-1][0] == "admin1"
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<td>sun_committee</td><td>登录（来自 198.51.100.7）</td>" in page
    assert "<td>sun_committee</td><td>退出（来自 10.0.0.2）</td>" in page
    exported = admin.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    assert "account.signin" in exported and "198.51.100.7" in exported
    with app.app_context():
        assert verify_log() == []


def test_a_failed_sign_in_writes_no_sign_in(app, world, client):
    r = client.post("/staff/login", data={"login": "sun_committee", "password": "wrong one!"})
    assert r.status_code == 200
    assert _entries(app, "account.signin") == []
    # Signing out with no session records nothing either.
    assert client.post("/staff/logout").status_code == 302
    assert _entries(app, "account.signout") == []
