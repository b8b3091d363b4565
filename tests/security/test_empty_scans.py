"""A dishonest clerk enters paper ballots, or corrections, on empty "scans": the signed
form is the only evidence of a staff-entered ballot, so an empty file is refused."""

from __future__ import annotations

import io

import pytest

from tests.factories import make_open_proposal
from tests.staff_world import clerk_client
from tests.test_procedure import _chain


@pytest.fixture
def clerk(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    return vote, clerk_client(app, runner)


def test_a_paper_ballot_on_an_empty_scan_is_refused(app, clerk):
    vote, staff = clerk
    form = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b""), "scan.jpg")})
    assert form.status_code == 400
    csv_text = "楼栋,单元,房号,意见,方式,凭证,录入人\n1,1,101,同意,纸质,a.jpg,clerk\n"
    batch = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b""), "a.jpg")]})
    assert batch.status_code == 400
    assert [e for e in _chain(app, vote) if e["kind"] == "ballot"] == []


def test_a_correction_on_an_empty_scan_is_refused(app, clerk):
    vote, staff = clerk
    ok = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff signed form"), "scan.jpg")})
    assert ok.status_code == 302
    seq = [e["seq"] for e in _chain(app, vote) if e["kind"] == "ballot"][0]
    staff.post(f"/committee/p/{vote['id']}/paper-ballots/correct", data={
        "entry": str(seq), "choice": "disagree", "reason": "勾选错误", "confirm": "on",
        "evidence": (io.BytesIO(b""), "new.jpg")})
    assert len([e for e in _chain(app, vote) if e["kind"] == "ballot"]) == 1
