"""Every route of the app, tried by everyone who should not have it, on another community's
object: a stranger, an owner of another vote, a committee member (and a second one, the
clerk) of another community, a regulator of another district, a regulator on a write route,
a disabled account. Each is refused — sign-in, 403 or 404 — the same way whether the object
exists or not, never a 500, and leaves nothing behind (no row, no audit entry).

ROUTES classifies every (rule, method) of the url_map: a route added without a line here
fails test_every_route_is_classified, so a new route is looked at before it ships.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.staff_world import PASSWORD, build, sign_in

# Who may open a route:
#   public   anyone; its object (a proposal by uid, a document, a digest) must be public or
#            a 404 for a draft as for one that does not exist
#   owner    an owner signed in for that proposal (or on the way: link, pick, verify)
#   signin   the staff sign-in pages themselves, and the owners' and staff's sign-out
#   staff    @staff(...) views; "read" may be opened by the roles listed, "write" changes
#            something: never a regulator unless marked "regulator-write"
PUBLIC, OWNER, SIGNIN = "public", "owner", "signin"
READ, WRITE, REGULATOR_WRITE = "read", "write", "regulator-write"

ROUTES = {
    ("/", "GET"): PUBLIC,
    ("/.well-known/votes-keys.json", "GET"): PUBLIC,
    ("/favicon.ico", "GET"): PUBLIC,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/api/audit/digests/<seq>", "GET"): PUBLIC,
    ("/api/audit/head", "GET"): PUBLIC,
    ("/api/heads", "GET"): PUBLIC,
    ("/api/proposals/<uid>/chain", "GET"): PUBLIC,
    ("/api/witness/cosignatures", "POST"): PUBLIC,  # a witness's signed body, checked
    ("/p/<uid>", "GET"): PUBLIC,
    ("/p/<uid>/audit", "GET"): PUBLIC,
    ("/p/<uid>/doc/<int:position>", "GET"): PUBLIC,
    ("/p/<uid>/emergency-notice.pdf", "GET"): PUBLIC,
    ("/p/<uid>/settlement.pdf", "GET"): PUBLIC,
    ("/p/<uid>/share", "GET"): PUBLIC,
    ("/p/<uid>/units", "GET"): PUBLIC,
    ("/v/<token>", "GET"): OWNER,
    ("/v/<token>/objection", "GET"): OWNER,
    ("/v/<token>/objection", "POST"): OWNER,
    ("/p/<uid>/pick", "GET"): OWNER,
    ("/p/<uid>/pick", "POST"): OWNER,
    ("/p/<uid>/verify", "GET"): OWNER,
    ("/p/<uid>/verify", "POST"): OWNER,
    ("/p/<uid>/code", "POST"): OWNER,
    ("/p/<uid>/ballot", "GET"): OWNER,
    ("/p/<uid>/confirm", "GET"): OWNER,
    ("/p/<uid>/confirm", "POST"): OWNER,
    ("/p/<uid>/cast", "POST"): OWNER,
    ("/p/<uid>/device", "POST"): OWNER,
    ("/p/<uid>/emergency", "GET"): OWNER,
    ("/p/<uid>/fund", "GET"): OWNER,
    ("/p/<uid>/mine", "GET"): OWNER,
    ("/p/<uid>/objection", "GET"): OWNER,
    ("/p/<uid>/objection", "POST"): OWNER,
    ("/p/<uid>/receipt/<digest>", "GET"): OWNER,
    ("/p/<uid>/receipt/<digest>/card.svg", "GET"): OWNER,
    ("/p/<uid>/receipt/<digest>/signed.json", "GET"): OWNER,
    # An owner's sign-out, as the staff one: it ends whatever sign-in the browser holds
    # (tests/security/test_owner_session_end.py), and the page after it shows nothing.
    ("/p/<uid>/sign-out", "POST"): SIGNIN,
    ("/p/<uid>/signed-out", "GET"): SIGNIN,
    ("/staff/login", "GET"): SIGNIN,
    ("/staff/login", "POST"): SIGNIN,
    ("/staff/logout", "POST"): SIGNIN,
    ("/staff/password", "GET"): READ,
    ("/staff/password", "POST"): WRITE,  # one's own password: every role
    ("/admin/", "GET"): READ,
    ("/admin/", "POST"): WRITE,
    ("/admin/audit", "GET"): READ,
    ("/committee/", "GET"): READ,
    ("/committee/c/<code>", "GET"): READ,
    ("/committee/c/<code>/contact", "POST"): WRITE,
    ("/committee/c/<code>/emergency", "GET"): READ,
    ("/committee/c/<code>/emergency", "POST"): WRITE,
    ("/committee/c/<code>/procedure", "POST"): WRITE,
    ("/committee/c/<code>/proposals/new", "GET"): READ,
    ("/committee/c/<code>/proposals/new", "POST"): WRITE,
    ("/committee/c/<code>/roll/cancel", "POST"): WRITE,
    ("/committee/c/<code>/roll/confirm", "POST"): WRITE,
    ("/committee/c/<code>/roll/import/<upload>", "GET"): READ,
    ("/committee/c/<code>/roll/preview", "POST"): WRITE,
    ("/committee/c/<code>/scope-preview", "GET"): READ,
    ("/committee/p/<int:pid>", "GET"): READ,
    ("/committee/p/<int:pid>/answer", "POST"): WRITE,
    ("/committee/p/<int:pid>/application.zip", "GET"): READ,
    ("/committee/p/<int:pid>/bundle.zip", "GET"): READ,
    ("/committee/p/<int:pid>/delete", "POST"): WRITE,
    ("/committee/p/<int:pid>/delivery", "POST"): WRITE,
    ("/committee/p/<int:pid>/edit", "GET"): READ,
    ("/committee/p/<int:pid>/edit", "POST"): WRITE,
    ("/committee/p/<int:pid>/emergency-letters.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/emergency-notice.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/move/<move>", "POST"): WRITE,
    ("/committee/p/<int:pid>/non-voters", "GET"): READ,
    ("/committee/p/<int:pid>/notice.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/notices", "GET"): READ,
    ("/committee/p/<int:pid>/notices.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/objection", "POST"): WRITE,
    ("/committee/p/<int:pid>/paper", "POST"): WRITE,
    ("/committee/p/<int:pid>/paper-ballots", "GET"): READ,
    ("/committee/p/<int:pid>/paper-ballots/correct", "POST"): WRITE,
    ("/committee/p/<int:pid>/paper-ballots/withdraw", "POST"): WRITE,
    ("/committee/p/<int:pid>/poster.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/result-notice.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/scans", "GET"): READ,
    ("/committee/p/<int:pid>/settlement.pdf", "GET"): READ,
    ("/committee/p/<int:pid>/transfer", "POST"): WRITE,
    ("/committee/p/<int:pid>/visits", "POST"): WRITE,
    ("/committee/p/<int:pid>/withdraw", "POST"): WRITE,
    ("/committee/p/<int:pid>/withdraw-text", "POST"): WRITE,
    ("/committee/p/<int:pid>/works", "GET"): READ,
    ("/committee/p/<int:pid>/works/acceptance", "POST"): WRITE,
    ("/committee/p/<int:pid>/works/contract", "POST"): WRITE,
    ("/committee/p/<int:pid>/works/files/<digest>", "GET"): READ,
    ("/committee/p/<int:pid>/works/payment", "POST"): WRITE,
    ("/committee/p/<int:pid>/works/settle", "POST"): WRITE,
    ("/regulator/", "GET"): READ,
    ("/regulator/p/<int:pid>", "GET"): READ,
    ("/regulator/p/<int:pid>/scans", "GET"): READ,
    ("/regulator/p/<int:pid>/verification.txt", "GET"): READ,
    ("/regulator/p/<int:pid>/verify", "GET"): READ,
    ("/regulator/p/<int:pid>/verify", "POST"): REGULATOR_WRITE,  # runs the verifier, keeps its report
}

NOWHERE = {"pid": 987654, "code": "NOPE", "uid": "Zz9Zz9Zz9Zz9", "seq": "987654",
           "token": "A" * 40, "digest": "ab" * 32, "upload": "ab" * 16, "position": 1, "move": "close",
           "filename": "nothing-here.css"}
# Tables a refused request may still write: the sign-in and SMS counters.
COUNTERS = {"signin_throttles", "signin_devices", "sms_phone_counts", "lobby_failures"}


def every_route(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def fill(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
    return path


_COUNTS_SQL: dict[str, tuple[list[str], str]] = {}  # per dialect: the tables, the statement


def counts(app) -> dict[str, int]:
    """The rows of every table but COUNTERS, in one statement: a query per table, before and
    after each of some thousand requests, was most of this file's time. The statement is
    compiled once per dialect and sent as text: building its 28 subqueries and their cache
    key anew for each of some 2,000 calls was a third of the file's time again."""
    from sqlalchemy import text

    from votes.extensions import db
    from votes.models.base import Base

    with app.app_context():
        dialect = db.engine.dialect
        if dialect.name not in _COUNTS_SQL:
            tables = [t for t in Base.metadata.sorted_tables if t.name not in COUNTERS]
            query = select(*(select(func.count()).select_from(t).scalar_subquery()
                             .label(t.name) for t in tables))
            _COUNTS_SQL[dialect.name] = ([t.name for t in tables],
                                         str(query.compile(dialect=dialect)))
        names, sql = _COUNTS_SQL[dialect.name]
        row = db.session.execute(text(sql)).one()
    return dict(zip(names, row, strict=True))


def _account(runner, login, *role):
    result = runner.invoke(args=["users", "create", "--no-must-change", login, *role,
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output


@pytest.fixture
def world(app, runner, tmp_path):
    world = build(app, runner, tmp_path)
    app.config["RATELIMIT_ENABLED"] = False  # hundreds of requests from one address here
    _account(runner, "moon_committee", "--role", "committee", "--community", "MOON")
    _account(runner, "moon_clerk", "--role", "committee", "--community", "MOON")
    _account(runner, "moon_district", "--role", "regulator", "--jurisdiction", "350503")
    _account(runner, "sun_gone", "--role", "committee", "--community", "SUN")
    _account(runner, "district_gone", "--role", "regulator", "--jurisdiction", "350502")
    return world


def _outsiders(app, runner, world) -> dict:
    """Signed-in browsers of everyone who has no business with SUN's objects."""
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    browsers = {"stranger": app.test_client()}
    owner = app.test_client()  # an owner of MOON's vote, signed in for it
    owner.get(f"/v/{voter_token(app, world['moon'])}")
    owner.post(f"/p/{world['moon']['uid']}/verify", data={"answer": ZHANG_SUFFIX})
    assert owner.get(f"/p/{world['moon']['uid']}/ballot").status_code == 200
    browsers["moon owner"] = owner
    for login in ("moon_committee", "moon_clerk", "moon_district", "sun_gone",
                  "district_gone"):
        browsers[login] = app.test_client()
        sign_in(browsers[login], login)
    for login in ("sun_gone", "district_gone"):  # signed in, then the account disabled
        assert runner.invoke(args=["users", "disable", login]).exit_code == 0
    return browsers


def test_every_route_is_classified(app):
    """A route added to the app without a line in ROUTES fails here: decide who may open
    it, and this file tries everyone else."""
    found = {(rule.rule, method) for rule, method in every_route(app)}
    assert found - ROUTES.keys() == set(), "classify these routes in ROUTES"
    assert ROUTES.keys() - found == set(), "routes in ROUTES the app no longer has"
    for rule, method in every_route(app):
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        kind = ROUTES[rule.rule, method]
        where = f"{method} {rule.rule}"
        assert (roles is not None) == (kind in (READ, WRITE, REGULATOR_WRITE)), where
        if kind == WRITE and rule.rule != "/staff/password":
            assert "regulator" not in roles, f"a regulator may write: {where}"


def _sun_values(world, draft_uid: str) -> dict:
    return {"pid": world["sun"]["id"], "code": "SUN", "uid": draft_uid, "seq": "1",
            "token": "A" * 40, "digest": "ab" * 32, "upload": "ab" * 16, "position": 1, "move": "close",
            "filename": "nothing-here.css"}


def _sun_draft(app, world) -> tuple[int, str]:
    from votes.extensions import db
    from votes.models import Proposal

    committee = app.test_client()
    sign_in(committee, "sun_committee")
    r = committee.post("/committee/c/SUN/proposals/new", data={
        "title": "外墙维修", "matter": "use_fund", "scope": "all", "budget": "100.00",
        "item_title": "外墙", "item_amount": "100.00", "voting_start": "2026-12-20T09:00",
        "voting_end": "2026-12-27T09:00", "action": "create"})
    assert r.status_code == 302, r.get_data(as_text=True)
    pid = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        return pid, db.session.get(Proposal, pid).uid


def _refused(r, who: str) -> str | None:
    """How `who` was turned away: 'sign-in', '403' or '404'; None when let through."""
    if r.status_code == 302 and "/staff/login" in r.headers.get("Location", ""):
        return "sign-in"
    if r.status_code in (403, 404):
        return str(r.status_code)
    return None


STAFF_OUTSIDERS = ("moon_committee", "moon_clerk", "moon_district")
SIGNED_OUT = ("stranger", "moon owner", "sun_gone", "district_gone")


def test_no_one_reaches_another_communitys_staff_pages(app, runner, world):
    """Every staff route on SUN's proposal and community, by everyone who has no business
    there: refused, as it would be for an object that does not exist, with nothing
    written. A disabled account's open session and an owner's session are signed out."""
    draft_pid, draft_uid = _sun_draft(app, world)
    browsers = _outsiders(app, runner, world)
    sun = _sun_values(world, draft_uid)
    holes, tried = [], 0
    # Counted before the first request, then after each: nothing but the requests runs in
    # between (the client waits out any SMS it queued), so the count after one request is
    # the count before the next, and is not taken twice.
    before = counts(app)
    for rule, method in every_route(app):
        kind = ROUTES[rule.rule, method]
        if kind not in (READ, WRITE, REGULATOR_WRITE):
            continue
        targets = [("SUN", sun), ("SUN draft", {**sun, "pid": draft_pid}),
                   ("nowhere", NOWHERE)]
        if not set(rule.arguments) & {"pid", "code"}:
            targets = targets[:1]
        for who, client in browsers.items():
            if who in STAFF_OUTSIDERS and len(targets) == 1:
                continue  # their own home page, audit log, password: theirs to open
            answers = {}
            for name, values in targets:
                url = fill(rule, values)
                r = client.open(url, method=method, data={})
                tried += 1
                where = f"{who}: {method} {url} → {r.status_code}"
                if r.status_code >= 500:
                    holes.append(f"server error {where}")
                answers[name] = _refused(r, who)
                after = counts(app)
                if answers[name] is not None and after != before:
                    changed = {t for t in after if after[t] != before[t]}
                    holes.append(f"wrote {sorted(changed)} when refused: {where}")
                before = after
                if who in SIGNED_OUT:
                    if answers[name] != "sign-in":
                        holes.append(f"not sent to sign in: {where}")
                elif answers[name] is None:
                    holes.append(f"let through: {where}")
            if len(set(answers.values())) > 1:
                holes.append(f"{who} tells apart {method} {rule.rule}: {answers}")
    assert holes == [], "\n".join(holes)
    assert tried > 1000


def test_a_regulator_writes_nothing(app, runner, world):
    """A regulator of the very district, on every staff route that changes something: 403,
    nothing written."""
    client = app.test_client()
    sign_in(client, "district")
    sun = _sun_values(world, "")
    holes = []
    for rule, method in every_route(app):
        if ROUTES[rule.rule, method] != WRITE or rule.rule == "/staff/password":
            continue
        before = counts(app)
        url = fill(rule, sun)
        r = client.open(url, method=method, data={"confirm": "1"})
        if r.status_code != 403 or counts(app) != before:
            holes.append(f"{method} {url} → {r.status_code}")
    assert holes == [], "\n".join(holes)


def test_staff_pages_opened_change_nothing(app, runner, world):
    """A GET of a staff page, by the member it belongs to, writes no row but the audit
    log's (a download or a scan opened is audited): every change is a POST, which needs
    the form's CSRF token."""
    draft_pid, draft_uid = _sun_draft(app, world)
    members = {"sun_committee": app.test_client(), "district": app.test_client(),
               "admin1": app.test_client()}
    for login, client in members.items():
        sign_in(client, login)
    holes = []
    before = counts(app)  # then after each GET, the count before the next (as above)
    for rule, method in every_route(app):
        if method != "GET" or ROUTES[rule.rule, method] not in (READ,):
            continue
        roles = app.view_functions[rule.endpoint].allowed_roles
        for login, client in members.items():
            role = {"sun_committee": "committee", "district": "regulator"}.get(login, "admin")
            if role not in roles:
                continue
            for values in (_sun_values(world, draft_uid), {**_sun_values(world, draft_uid),
                                                           "pid": draft_pid}):
                url = fill(rule, values)
                r = client.get(url, headers={"Sec-Fetch-Site": "same-origin"})
                if r.status_code >= 500:
                    holes.append(f"server error {login}: GET {url}")
                after = counts(app)
                changed = {t for t in after if after[t] != before[t]} - {"audit_entries"}
                if changed:
                    holes.append(f"{login}: GET {url} wrote {sorted(changed)}")
                before = after
    assert holes == [], "\n".join(holes)


def test_every_form_needs_its_csrf_token(app, runner, world):
    """With CSRF checks on (as deployed), every POST but the witnesses' signed API answers
    400 without the token, before anything is read or written."""
    app.config["WTF_CSRF_ENABLED"] = True
    members = {"sun_committee": app.test_client(), "district": app.test_client(),
               "admin1": app.test_client()}
    for login, client in members.items():
        sign_in_csrf(client, login)
    sun = _sun_values(world, "")
    sun["uid"] = world["sun"]["uid"]
    holes = []
    for rule, method in every_route(app):
        if method != "POST" or rule.rule == "/api/witness/cosignatures":
            continue
        for login, client in members.items():
            before = counts(app)
            url = fill(rule, sun)
            r = client.post(url, data={"confirm": "1"})
            if r.status_code != 400 or counts(app) != before:
                holes.append(f"{login}: POST {url} → {r.status_code}")
    assert holes == [], "\n".join(holes)


def sign_in_csrf(client, login: str) -> None:
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/staff/login", data={"login": login, "password": PASSWORD,
                                          "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_public_and_owner_routes_hide_drafts_and_strangers_things(app, runner, world):
    """The public and owner routes, on a draft's uid and on a uid that does not exist, by a
    stranger and by an owner of another vote: the same refusal for both, never a 500."""
    draft_pid, draft_uid = _sun_draft(app, world)
    browsers = {k: v for k, v in _outsiders(app, runner, world).items()
                if k in ("stranger", "moon owner")}
    holes, sent = [], 0
    for rule, method in every_route(app):
        kind = ROUTES[rule.rule, method]
        if kind not in (PUBLIC, OWNER) or not set(rule.arguments) & {"uid", "token", "seq"}:
            continue
        for who, client in browsers.items():
            answers = {}
            for name, values in (("draft", {**NOWHERE, "uid": draft_uid}),
                                 ("nowhere", NOWHERE)):
                before = counts(app)
                url = fill(rule, values)
                sent += 1  # each from an address of its own: the per-address limits aside
                r = client.open(url, method=method, data={},
                                environ_overrides={"REMOTE_ADDR": f"10.9.{sent // 250}.{sent % 250}"})
                if r.status_code >= 500:
                    holes.append(f"server error {who}: {method} {url}")
                answers[name] = r.status_code
                changed = {t for t, n in counts(app).items() if before[t] != n}
                if changed:
                    holes.append(f"{who}: {method} {url} wrote {sorted(changed)}")
            if len(set(answers.values())) > 1:
                holes.append(f"{who} tells apart {method} {rule.rule}: {answers}")
    assert holes == [], "\n".join(holes)


def test_owner_pages_of_another_vote_are_not_the_owners(app, runner, world):
    """An owner signed in for MOON's vote, on every owner page of SUN's open vote: sent to
    sign in for SUN (no ballot, no receipt, no records of SUN's voters), never a 500."""
    browsers = _outsiders(app, runner, world)
    owner = browsers["moon owner"]
    sun = {**NOWHERE, "uid": world["sun"]["uid"]}
    holes = []
    for rule, method in every_route(app):
        if ROUTES[rule.rule, method] != OWNER or "uid" not in rule.arguments:
            continue
        if rule.endpoint in ("owner.pick", "owner.verify", "owner.send_code"):
            continue  # the way in for SUN's owners: open to anyone by design
        before = counts(app)
        url = fill(rule, sun)
        r = owner.open(url, method=method, data={"choice": "agree"})
        page = r.get_data(as_text=True)
        if r.status_code >= 500 or (r.status_code == 200 and "张三" in page):
            holes.append(f"{method} {url} → {r.status_code}")
        if r.status_code == 200 and ("回执" in page and "ab" * 32 in page):
            holes.append(f"{method} {url} shows a receipt")
        changed = {t for t, n in counts(app).items() if before[t] != n}
        if changed:
            holes.append(f"{method} {url} wrote {sorted(changed)}")
    assert holes == [], "\n".join(holes)



def test_another_votes_ids_sent_in_a_form_under_ones_own_vote(app, runner, world):
    """A committee member of SUN, on SUN's own pages, sends in a form field or a query an
    id of MOON's vote (a voter, a ballot entry, a scan): refused as unknown, nothing of
    MOON's shown or changed, never a 500."""
    import hashlib

    from tests.staff_world import enter_paper
    from votes.extensions import db
    from votes.models import Ballot, FrozenVoter

    moon = app.test_client()
    sign_in(moon, "moon_committee")
    moon_url = f"/committee/p/{world['moon']['id']}"
    assert enter_paper(moon, moon_url, "202").status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(Ballot.seq).where(
            Ballot.proposal_id == world["moon"]["id"], Ballot.channel == "paper"))
        moon_voter = db.session.scalar(select(FrozenVoter.voter_key).where(
            FrozenVoter.proposal_id == world["moon"]["id"]))
        assert db.session.scalar(select(Ballot.id).where(
            Ballot.proposal_id == world["sun"]["id"], Ballot.seq == entry)) is None
    sun = app.test_client()
    sign_in(sun, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    # One roll in both communities: every voter key of MOON's is SUN's too (a person's key
    # does not depend on the community), so a voter key is probed as one MOON's alone has.
    moon_voter = "v-" + "0" * 24 if moon_voter else moon_voter
    probes = [
        ("POST", f"{url}/visits", {"voter": moon_voter, "outcome": "not_home", "note": "x"}),
        ("GET", f"{url}/notice.pdf?voter={moon_voter}", {}),
        ("GET", f"{url}/scans?file={hashlib.sha256(b'scan').hexdigest()}", {}),
        ("POST", f"{url}/paper-ballots/correct", {"entry": str(entry), "choice": "disagree",
                                                  "reason": "录入错误", "confirm": "1"}),
        ("POST", f"{url}/paper-ballots/withdraw", {"entry": str(entry), "reason": "录入错误",
                                                   "confirm": "1"}),
        ("POST", f"{url}/answer", {"objection": str(entry), "decision": "rejected",
                                   "text": "已复核"}),
        ("POST", f"{url}/withdraw-text", {"seq": str(entry), "reason": "含个人信息"}),
    ]
    holes = []
    for method, address, form in probes:
        before = counts(app)
        r = sun.open(address, method=method, data=form)
        after = counts(app)
        changed = {t for t in after if after[t] != before[t]} - {"audit_entries"}
        if r.status_code >= 500 or r.mimetype == "application/pdf" or changed \
                or after["audit_entries"] != before["audit_entries"]:
            holes.append(f"{method} {address} → {r.status_code} {r.mimetype} {changed}")
    assert holes == [], "\n".join(holes)
