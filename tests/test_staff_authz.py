"""The authorization matrix: every staff route × every role × own vs other community."""

from __future__ import annotations

import pytest

from tests.staff_world import build, sign_in

ROLES = {None: None, "admin": "admin1", "committee": "sun_committee", "regulator": "district"}


def staff_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if roles is not None:
            yield rule, roles


def url_for_rule(rule, world, own: bool):
    p = world["sun"] if own else world["moon"]
    values = {"code": "SUN" if own else "MOON", "pid": p["id"], "move": "close",
              "digest": "ab" * 32, "upload": "ab" * 16}
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>",
                                                                         str(values[name]))
    return path


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def test_every_staff_route_is_guarded(app, world):
    routes = list(staff_routes(app))
    assert len(routes) >= 15
    checked = 0
    for role, login in ROLES.items():
        client = app.test_client()
        if login:
            sign_in(client, login)
        for rule, roles in routes:
            method = "GET" if "GET" in rule.methods else "POST"
            scoped = bool(set(rule.arguments) & {"code", "pid"})
            for own in ((True, False) if scoped else (True,)):
                url = url_for_rule(rule, world, own)
                r = client.open(url, method=method)
                where = f"{role} {method} {url}"
                if role is None:
                    assert r.status_code == 302 and "/staff/login" in r.headers["Location"], where
                elif role not in roles:
                    assert r.status_code == 403, where
                elif not own and role != "admin":
                    assert r.status_code == 404, where
                elif {"digest", "upload"} & set(rule.arguments):
                    # The world holds no works files and no roll being imported: the route's
                    # own "no such file" (tests/test_works_files.py serves real ones).
                    assert r.status_code == 404, where
                else:
                    assert r.status_code not in (401, 403, 404), where
                checked += 1
    assert checked > 60


def test_owner_session_is_not_staff(app, world, client):
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    client.get(f"/v/{voter_token(app, world['sun'])}")
    client.post(f"/p/{world['sun']['uid']}/verify", data={"answer": ZHANG_SUFFIX})
    r = client.get("/committee/")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_sign_in_is_rate_limited_and_wrong_passwords_refused(app, world, client):
    codes = [client.post("/staff/login", data={"login": "admin1", "password": "wrong"}).status_code
             for _ in range(11)]
    assert codes[0] == 200 and 429 in codes


def test_sessions_expire(app, world, client):
    sign_in(client, "admin1")
    assert client.get("/committee/").status_code == 200
    with client.session_transaction() as session:
        session["staff_since"] -= app.config["PERMANENT_SESSION_LIFETIME"] + 60
    assert client.get("/committee/").status_code == 302


@pytest.mark.real_password_hash
def test_passwords_are_stored_at_argon2s_production_cost(app, runner, client):
    # The rest of the suite hashes cheaply (tests/conftest.py); a deployment must not.
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import StaffUser

    result = runner.invoke(args=["users", "create", "--no-must-change", "root1", "--role", "admin",
                                 "--password", "correct horse battery"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(select(StaffUser.password_hash)
                                   .where(StaffUser.login == "root1"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    signed_in = client.post("/staff/login", data={"login": "root1",
                                                  "password": "correct horse battery"})
    assert signed_in.status_code == 302


def _bundle_download(app, runner, tmp_path):
    """A signed-in regulator's client, the bundle's address, and the audit log's length."""
    from sqlalchemy import func, select

    from tests.staff_world import build, sign_in
    from votes.extensions import db
    from votes.models import AuditEntry

    world = build(app, runner, tmp_path)
    client = app.test_client()
    sign_in(client, "district")

    def entries() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEntry))

    return client, f"/committee/p/{world['sun']['id']}/bundle.zip", entries


def test_a_link_on_another_site_writes_no_audit_entry_in_a_staff_members_name(app, runner,
                                                                             tmp_path):
    """Staff downloads are GETs that write the audit log (a bundle exported, a scan opened),
    and the session cookie goes with a navigation another site starts: a link there made a
    signed-in regulator's browser export a bundle under their name. Such a request gets a
    page to open it again from here; from this app's own pages it downloads as before."""
    client, url, entries = _bundle_download(app, runner, tmp_path)
    before = entries()
    for site in ("cross-site", "same-site"):
        r = client.get(url, headers={"Sec-Fetch-Site": site})
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and r.mimetype == "text/html", page
        assert "其他网站" in page and f'href="{url}?' in page
    assert entries() == before
    r = client.get(url, headers={"Sec-Fetch-Site": "same-origin"})
    assert r.mimetype == "application/zip" and entries() == before + 1
    r = client.get(url, headers={"Sec-Fetch-Site": "none"})  # a bookmark, a typed address
    assert r.mimetype == "application/zip"


def test_a_head_request_from_another_site_writes_no_audit_entry_either(app, runner, tmp_path):
    """HEAD runs the same view as GET (Flask answers it with the GET view's response), so a
    bundle was exported and audited under the signed-in member's name for a HEAD request
    that another page of the same site (a sibling host: SameSite cookies go with it) sent
    with fetch(); only GET was asked to come from this app's own pages."""
    client, url, entries = _bundle_download(app, runner, tmp_path)
    before = entries()
    for site in ("cross-site", "same-site"):
        r = client.head(url, headers={"Sec-Fetch-Site": site})
        assert r.status_code == 200 and r.mimetype == "text/html"
    assert entries() == before
