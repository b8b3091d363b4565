"""Committee pages for 从多 deliveries and the objection period (forms → chain entries)."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.procedure_world import END, at, close_at_end, open_vote, show, vote
from tests.staff_world import committee_clerk, sign_in


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
                     data={**form, "evidence": (io.BytesIO(b"receipt"), "ems.jpg")},
                     content_type="multipart/form-data")
    assert "已记录送达" in ok.get_data(as_text=True)
    assert "已录入送达记录 1 户" in ok.get_data(as_text=True)

    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = client.post(f"/committee/p/{pid}/objection", follow_redirects=True,
                        data={"building": "1", "entrance": "1", "room": "202",
                              "text": "计票有误", "evidence": (io.BytesIO(b"letter"), "o.pdf")},
                        content_type="multipart/form-data")
    page = filed.get_data(as_text=True)
    assert "已录入书面异议" in page and "计票有误" in page and "初步结果：表决通过" in page
    seq = int(page.split('id="c-objection-')[1].split('"')[0])
    answered = client.post(f"/committee/p/{pid}/answer", follow_redirects=True,
                           data={"objection": seq, "decision": "rejected",
                                 "text": "已复核，计票无误"})
    assert "已答复异议" in answered.get_data(as_text=True)
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
