"""A door-knocker's note on a visit (走访备注) is kept, listed on the non-voters page and
written into the sheet handed to the next door-knockers, beside owners and phones that the
list masks. A mobile or ID number typed into the note was kept and shown in full; it is now
masked before it is kept, as in objections, contractors' names and payment notes."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.staff_world import build, sign_in

NOTE = "业主说打13912345678找他儿子，身份证35052119900101123X"


def test_a_phone_or_id_number_in_a_visit_note_is_masked_before_it_is_kept(
        app, runner, tmp_path, client):
    from openpyxl import load_workbook

    from votes.extensions import db
    from votes.models import FrozenUnit, Visit

    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == world["sun"]["id"], FrozenUnit.building == "1",
            FrozenUnit.room == "202"))
    sent = client.post(f"{url}/visits", data={"voter": voter, "outcome": "not_home",
                                              "note": NOTE})
    assert sent.status_code == 302, sent.get_data(as_text=True)

    with app.app_context():
        kept = db.session.scalar(select(Visit.note).where(Visit.voter_key == voter))
    page = client.get(f"{url}/non-voters").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get(f"{url}/non-voters?format=xlsx").data))
    cells = " ".join(str(c.value) for row in sheet.active.iter_rows() for c in row
                     if c.value is not None)
    for where in (kept, page, cells):
        assert "13912345678" not in where and "35052119900101123X" not in where
        assert "139****5678" in where and "身份证3505**************" in where


def test_notes_kept_before_the_masking_are_masked_by_the_upgrade(app, runner, tmp_path,
                                                                 client):
    """A note an earlier release kept in full is masked by visitmask_0001."""
    from sqlalchemy import update

    from tests.test_migrations_with_data import _migrate
    from votes.extensions import db
    from votes.models import FrozenUnit, Visit

    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == world["sun"]["id"], FrozenUnit.room == "202"))
    sent = client.post(f"/committee/p/{world['sun']['id']}/visits",
                       data={"voter": voter, "outcome": "not_home", "note": "周末在家"})
    assert sent.status_code == 302
    try:
        _migrate(app, "down", "textsalt_0001")
        with app.app_context():
            db.session.execute(update(Visit).values(note=NOTE))  # as the release before kept it
            db.session.commit()
    finally:
        _migrate(app, "up")
    with app.app_context():
        assert db.session.scalar(select(Visit.note)) == \
            "业主说打139****5678找他儿子，身份证3505**************"
