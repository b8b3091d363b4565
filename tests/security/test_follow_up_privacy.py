"""The door-to-door list and the notice reprint: whoever reads the committee's screen or its
Excel file (printed, forwarded, left on a desk) learns no full name of a person, no phone
number and no ID number; a company's name shows in full but never runs as a formula; a
reprint is only of this proposal's voters and each one is audited."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from tests.factories import make_open_proposal, make_row, resident_id
from tests.staff_world import PASSWORD, sign_in

PEOPLE = [("欧阳娜娜", resident_id(11), "13800138000"), ("司马光明", resident_id(12),
                                                          "13911112222"),
          ("Jean-Luc Picard", resident_id(13), "13900007777")]
COMPANY = '=HYPERLINK("http://evil.example/","点我")'


def _rows() -> list[dict]:
    rows = [make_row(room=f"{i + 1}01", owner_name=name, owner_id=pid, phone=phone)
            for i, (name, pid, phone) in enumerate(PEOPLE)]
    rows.append(make_row(building="2", room="101", owner_name=COMPANY,
                         owner_id="91350500MA2XXXXX1A", owner_kind="单位", phone="13655556666"))
    return rows


def _world(app, runner, tmp_path):
    sun = make_open_proposal(app, runner, tmp_path, code="SUN", rows=_rows())
    moon = make_open_proposal(app, runner, tmp_path, code="MOON")
    for args in (["sun_committee", "--role", "committee", "--community", "SUN"],):
        assert runner.invoke(args=["users", "create", "--no-must-change", *args, "--password",
                                   PASSWORD]).exit_code == 0
    return sun, moon


def _secrets() -> list[str]:
    out = []
    for name, pid, phone in PEOPLE:
        out += [name, name[1:], pid, pid[-8:], phone, phone[:7]]
    return out + ["91350500MA2XXXXX1A", "13655556666", "55556666"]


def test_the_non_voter_list_and_its_excel_mask_every_person(app, runner, tmp_path, client):
    sun, _ = _world(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{sun['id']}/non-voters"
    page = client.get(url).get_data(as_text=True)
    assert "欧*" in page and "司*" in page
    data = client.get(f"{url}?format=xlsx").data
    from openpyxl import load_workbook

    sheet = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row
             if c.value is not None]
    cells = [str(c.value) for c in sheet]
    for secret in _secrets():
        assert secret not in page, secret
        assert not any(secret in c for c in cells), secret
    company = [c for c in sheet if "HYPERLINK" in str(c.value)]
    assert company and all(c.data_type == "s" and c.quotePrefix for c in company)  # text
    assert '<a href="http://evil' not in page  # escaped text on the screen


def _audits(app, action="notice.reprint"):
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _voter(app, pid, building="1", room="101"):
    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit

        return db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == pid, FrozenUnit.building == building,
            FrozenUnit.room == room))


def test_reprints_are_of_this_proposals_voters_only_and_each_is_audited(app, runner, tmp_path,
                                                                        client):
    sun, moon = _world(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{sun['id']}/notice.pdf"
    mine, theirs = _voter(app, sun["id"]), _voter(app, moon["id"])
    for voter in (theirs, "", " ", "%", "*", mine + "x", "../" + mine, "' OR '1'='1"):
        r = client.get(url, query_string={"voter": voter}, follow_redirects=True)
        assert r.status_code == 200 and r.mimetype == "text/html", voter
        assert "没有这位业主的表决通知" in r.get_data(as_text=True), voter
    assert client.get(f"/committee/p/{moon['id']}/notice.pdf",
                      query_string={"voter": theirs}).status_code == 404
    assert _audits(app) == []  # nothing printed, nothing to audit
    for _ in range(2):
        r = client.get(url, query_string={"voter": mine})
        assert r.status_code == 200 and r.mimetype == "application/pdf"
    audits = _audits(app)
    assert len(audits) == 2 and {a.actor for a in audits} == {"sun_committee"}
    details = json.dumps([a.details for a in audits], ensure_ascii=False)
    assert mine in details
    for secret in _secrets():
        assert secret not in details, secret
    anonymous = app.test_client()
    assert anonymous.get(url, query_string={"voter": mine}).status_code in (302, 401)
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "notice.reprint")) == 2
