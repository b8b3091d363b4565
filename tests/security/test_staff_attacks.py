"""The staff side attacked through HTTP: text a committee member types that breaks an export
or hides what it says, and the routes that must refuse it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.staff_world import build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _sheet_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("xl/") and n.endswith(".xml"))


def _emergency(client, title="消防泵更换"):
    form = {"title": title, "category": "fire", "applicant": "committee",
            "reason": "消防泵无法启动，消防检查责令立即整改", "scope": "all",
            "budget": "9000.00", "confirm": "1",
            "evidence": [(io.BytesIO(b"%PDF-1.4 fire report"), "fire.pdf")]}
    return client.post("/committee/c/SUN/emergency", data=form,
                       content_type="multipart/form-data")


def test_exports_survive_control_characters_stored_earlier(app, world):
    """A note or a title holding a vertical tab (Word's line break, pasted) made openpyxl
    refuse the whole workbook: the non-voters sheet and the application package (for the
    committee and the regulator) answered 500 for good, since a title is frozen."""
    from sqlalchemy import update

    from votes.extensions import db
    from votes.models import Proposal, Visit

    committee = app.test_client()
    sign_in(committee, "sun_committee")
    pid = world["sun"]["id"]
    page = committee.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    voter = re.search(r'name="voter" value="([^"]+)"', page).group(1)
    assert committee.post(f"/committee/p/{pid}/visits", data={
        "voter": voter, "outcome": "not_home", "note": "敲门无人"}).status_code == 302
    done = _emergency(committee)
    assert done.status_code == 302, done.get_data(as_text=True)
    emergency = int(done.headers["Location"].rstrip("/").split("/")[-2])
    with app.app_context():  # as stored before the forms refused such characters
        db.session.execute(update(Visit).values(note="敲门\x0b无人\x01"))
        db.session.execute(update(Proposal).where(Proposal.id == emergency)
                           .values(title="消防泵\x0b更换"))
        db.session.commit()

    sheet = committee.get(f"/committee/p/{pid}/non-voters?format=xlsx")
    assert sheet.status_code == 200 and "敲门无人" in _sheet_text(sheet.data)
    regulator = app.test_client()
    sign_in(regulator, "district")
    package = regulator.get(f"/committee/p/{emergency}/application.zip")
    assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(package.data)) as z:
        assert "消防泵更换 分摊表" in _sheet_text(z.read("apportionment.xlsx"))
