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


def _emergency(client, title="消防泵更换", acknowledged=()):
    """The whole community's emergency use, acknowledging the votes on overlapping scopes
    the world holds running (the form names them, each to be ticked)."""
    form = {"title": title, "category": "fire", "applicant": "committee",
            "reason": "消防泵无法启动，消防检查责令立即整改", "scope": "all",
            "budget": "9000.00", "confirm": "1", "acknowledge_failed": list(acknowledged),
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
    done = _emergency(committee, acknowledged=[str(pid)])  # the world's vote is open
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


RLO = "\u202e"  # right-to-left override: "同意\u202e意同不" shows reversed on the board
DRAFT = {"title": "外墙维修", "matter": "use_fund", "scope": "all", "budget": "100.00",
         "item_title": "外墙", "item_amount": "100.00", "voting_start": "2026-12-20T09:00",
         "voting_end": "2026-12-27T09:00", "action": "create"}


def _refused(response, words: str) -> bool:
    return words in response.get_data(as_text=True)


BIDI = "不能包含改变文字显示方向的控制符"
CONTROL = "不能包含控制字符"


@pytest.mark.parametrize("field, value, refusal", [
    ("title", "外墙\x0b维修", CONTROL), ("title", f"外墙维修{RLO}用费", BIDI),
    ("description", f"说明{RLO}明说", BIDI), ("description", "说明\x01", CONTROL),
    ("item_title", f"外墙{RLO}", BIDI)])
def test_a_proposal_refuses_hidden_characters(app, world, field, value, refusal):
    """The title, description and items are frozen on the chain and shown on the board and
    the notices: an override there shows owners other words than those signed."""
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import Proposal

    client = app.test_client()
    sign_in(client, "sun_committee")
    r = client.post("/committee/c/SUN/proposals/new", data={**DRAFT, field: value})
    assert r.status_code == 200 and _refused(r, refusal)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 2
    assert client.post("/committee/c/SUN/proposals/new", data=DRAFT).status_code == 302


def test_an_emergency_use_refuses_a_control_character_in_its_title(app, world):
    client = app.test_client()
    sign_in(client, "sun_committee")
    r = _emergency(client, title="消防泵\x0b更换")
    assert r.status_code == 200 and _refused(r, CONTROL)


def test_visit_notes_contact_and_withdrawal_refuse_hidden_characters(app, world):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Community, Proposal, Visit

    client = app.test_client()
    sign_in(client, "sun_committee")
    pid = world["sun"]["id"]
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    voter = re.search(r'name="voter" value="([^"]+)"', page).group(1)
    for note, refusal in (("敲门\x01无人", CONTROL), (f"已收{RLO}票", BIDI)):
        r = client.post(f"/committee/p/{pid}/visits", data={
            "voter": voter, "outcome": "not_home", "note": note}, follow_redirects=True)
        assert _refused(r, refusal)
    r = client.post("/committee/c/SUN/contact", data={
        "committee_name": f"阳光花园业委会{RLO}", "contact_phone": "0595-22881234"},
        follow_redirects=True)
    assert _refused(r, BIDI)

    draft = client.post("/committee/c/SUN/proposals/new", data=DRAFT)
    other = int(draft.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/committee/p/{other}/move/start-publicity",
                       data={"confirm": "1"}).status_code == 302
    r = client.post(f"/committee/p/{other}/withdraw", data={
        "confirm": "1", "reason": f"方案有误{RLO}误有案方"}, follow_redirects=True)
    assert _refused(r, BIDI)
    with app.app_context():
        assert db.session.scalars(select(Visit)).all() == []
        assert db.session.scalar(select(Community.committee_name)
                                 .where(Community.code == "SUN")) is None
        assert db.session.get(Proposal, other).state == "publicity"


def test_an_answer_to_an_objection_refuses_hidden_characters(app, runner, tmp_path, client):
    from datetime import timedelta

    from tests.procedure_world import END, at, close_at_end, open_vote, vote
    from tests.test_procedure_web import committee

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    committee(runner)
    sign_in(client, "clerk")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    bad = client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                      data={"building": "1", "entrance": "1", "room": "202",
                            "text": f"计票有误{RLO}", "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")},
                      content_type="multipart/form-data")
    assert _refused(bad, BIDI)
    filed = client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                        data={"building": "1", "entrance": "1", "room": "202",
                              "text": "计票有误", "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")},
                        content_type="multipart/form-data")
    seq = int(filed.get_data(as_text=True).split('id="c-objection-')[1].split('"')[0])
    for text, refusal in ((f"已复核{RLO}误无票计", BIDI), ("已复\x0c核", CONTROL)):
        r = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                        data={"objection": seq, "decision": "rejected", "text": text})
        assert _refused(r, refusal)
    ok = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                     data={"objection": seq, "decision": "rejected", "text": "已复核，计票无误"})
    assert "已答复异议" in ok.get_data(as_text=True)
