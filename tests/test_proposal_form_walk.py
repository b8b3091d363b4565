"""The new-proposal form as a committee member fills it in: what an exploratory walk found
confusing or stuck (refused attachments, derived times, the draft's own page)."""

from __future__ import annotations

import io
import re

import pytest

from tests.staff_world import build, sign_in

FORM = {"title": "屋面防水", "matter": "use_fund", "budget": "1000.00",
        "item_title": ["防水"], "item_amount": ["1000.00"], "scope": "building:1",
        "publicity_start": "2026-12-01T12:00", "voting_start": "2026-12-08T12:00",
        "voting_end": "2026-12-15T12:00"}
PDF = b"%PDF-1.4 quote for the roof"


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)  # clock: 2026-12-01 02:00 UTC (10:00 Beijing)


def _token(page: str) -> str:
    found = re.search(r'name="pending" value="([0-9a-f]*)"', page)
    return found.group(1) if found else ""


def test_a_refused_attachment_is_not_kept_for_the_next_save(app, world, client):
    """A .docx was refused by type, yet kept with the form and listed as 已上传、将随草稿保存:
    every later save was refused again for it, and the form had no way to take it out."""
    sign_in(client, "sun_committee")
    refused = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "action": "create",
        "documents": [(io.BytesIO(b"PK\x03\x04 word"), "notes.docx"),
                      (io.BytesIO(PDF), "quote.pdf")]}).get_data(as_text=True)
    assert "不是允许的类型" in refused and "notes.docx" in refused
    kept = re.search(r'id="kept-documents"[^>]*>(.*?)</p>', refused, re.S)
    assert kept and "quote.pdf" in kept.group(1) and "notes.docx" not in kept.group(1)
    saved = client.post("/committee/c/SUN/proposals/new",
                        data={**FORM, "action": "create", "pending": _token(refused)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "quote.pdf" in page and "notes.docx" not in page


def test_a_voting_start_too_soon_names_the_voting_start_not_a_derived_publicity(app, world,
                                                                               client):
    """Publicity left empty, a voting start three days away was refused with "公示开始时间
    2026-11-27 12:00 已过去": a time the member never typed, and advice about a button. It
    now says the voting start is too soon for the publicity, and from when it may be."""
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "action": "create", "publicity_start": "",
        "voting_start": "2026-12-04T12:00"}).get_data(as_text=True)
    assert "公示开始时间 2026-11-27" not in page
    assert "表决开始时间 2026-12-04 12:00 太早" in page
    assert "2026-12-08 10:00" in page  # now (10:00 Beijing) + 7 days of publicity
    emergency = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "action": "create", "publicity_start": "", "emergency": "1",
        "voting_start": "2026-11-30T12:00"}).get_data(as_text=True)
    assert "表决开始时间 2026-11-30 12:00 已过去" in emergency
