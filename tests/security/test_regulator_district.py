"""A regulator of one district (350502, SUN) after another district's vote (350503, MOON)
by what they can change in a request: a verification job's id under their own vote's
address, the overview's filters and CSV, the audit log. The routes themselves are
tests/security/test_every_route.py's matrix."""

from __future__ import annotations

import csv
import io

import pytest

from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _jobs(app, pid: int) -> list[int]:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Verification

    with app.app_context():
        return list(db.session.scalars(select(Verification.id).where(
            Verification.proposal_id == pid).order_by(Verification.id)))


def _running(app, pid: int) -> int:
    from votes.extensions import db
    from votes.models import Verification
    from votes.services import clock

    with app.app_context():
        now = clock.wall_now()
        job = Verification(proposal_id=pid, ok=False, outcome="failed", state="running",
                           stage="check:5", chain_head="", report="", verified_by="moon_reg",
                           started_at=now, heartbeat_at=now)
        db.session.add(job)
        db.session.commit()
        return job.id


def test_another_districts_job_id_under_ones_own_vote_shows_nothing_of_it(app, world):
    sun, moon = int(world["sun"]["id"]), int(world["moon"]["id"])
    admin = app.test_client()
    sign_in(admin, "admin1")
    assert admin.post(f"/regulator/p/{moon}/verify").status_code == 303
    (done,) = _jobs(app, moon)
    running = _running(app, moon)
    client = app.test_client()
    sign_in(client, "district")
    for job in (done, running):
        page = client.get(f"/regulator/p/{sun}?job={job}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200, text
        assert "验证通过" not in text and "正在验证" not in text and "admin1" not in text, text
        assert 'http-equiv="refresh"' not in text and 'id="verify-bundle"' in text, text
        assert client.get(f"/regulator/p/{moon}?job={job}").status_code == 404
    for path in ("verification.txt", "scans", "verify"):
        assert client.get(f"/regulator/p/{moon}/{path}").status_code == 404
    assert client.post(f"/regulator/p/{moon}/verify").status_code == 404
    assert _jobs(app, moon) == [done, running] and _jobs(app, sun) == []


def test_the_overview_and_the_audit_log_hold_nothing_of_another_district(app, world):
    moon = world["moon"]["id"]
    client = app.test_client()
    sign_in(client, "district")
    for query in ("", "?state=voting", "?sort=turnout", "?sort=community", "?page=2"):
        page = client.get(f"/regulator/{query}").get_data(as_text=True)
        assert f"/regulator/p/{moon}\"" not in page, (query, page)
    table = client.get("/regulator/?format=csv").get_data(as_text=True).lstrip("\ufeff")
    assert len(list(csv.reader(io.StringIO(table)))) == 2, table  # the header and SUN's vote
    log = list(csv.DictReader(io.StringIO(client.get("/admin/audit?format=csv")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert log and all(r["community_code"] in ("", "SUN") for r in log), log
    assert not any(r["target"] == str(moon) for r in log), log


def test_a_committee_member_reaches_no_regulator_page(app, world):
    sun = world["sun"]["id"]
    client = app.test_client()
    sign_in(client, "sun_committee")
    for path in ("/regulator/", "/regulator/?format=csv", f"/regulator/p/{sun}",
                 f"/regulator/p/{sun}/verification.txt", f"/regulator/p/{sun}/scans",
                 "/admin/audit", "/admin/audit?format=csv"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/regulator/p/{sun}/verify").status_code == 403
    assert _jobs(app, int(sun)) == []


def test_a_regulator_account_without_a_district_sees_no_community_without_one(app, world):
    # Not made by any command today (a regulator needs --jurisdiction): if an account ever
    # lost its district, "no district" must not match the communities that have none.
    from votes.extensions import db
    from votes.models import StaffUser
    from votes.services.communities import get_community

    with app.app_context():
        get_community("MOON").jurisdiction = None
        db.session.scalar(db.select(StaffUser).where(StaffUser.login == "district")) \
            .jurisdiction = None
        db.session.commit()
    client = app.test_client()
    sign_in(client, "district")
    moon = int(world["moon"]["id"])
    assert client.get(f"/regulator/p/{moon}").status_code == 404
    overview = client.get("/regulator/")
    assert overview.status_code == 200
    assert f"/regulator/p/{moon}" not in overview.get_data(as_text=True)
