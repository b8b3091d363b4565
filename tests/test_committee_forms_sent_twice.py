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
                      "evidence": [("contract.pdf", b"%PDF-1.4 contract")]}, "合同已登记"),
        ("payment", {"amount": "2000", "note": "预付款",
                     "evidence": [("voucher.pdf", b"%PDF-1.4 voucher")]}, "付款已登记"),
        ("acceptance", {"date": today(app), "participants": "业委会\n物业",
                        "evidence": [("report.pdf", b"%PDF-1.4 report")]}, "验收已登记"),
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
            "evidence": [("inspection.pdf", b"%PDF-1.4 inspection")]}
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
        "delivered_at": "2026-11-28T10:00", "evidence": [("ems.jpg", b"\xff\xd8\xff receipt")]}, page)
    assert "已记录送达" in first and _entries(app, pid) == before + 1

    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "disagree"})
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=1))
    filed = client.post(f"{page}/objection", follow_redirects=True, data={
        "building": "1", "entrance": "1", "room": "202", "text": "计票有误",
        "evidence": (io.BytesIO(b"%PDF-1.4 letter"), "o.pdf")}, content_type="multipart/form-data")
    seq = int(filed.get_data(as_text=True).split('id="c-objection-')[1].split('"')[0])
    before = _entries(app, pid)
    first, _again = _twice(client, f"{page}/answer", {
        "objection": str(seq), "decision": "rejected", "text": "已复核，计票无误"}, page)
    assert "已答复异议" in first and _entries(app, pid) == before + 1


def _ballots(app, pid) -> int:
    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Ballot)
                              .where(Ballot.proposal_id == int(pid)))
        db.session.remove()
        return n


def _sent(data: dict) -> dict:
    """The form's fields, each file a fresh upload (the client closes the one it sent)."""
    return {k: ((io.BytesIO(v[1]), v[0]) if isinstance(v, tuple) else v) for k, v in data.items()}


def _refused_then_sent(client, action: str, page_url: str, bad: dict, good: dict) -> str:
    """The form refused (`bad`), then corrected on the page the refusal drew and sent with
    the token that page carries, which must be the first send's: it is entered, not taken
    for a repeat. Returns the corrected send's page."""
    token = _token(client.get(page_url).get_data(as_text=True), action)
    refused = client.post(action, data={**_sent(bad), "once": token},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert _token(refused.get_data(as_text=True), action) == token
    r = client.post(action, data={**_sent(good), "once": token},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert not any(SENT in s for s in _flashes(page)), _flashes(page)
    return page


PAPER = {"building": "1", "entrance": "1", "room": "101", "choice": "agree",
         "channel": "paper", "evidence": [("scan.jpg", b"\xff\xd8\xff scan of 1-101")]}
SALE = {"building": "1", "entrance": "1", "room": "202", "choice": "disagree",
        "buyer_name": "钱七", "buyer_id": "110101199003074477", "confirm": "1",
        "transfer_evidence": [("deed.pdf", b"%PDF-1.4 certificate")],
        "ballot_form": [("buyer.jpg", b"\xff\xd8\xff buyer form")]}


def _files(data: dict) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in data.items()}


def test_a_paper_ballot_and_a_transfer_sent_twice_are_entered_once(app, runner, tmp_path,
                                                                   client):
    from tests.staff_world import build, sign_in

    pid = build(app, runner, tmp_path)["sun"]["id"]
    sign_in(client, "sun_committee")
    page = f"/committee/p/{pid}"
    first, _again = _twice(client, f"{page}/paper", PAPER, page)
    assert "已录入 1 张选票" in first and _ballots(app, pid) == 1
    first, _again = _twice(client, f"{page}/transfer", SALE, page)
    assert "已录入过户后新业主的选票" in first and _ballots(app, pid) == 2


def test_a_refused_paper_ballot_or_transfer_is_sent_again_with_its_token(app, runner, tmp_path,
                                                                         client):
    """The page a refusal draws again carries the refused send's token: corrected and sent,
    it is entered (nothing was made with the token), and only a further send is a repeat."""
    from tests.staff_world import build, sign_in

    pid = build(app, runner, tmp_path)["sun"]["id"]
    sign_in(client, "sun_committee")
    page = f"/committee/p/{pid}"
    good = _files(PAPER)
    done = _refused_then_sent(client, f"{page}/paper", page, {**good, "room": "909"}, good)
    assert "已录入 1 张选票" in done and _ballots(app, pid) == 1
    good = _files(SALE)
    done = _refused_then_sent(client, f"{page}/transfer", page, {**good, "buyer_name": ""}, good)
    assert "已录入过户后新业主的选票" in done and _ballots(app, pid) == 2


def test_a_correction_and_a_withdrawal_sent_twice_are_entered_once(app, runner, tmp_path,
                                                                   client):
    from tests.staff_world import build, enter_paper, sign_in

    pid = build(app, runner, tmp_path)["sun"]["id"]
    sign_in(client, "sun_committee")
    url = f"/committee/p/{pid}"
    assert enter_paper(client, url, "202").status_code == 302
    assert enter_paper(client, url, "101", scan=(b"\xff\xd8\xff scan of 101", "101.jpg")).status_code == 302
    listing = f"{url}/paper-ballots"
    correction = {"entry": "1", "choice": "disagree", "reason": "录入时勾错了意见",
                  "confirm": "1"}
    first, _again = _twice(client, f"{listing}/correct", correction, listing)
    assert "第 3 条记录取代第 1 条" in first and _ballots(app, pid) == 3
    withdrawal = {"entry": "2", "reason": "表决票签名为另一户", "confirm": "1",
                  "evidence": [("form.jpg", b"\xff\xd8\xff form of 2-201")]}
    first, _again = _twice(client, f"{listing}/withdraw", withdrawal, listing)
    assert "第 4 条记录撤回第 2 条" in first and "已由第 4 条撤回" in first


def test_a_refused_correction_or_withdrawal_is_sent_again_with_its_token(app, runner,
                                                                         tmp_path, client):
    from tests.staff_world import build, enter_paper, sign_in

    pid = build(app, runner, tmp_path)["sun"]["id"]
    sign_in(client, "sun_committee")
    url = f"/committee/p/{pid}"
    assert enter_paper(client, url, "202").status_code == 302
    listing = f"{url}/paper-ballots"
    good = {"entry": "1", "choice": "disagree", "reason": "录入时勾错了意见", "confirm": "1"}
    done = _refused_then_sent(client, f"{listing}/correct", listing, {**good, "confirm": ""},
                              good)
    assert "第 2 条记录取代第 1 条" in done
    good = {"entry": "2", "reason": "表决票签名为另一户", "confirm": "1",
            "evidence": ("form.jpg", b"\xff\xd8\xff form of 2-201")}
    done = _refused_then_sent(client, f"{listing}/withdraw", listing,
                              {**good, "evidence": ""}, good)
    assert "第 3 条记录撤回第 2 条" in done


def test_a_paper_ballot_sent_twice_at_the_same_moment_is_entered_once(app, runner, tmp_path,
                                                                      monkeypatch):
    """Two sends of one page (a double click) arrive together: the second waits for the
    first and leads to what it entered, rather than being refused as a ballot entered
    already."""
    import threading

    from tests.staff_world import build, sign_in
    from votes.services import lifecycle

    pid = build(app, runner, tmp_path)["sun"]["id"]
    clients = [app.test_client(), app.test_client()]
    for c in clients:
        sign_in(c, "sun_committee")
    page = f"/committee/p/{pid}"
    token = _token(clients[0].get(page).get_data(as_text=True), f"{page}/paper")

    both = threading.Barrier(2, timeout=30)
    real = lifecycle.refresh

    met: set[str] = set()

    def meet(proposal):  # both sends are in, and have read nothing yet (met once: a page
        who = threading.current_thread().name  # drawn after may refresh the proposal again)
        if who.startswith("send") and who not in met:
            met.add(who)
            both.wait()
        return real(proposal)

    monkeypatch.setattr(lifecycle, "refresh", meet)
    out: list = [None, None]

    def send(i):
        try:
            out[i] = clients[i].post(f"{page}/paper", data={**_sent(_files(PAPER)), "once": token},
                                     content_type="multipart/form-data")
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out[i] = exc

    threads = [threading.Thread(target=send, args=(i,), name=f"send{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert [getattr(r, "status_code", r) for r in out] == [302, 302], \
        [getattr(r, "get_data", lambda **k: r)(as_text=True) for r in out]
    assert out[0].headers["Location"] == out[1].headers["Location"]
    said = [" ".join(_flashes(c.get(r.headers["Location"]).get_data(as_text=True)))
            for c, r in zip(clients, out)]
    assert sorted(SENT in s for s in said) == [False, True], said
    assert any("已录入 1 张选票" in s for s in said), said
    assert _ballots(app, pid) == 1


def test_a_file_of_paper_ballots_sent_twice_is_entered_once(app, runner, tmp_path, client):
    """The file's form has its own token: a repeat leads to the proposal saying so. Sent
    without one (a page drawn before), every row of the repeat is refused (its voter has
    voted, or its form was entered already), and nothing is entered."""
    from tests.staff_world import build, sign_in

    pid = build(app, runner, tmp_path)["sun"]["id"]
    sign_in(client, "sun_committee")
    page = f"/committee/p/{pid}"
    drawn = client.get(page).get_data(as_text=True)
    form = drawn.split(f'action="{page}/paper"')[2].split("</form>")[0]
    token = form.split('name="once" value="')[1].split('"')[0]
    rows = "楼栋,单元,房号,意见,方式,凭证\n1,1,101,同意,纸质,a.jpg\n1,1,202,反对,纸质,b.jpg\n"

    def send(**more):
        return client.post(f"{page}/paper", data={
            "csv": (io.BytesIO(rows.encode()), "b.csv"),
            "evidence": [(io.BytesIO(b"\xff\xd8\xff form a"), "a.jpg"), (io.BytesIO(b"\xff\xd8\xff form b"), "b.jpg")],
            **more}, content_type="multipart/form-data")

    first, again = send(once=token), send(once=token)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    said = _flashes(client.get(again.headers["Location"]).get_data(as_text=True))
    assert any(SENT in s for s in said), said
    assert _ballots(app, pid) == 2
    untokened = send()
    assert untokened.status_code == 400
    refused = untokened.get_data(as_text=True)
    assert refused.count("<tr><td>") == 2 and "未录入任何选票" in refused, refused
    assert _ballots(app, pid) == 2
