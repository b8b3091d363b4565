"""Committee pages for 从多 deliveries and the objection period (forms → chain entries)."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.procedure_world import (END, at, close_at_end, export_and_verify, open_vote, show,
                                   vote)
from tests.staff_world import committee_clerk, sign_in, staff_client


def committee(runner, code="SUN"):
    committee_clerk(runner, code)


def test_committee_records_deliveries_objections_and_answers(app, runner, tmp_path, client):
    pid = open_vote(app, runner, tmp_path, "follow_majority=full", "objection_days=2")
    committee(runner)
    sign_in(client, "clerk")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="delivery-submit"' in page and 'id="move-publish-result"' not in page

    form = {"building": "2", "entrance": "1", "room": "201", "method": "registered_mail",
            "delivered_at": "2026-11-28T10:00"}
    no_proof = client.post(f"/committee/p/{pid}/delivery", data=form, follow_redirects=True)
    assert "请上传凭证文件" in no_proof.get_data(as_text=True)
    ok = client.post(f"/committee/p/{pid}/delivery", follow_redirects=True,
                     data={**form, "evidence": (io.BytesIO(b"\xff\xd8\xff receipt"), "ems.jpg")},
                     content_type="multipart/form-data")
    assert "已记录送达" in ok.get_data(as_text=True)
    assert "已录入送达记录 1 户" in ok.get_data(as_text=True)

    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                        data={"building": "1", "entrance": "1", "room": "202",
                              "text": "计票有误", "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")},
                        content_type="multipart/form-data")
    page = filed.get_data(as_text=True)
    assert "已录入书面异议" in page and "计票有误" in page and "初步结果：表决通过" in page
    seq = int(page.split('id="c-objection-')[1].split('"')[0])
    answered = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                           data={"objection": seq, "decision": "rejected",
                                 "text": "已复核，计票无误"})
    assert "已答复异议" in answered.get_data(as_text=True)
    # The answer's decision in words, as on the board: not its internal name.
    assert "：异议不成立 — " in answered.get_data(as_text=True)
    english = client.get(f"/committee/p/{pid}?lang=en").get_data(as_text=True)
    assert "rejected —" not in english and "Objection not founded — " in english
    client.get(f"/committee/p/{pid}?lang=zh_CN")
    bad = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                      data={"objection": seq, "decision": "rejected", "text": "再答一次"})
    assert "已经答复" in bad.get_data(as_text=True)
    at(app, END + timedelta(days=2))
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert show(runner, pid)["state"] == "published"
    assert 'id="result">表决通过' in page
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry

        actions = [a.action for a in db.session.scalars(select(AuditEntry))]
    for action in ("proposal.delivery", "proposal.objection", "proposal.answer",
                   "proposal.final_result"):
        assert action in actions


def _objection_filed(app, runner, tmp_path, client, text: str) -> tuple[str, int]:
    """A vote closed into its objection period, the clerk signed in, and a written objection
    with this text entered for 1-1-202: (proposal id, its entry's seq)."""
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    committee(runner)
    sign_in(client, "clerk")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                        data={"building": "1", "entrance": "1", "room": "202", "text": text,
                              "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")},
                        content_type="multipart/form-data")
    return pid, int(filed.get_data(as_text=True).split('id="c-objection-')[1].split('"')[0])


def test_committee_withdraws_a_text_from_publication_and_the_chain_stays_intact(
        app, runner, tmp_path, client):
    """An objection may name a person or give a phone number: the committee takes its text
    (and the answer's) off the board and the result notice, with a reason, audited; the
    entry, its digest and the chain stay, and the bundle passes every step (§17): still
    within the objection period, its result is preliminary."""
    from tests.browser import pdf_text

    pid, seq = _objection_filed(app, runner, tmp_path, client, "张三（13800138000）代签了表决票")
    answered = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                           data={"objection": seq, "decision": "rejected",
                                 "text": "已联系张三（13800138000），签名属实"})
    assert "已答复异议" in answered.get_data(as_text=True)
    uid = show(runner, pid)["uid"]
    # Published with the phone number masked (as typed, it never was); the name stays.
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "张三（138****8000）代签了表决票" in board and "13800138000" not in board

    # Someone without the committee's role, or the committee of another community: refused.
    assert runner.invoke(args=["community", "create", "SUN2", "--name", "月亮湾"]).exit_code == 0
    regulator = staff_client(app, runner, "district", "--role", "regulator",
                             "--jurisdiction", "350502")
    assert regulator.post(f"/committee/p/{pid}/withdraw-text",
                          data={"seq": seq, "reason": "个人信息"}).status_code == 403
    other = staff_client(app, runner, "moonclerk", "--role", "committee", "--community", "SUN2")
    assert other.post(f"/committee/p/{pid}/withdraw-text",
                      data={"seq": seq, "reason": "个人信息"}).status_code == 404
    empty = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                        data={"seq": seq, "reason": "　 "})
    assert "请填写撤下公示的理由" in empty.get_data(as_text=True)
    assert "张三" in client.get(f"/p/{uid}").get_data(as_text=True)

    for n in (seq, seq + 1):
        done = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                           data={"seq": n, "reason": "含他人姓名和电话"})
        assert f"已撤下第 {n} 条记录的内容" in done.get_data(as_text=True)
    again = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True,
                        data={"seq": seq, "reason": "再撤一次"})
    assert "已经撤下公示" in again.get_data(as_text=True)

    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert "13800138000" not in board and "张三" not in board
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "preliminary" and not report.failures, report.render()
    from tests.procedure_world import chain_entries

    digests = {e["seq"]: e["body"]["text_commitment"] for e in chain_entries(data)
               if e["kind"] in ("objection", "answer")}
    for n in (seq, seq + 1):
        assert f"第 {n} 条记录所载摘要 SHA-256：{digests[n]}" in board
    assert "异议不成立" in board  # how it was answered stays public
    notice = client.get(f"/committee/p/{pid}/result-notice.pdf")
    assert notice.status_code == 200
    text = "".join(pdf_text(notice.data).split())
    assert "张三" not in text and "内容已撤下公示" in text
    # The committee still has the texts (to answer, to hand to a regulator).
    assert "张三（138****8000）" in client.get(f"/committee/p/{pid}").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry

        withdrawn = [a for a in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "proposal.text_withdrawn"))]
    assert [(a.actor, a.details["seq"], a.details["part"]) for a in withdrawn] == \
        [("clerk", seq, "objection"), ("clerk", seq + 1, "answer")]
    assert withdrawn[0].details["reason"] == "含他人姓名和电话"


def test_a_written_objection_sent_twice_is_entered_once(app, runner, tmp_path, client):
    """The objection form sent again (a double click, a reload) entered the same written
    objection twice: two entries on the chain, each holding the final result back until it
    is answered. Sent again with the same page's token, it is entered once."""
    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    committee(runner)
    sign_in(client, "clerk")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    token = page.split('id="objection-form"')[1].split('name="once" value="')[1].split('"')[0]

    def send():
        return client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                           data={"building": "1", "entrance": "1", "room": "202",
                                 "text": "计票有误", "once": token,
                                 "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")},
                           content_type="multipart/form-data")

    assert "已录入书面异议" in send().get_data(as_text=True)
    again = send().get_data(as_text=True)
    assert "这份表单已经提交过，没有再次保存" in again and "已录入书面异议" not in again
    assert again.count('id="c-objection-') == 1


def test_a_withdrawal_reason_keeps_no_phone_or_id_number_in_the_audit_log(
        app, runner, tmp_path, client):
    """The reason a text is taken off the board says what personal data it held, and a
    member quoting it ("写有业主电话 13800138000") put the number, verbatim and for good, in
    the hash-chained audit log that regulators read and export — the objection's own text
    had it masked. The reason is masked as the texts are."""
    pid, seq = _objection_filed(app, runner, tmp_path, client, "张三代签了表决票")
    done = client.post(f"/committee/p/{pid}/withdraw-text", follow_redirects=True, data={
        "seq": seq, "reason": "写有张三电话 13800138000、身份证 350502198001010011"})
    assert f"已撤下第 {seq} 条记录的内容" in done.get_data(as_text=True)
    admin = staff_client(app, runner, "admin1", "--role", "admin")
    log = admin.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    assert "proposal.text_withdrawn" in log
    assert "13800138000" not in log and "350502198001010011" not in log, log
    assert "138****8000" in log
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert "13800138000" not in page
