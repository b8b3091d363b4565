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
    pid = _closed_in_objection_period(app, runner, tmp_path, client)
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


def _closed_in_objection_period(app, runner, tmp_path, client):
    """A vote closed an hour ago with two days for objections, the clerk signed in: its id."""
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    return pid


def _closed_with_objection(app, runner, tmp_path, client):
    """A closed vote in its objection period, one written objection on it: (page, seq)."""
    from tests.procedure_world import file_objection

    pid = _closed_in_objection_period(app, runner, tmp_path, client)
    return pid, file_objection(runner, tmp_path, pid)


def _chain_and_audit(app, pid) -> tuple[int, list[str]]:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import AuditEntry, ChainEntry

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(ChainEntry)
                              .where(ChainEntry.proposal_id == int(pid)))
        actions = [a.action for a in db.session.scalars(select(AuditEntry))]
        db.session.remove()
    return n, actions


def test_a_refused_answer_keeps_what_was_typed(app, runner, tmp_path, client):
    pid, seq = _closed_with_objection(app, runner, tmp_path, client)
    page = f"/committee/p/{pid}"
    token = _once(_form(client.get(page).get_data(as_text=True), f"answer-form-{seq}"))
    before = _chain_and_audit(app, pid)
    # 䶮 is not in the printed font: the answer would print with a hole, so it is refused.
    typed = {"objection": str(seq), "decision": "noted", "once": token,
             "text": "经复核，B 户表决票签名属实\n第二行：<附签收单>䶮"}
    refused = client.post(f"{page}/answer", data=typed)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    form = _form(html, f"answer-form-{seq}")
    above = html.split(f'id="answer-form-{seq}"')[0].split(f'id="c-objection-{seq}"')[1]
    assert "未答复异议" in above and "无法打印" in above and 'id="entry-refused"' in above
    assert "经复核，B 户表决票签名属实\n第二行：&lt;附签收单&gt;䶮</textarea>" in form
    assert '<option value="noted" selected>' in form
    assert '<option value="rejected" selected>' not in form
    assert f'name="once" value="{token}"' in form
    assert _chain_and_audit(app, pid) == before  # no answer entry, nothing audited
    assert "已答复异议" not in html and "答复（第" not in html

    again = client.post(f"{page}/answer", data={**typed, "text": "经复核，B 户表决票签名属实"})
    assert again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "已答复异议" in shown and "经复核，B 户表决票签名属实" in shown
    assert f'id="answer-form-{seq}"' not in shown
    assert _chain_and_audit(app, pid)[0] == before[0] + 1


def test_an_answer_refused_after_another_member_answered_says_so_above_all(
        app, runner, tmp_path, client):
    pid, seq = _closed_with_objection(app, runner, tmp_path, client)
    page = f"/committee/p/{pid}"
    token = _once(_form(client.get(page).get_data(as_text=True), f"answer-form-{seq}"))
    assert runner.invoke(args=["proposal", "answer", pid, str(seq), "--decision", "rejected",
                               "--text", "已复核"]).exit_code == 0
    late = client.post(f"{page}/answer", data={
        "objection": str(seq), "decision": "noted", "text": "我的答复", "once": token})
    assert late.status_code == 400
    html = late.get_data(as_text=True)
    assert "未答复异议" in html and "已经答复" in html
    assert 'id="entry-refused"' not in html  # no form to stand beside: said above all


def test_a_refused_withdrawal_of_a_text_keeps_the_reason(app, runner, tmp_path, client):
    pid, seq = _closed_with_objection(app, runner, tmp_path, client)
    page = f"/committee/p/{pid}"
    before = _chain_and_audit(app, pid)
    reason = "含业主姓名<张三>和电话\n" + "个" * 500  # over the 500 characters a reason may be
    refused = client.post(f"{page}/withdraw-text", data={"seq": str(seq), "reason": reason})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    form = _form(html, f"withdraw-form-{seq}")
    block = html.split(f'id="c-objection-{seq}"')[1].split(f'id="withdraw-form-{seq}"')[0]
    assert "<details open>" in block
    assert "未撤下公示" in block and "理由不能超过 500 字" in block
    assert "含业主姓名&lt;张三&gt;和电话\n" + "个" * 500 + "</textarea>" in form
    assert _chain_and_audit(app, pid) == before
    assert "proposal.text_withdrawn" not in before[1]
    assert "已撤下公示" not in html

    empty = client.post(f"{page}/withdraw-text", data={"seq": str(seq), "reason": "　 "})
    assert empty.status_code == 400
    assert "请填写撤下公示的理由" in empty.get_data(as_text=True).split(
        f'id="withdraw-form-{seq}"')[0].split(f'id="c-objection-{seq}"')[1]

    done = client.post(f"{page}/withdraw-text", data={"seq": str(seq), "reason": "含业主姓名和电话"})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"已撤下第 {seq} 条记录的内容" in shown and "已撤下公示，理由：含业主姓名和电话" in shown
    # Sent again (a double click): the form is gone, the refusal said above all.
    again = client.post(f"{page}/withdraw-text", data={"seq": str(seq), "reason": "含业主姓名和电话"})
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "未撤下公示" in html and "已经撤下公示" in html and 'id="entry-refused"' not in html
    # A number that is no entry on the page: said above all too.
    nothing = client.post(f"{page}/withdraw-text", data={"seq": "9999", "reason": "含电话"})
    assert nothing.status_code == 400 and "没有第 9999 条异议或答复" in nothing.get_data(as_text=True)
