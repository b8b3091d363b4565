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


def test_the_description_is_on_the_draft_page_and_keeps_its_lines(app, world, client):
    """The draft's page, "草稿内容（公示时业主将看到）", left out the description, the one
    text the member wrote at length; and on the board and the ballot its line breaks were
    run together into one paragraph."""
    sign_in(client, "sun_committee")
    text = "屋面多处渗漏，拟翻新防水层。\n施工单位：某某防水工程有限公司。"
    saved = client.post("/committee/c/SUN/proposals/new",
                        data={**FORM, "action": "create", "description": text})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    pid = saved.headers["Location"].rsplit("/", 1)[1]
    draft = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert re.search(r'<p id="draft-description" class="kept-lines">屋面多处渗漏', draft)
    for sheet in ("staff.css", "votes.css"):  # the staff pages' own sheet kept none
        assert ".kept-lines" in client.get(f"/static/{sheet}").get_data(as_text=True)
    client.post(f"/committee/p/{pid}/move/start-publicity", data={"confirm": "1"})
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        uid = db.session.get(Proposal, int(pid)).uid
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert re.search(r'<p id="plan-description" class="kept-lines">屋面多处渗漏', board)


def test_a_form_too_large_says_the_real_limit_and_leads_back_to_the_form(app, world, client):
    """A 40 MB quote on the proposal form gave "请上传不超过 32 MB 的文件" whatever the
    deployment's limit was, and only 返回首页: the member did not learn that nothing typed
    was saved, nor had a way back to the form."""
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    sign_in(client, "sun_committee")
    form = "http://localhost/committee/c/SUN/proposals/new"
    r = client.post("/committee/c/SUN/proposals/new", headers={"Referer": form}, data={
        **FORM, "action": "create",
        "documents": (io.BytesIO(PDF + b"0" * 3 * 1024 * 1024), "big.pdf")})
    page = r.get_data(as_text=True)
    assert r.status_code == 413 and "2 MB" in page and "32 MB" not in page
    assert "没有保存" in page and 'href="/committee/c/SUN/proposals/new"' in page
    # A referrer of another site is never offered as the way back.
    r = client.post("/committee/c/SUN/proposals/new", headers={"Referer": "https://evil.example/x"},
                    data={**FORM, "documents": (io.BytesIO(b"0" * 3 * 1024 * 1024), "b.pdf")})
    assert "evil.example" not in r.get_data(as_text=True)
