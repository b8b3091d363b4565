"""The committee's delivery (送达记录) and written-objection forms, refused: the page comes
back (400) with the reason beside the form and everything typed kept, the file input said to
be chosen again; the form corrected and sent again with the same page is entered, once."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.procedure_world import END, at, close_at_end, open_vote, vote
from tests.staff_world import committee_clerk, sign_in


def _form(page: str, form_id: str) -> str:
    return page.split(f'id="{form_id}"')[1].split("</form>")[0]


def _once(form: str) -> str:
    return form.split('name="once" value="')[1].split('"')[0]


def test_a_refused_delivery_keeps_what_was_typed(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    page = f"/committee/p/{pid}"
    token = _once(_form(client.get(page).get_data(as_text=True), "delivery-form"))
    typed = {"building": "2", "entrance": "1", "room": "201", "method": "registered_mail",
             "delivered_at": "2030-01-02T10:00", "once": token}  # later than now: refused
    refused = client.post(f"{page}/delivery", content_type="multipart/form-data", data={
        **typed, "evidence": (io.BytesIO(b"\xff\xd8\xff receipt"), "ems.jpg")})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    form = _form(html, "delivery-form")
    assert "送达时间不能晚于现在" in html.split('id="delivery-form"')[0].split('<section class="card" id="procedure">')[1]
    assert "未录入送达记录" in html
    assert 'id="d-building" name="building" value="2"' in form
    assert 'id="d-entrance" name="entrance" value="1"' in form
    assert 'id="d-room" name="room" value="201"' in form
    assert '<option value="registered_mail" selected>' in form
    assert 'value="2030-01-02T10:00"' in form
    assert f'name="once" value="{token}"' in form
    assert 'id="d-evidence-again"' in form and "请重新选择" in form
    assert "已录入送达记录 0 户" in html

    again = client.post(f"{page}/delivery", content_type="multipart/form-data", data={
        **typed, "delivered_at": "2026-11-28T10:00",
        "evidence": (io.BytesIO(b"\xff\xd8\xff receipt"), "ems.jpg")})
    assert again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "已记录送达" in shown and "已录入送达记录 1 户" in shown
    # The form drawn fresh again: nothing typed kept, no refusal.
    assert 'id="d-building" name="building" required' in shown
    assert "d-evidence-again" not in shown


def test_a_refused_written_objection_keeps_what_was_typed(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    page = f"/committee/p/{pid}"
    token = _once(_form(client.get(page).get_data(as_text=True), "objection-form"))
    typed = {"building": "1", "entrance": "1", "room": "999", "once": token,
             "text": "第一行：计票有误\n第二行：<请复核>"}
    refused = client.post(f"{page}/objection", content_type="multipart/form-data", data={
        **typed, "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    form = _form(html, "objection-form")
    assert "未录入书面异议" in html and 'id="entry-refused"' in html
    assert 'id="o-building" name="building" value="1"' in form
    assert 'id="o-room" name="room" value="999"' in form
    assert "第一行：计票有误\n第二行：&lt;请复核&gt;</textarea>" in form
    assert f'name="once" value="{token}"' in form
    assert 'id="o-evidence-again"' in form and "请重新选择" in form
    assert 'id="c-objection-' not in html

    again = client.post(f"{page}/objection", content_type="multipart/form-data", data={
        **typed, "room": "202", "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")})
    assert again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "已录入书面异议" in shown and shown.count('id="c-objection-') == 1
    # Sent once more with the same page: the one entered, not a second objection.
    repeat = client.post(f"{page}/objection", content_type="multipart/form-data", data={
        **typed, "room": "202", "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")})
    assert repeat.status_code == 302
    assert client.get(repeat.headers["Location"]).get_data(as_text=True).count(
        'id="c-objection-') == 1
