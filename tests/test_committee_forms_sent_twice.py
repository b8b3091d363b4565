"""The committee's forms that make something, sent twice with the same page (a double click,
the back button, a reload): the second send leads to what the first made, saying so, not to
the refusal of a repeat ("already published", "already paid", ...)."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from tests.money_world import passed_vote, staff_accounts, today
from tests.staff_world import sign_in

SENT = "这份表单已经提交过，没有再次保存"


def _token(page: str, action: str) -> str:
    """The once token of the form posting to `action` (or of the page's form with none)."""
    marker = f'action="{action}"'
    if marker not in page:
        marker = 'enctype="multipart/form-data" class="card"'
    form = page.split(marker)[1].split("</form>")[0]
    return form.split('name="once" value="')[1].split('"')[0]


def _flashes(page: str) -> list[str]:
    return [part.split("</p>")[0] for part in page.split('<p class="flash ')[1:]]


def _twice(client, action: str, data: dict, page_url: str) -> tuple[str, str]:
    """The form at `action`, drawn on `page_url`, sent twice: both pages, and the address each
    led to."""
    token = _token(client.get(page_url).get_data(as_text=True), action)
    out = []
    for _ in range(2):
        sent = {k: ([(io.BytesIO(c), n) for n, c in v] if isinstance(v, list) else v)
                for k, v in data.items()}
        r = client.post(action, data={**sent, "once": token},
                        content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)
        out.append((r.headers["Location"], client.get(r.headers["Location"])
                    .get_data(as_text=True)))
    (first_at, first), (again_at, again) = out
    assert again_at == first_at
    said = _flashes(again)
    assert any(SENT in s for s in said) and not any(s.startswith("error") for s in said), said
    return first, again


def _entries(app, pid) -> int:
    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(ChainEntry)
                              .where(ChainEntry.proposal_id == int(pid)))
        db.session.remove()
        return n


def test_the_works_forms_sent_twice_record_each_step_once(app, runner, tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    works = f"/committee/p/{pid}/works"
    steps = [
        ("contract", {"contractor": "甲公司", "amount": "6000",
                      "evidence": [("contract.pdf", b"%PDF contract")]}, "合同已登记"),
        ("payment", {"amount": "2000", "note": "预付款",
                     "evidence": [("voucher.pdf", b"%PDF voucher")]}, "付款已登记"),
        ("acceptance", {"date": today(app), "participants": "业委会\n物业",
                        "evidence": [("report.pdf", b"%PDF report")]}, "验收已登记"),
        ("settle", {"final_cost": "6000", "confirm": "1"}, "已结算"),
    ]
    for step, data, done in steps:
        before = _entries(app, pid)
        first, _again = _twice(client, f"{works}/{step}", data, works)
        assert done in first, (step, _flashes(first))
        assert _entries(app, pid) == before + 1, step


def test_an_emergency_use_sent_twice_leads_to_the_one_published(app, runner, tmp_path, client):
    from tests.factories import make_roll_csv
    from votes.models import Proposal

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    form = {"title": "1号楼电梯抢修", "scope": "building:1", "budget": "18000.00",
            "category": "elevator", "applicant": "property_company",
            "reason": "曳引机故障，困人两次", "confirm": "1",
            "evidence": [("inspection.pdf", b"%PDF inspection")]}
    page = "/committee/c/SUN/emergency"
    first, _again = _twice(client, page, form, page)
    assert "应急使用已公布在公示栏" in first
    with app.app_context():
        from votes.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Proposal)
                                 .where(Proposal.state == "emergency")) == 1


def test_a_delivery_and_an_answer_sent_twice_are_entered_once(app, runner, tmp_path, client):
    from tests.procedure_world import END, at, close_at_end, open_vote, vote
    from tests.staff_world import committee_clerk

    pid = open_vote(app, runner, tmp_path, "follow_majority=full", "objection_days=2")
    committee_clerk(runner, "SUN")
    sign_in(client, "clerk")
    page = f"/committee/p/{pid}"
    before = _entries(app, pid)
    first, _again = _twice(client, f"{page}/delivery", {
        "building": "2", "entrance": "1", "room": "201", "method": "registered_mail",
        "delivered_at": "2026-11-28T10:00", "evidence": [("ems.jpg", b"receipt")]}, page)
    assert "已记录送达" in first and _entries(app, pid) == before + 1

    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = client.post(f"{page}/objection", follow_redirects=True, data={
        "building": "1", "entrance": "1", "room": "202", "text": "计票有误",
        "evidence": (io.BytesIO(b"letter"), "o.pdf")}, content_type="multipart/form-data")
    seq = int(filed.get_data(as_text=True).split('id="c-objection-')[1].split('"')[0])
    before = _entries(app, pid)
    first, _again = _twice(client, f"{page}/answer", {
        "objection": str(seq), "decision": "rejected", "text": "已复核，计票无误"}, page)
    assert "已答复异议" in first and _entries(app, pid) == before + 1
