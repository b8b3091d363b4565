"""The committee's web form to withdraw a staff ballot entered for the wrong unit, beside
the correction's: role checks, CSRF and the refusals, as the correction's form."""

from __future__ import annotations

import io

from tests.test_proposal_cli import show
from tests.test_withdrawals import REASON


def test_the_committee_withdraws_on_the_web(app, runner, tmp_path, client):
    from tests.staff_world import build, sign_in

    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    entered = client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    assert entered.status_code == 302
    page = client.get(f"{url}/paper-ballots").get_data(as_text=True)
    assert 'id="withdraw-1"' in page and 'id="correct-1"' in page
    def form(**changes):  # a fresh upload each time: the client closes the one it sent
        return {"entry": "1", "reason": REASON, "confirm": "1",
                "evidence": (io.BytesIO(b"\xff\xd8\xff form of 2-201"), "form.jpg"), **changes}

    unconfirmed = client.post(f"{url}/paper-ballots/withdraw",
                              data=form(confirm=""), follow_redirects=True)
    assert "请勾选确认后再撤回" in unconfirmed.get_data(as_text=True)
    no_scan = client.post(f"{url}/paper-ballots/withdraw", data=form(evidence=""),
                          follow_redirects=True)
    assert "请上传能说明录入错误的扫描件" in no_scan.get_data(as_text=True)
    done = client.post(f"{url}/paper-ballots/withdraw", data=form(), follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "第 2 条记录撤回第 1 条" in text and "已由第 2 条撤回，不计入" in text
    assert 'id="withdraw-1"' not in text and 'id="correct-1"' not in text
    bad = client.post(f"{url}/paper-ballots/withdraw", data={"entry": "x", "confirm": "1"},
                      follow_redirects=True)
    assert "请选择要撤回的选票" in bad.get_data(as_text=True)
    moon = client.post(f"/committee/p/{world['moon']['id']}/paper-ballots/withdraw",
                       data=form())
    assert moon.status_code == 404  # another community's vote
    district = app.test_client()
    sign_in(district, "district")  # a regulator reads; never enters or withdraws
    assert district.post(f"{url}/paper-ballots/withdraw", data={
        "entry": "1", "reason": REASON, "confirm": "1"}).status_code in (403, 404)


def test_a_forged_withdrawal_without_the_csrf_token_is_refused(app, runner, tmp_path, client):
    from tests.staff_world import build, sign_in

    world = build(app, runner, tmp_path)
    url = f"/committee/p/{world['sun']['id']}"
    sign_in(client, "sun_committee")
    assert client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = client.post(f"{url}/paper-ballots/withdraw", data={
            "entry": "1", "reason": REASON, "confirm": "1",
            "evidence": (io.BytesIO(b"\xff\xd8\xff scan 2"), "form.jpg")})
        assert forged.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert show(runner, str(world["sun"]["id"]))["participating_headcount"] == 1


def test_a_scan_with_a_long_file_name_is_kept(app, runner, tmp_path, client):
    """A scan's file name as the clerk's computer has it (a phone's long export name) was
    a 400 "输入的内容过长" on PostgreSQL for a correction, a withdrawal or a sale, with the
    typed reason lost; SQLite kept it. The name is only a label: it is kept shortened."""
    from tests.staff_world import build, sign_in

    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    long = "扫描" * 200 + ".jpg"
    assert client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")}).status_code == 302
    corrected = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "disagree", "reason": REASON, "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form again"), long)}, follow_redirects=True)
    assert "第 2 条记录取代第 1 条" in corrected.get_data(as_text=True)
    withdrawn = client.post(f"{url}/paper-ballots/withdraw", data={
        "entry": "2", "reason": REASON, "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form of 2-201"), "撤回" + long)}, follow_redirects=True)
    assert "第 3 条记录撤回第 2 条" in withdrawn.get_data(as_text=True)
    sold = client.post(f"{url}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree",
        "buyer_name": "钱七", "buyer_id": "110101199003074477", "confirm": "1",
        "transfer_evidence": (io.BytesIO(b"\xff\xd8\xff certificate"), "证书" + long),
        "ballot_form": (io.BytesIO(b"\xff\xd8\xff buyer form"), "表决票" + long)}, follow_redirects=True)
    assert "已录入过户后新业主的选票" in sold.get_data(as_text=True)


def test_a_scan_name_never_reads_differently_from_its_bytes(app, runner, tmp_path, client):
    """An uploaded scan's name with a direction control (U+202E turns "scan<RLO>gpj.exe"
    into what reads "scanexe.jpg") or a control character was stored as it came, as the
    label and download name a clerk or owner sees, for a paper or proxy ballot, a
    correction, a withdrawal or a sale (paper ballots refused control characters, the
    others did not). Every such name is now kept without them, in one place."""
    from sqlalchemy import select

    from tests.factories import resident_id
    from tests.staff_world import build, enter_paper, sign_in
    from votes.core.bidi import has_bidi_control
    from votes.core.roll import has_control
    from votes.extensions import db
    from votes.models import Evidence

    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    assert enter_paper(client, url, "101", scan=(b"\xff\xd8\xff scan", "scan\u202egpj.jpg")).status_code == 302
    assert client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "102", "choice": "agree", "channel": "proxy",
        "proxy_name": "孙八", "proxy_id": resident_id(9), "company_staff": "否",
        "evidence": (io.BytesIO(b"\xff\xd8\xff proxy form"), "proxy\u2067form\x07.jpg"),
        "authorisation": (io.BytesIO(b"\xff\xd8\xff letter"), "\u202eletter.jpg")}).status_code == 302
    corrected = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "disagree", "reason": REASON, "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form again"), "again\x1b\u202e.jpg")}, follow_redirects=True)
    assert "第 3 条记录取代第 1 条" in corrected.get_data(as_text=True)
    withdrawn = client.post(f"{url}/paper-ballots/withdraw", data={
        "entry": "3", "reason": REASON, "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form of 2-201"), "wrong\x07flat\u200f.jpg")},
        follow_redirects=True)
    assert "第 4 条记录撤回第 3 条" in withdrawn.get_data(as_text=True)
    sold = client.post(f"{url}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree",
        "buyer_name": "钱七", "buyer_id": "110101199003074477", "confirm": "1",
        "transfer_evidence": (io.BytesIO(b"%PDF-1.4 certificate"), "cert\x08\u202e.pdf"),
        "ballot_form": (io.BytesIO(b"\xff\xd8\xff buyer form"), "\u2066\u202e")}, follow_redirects=True)
    assert "已录入过户后新业主的选票" in sold.get_data(as_text=True)
    with app.app_context():
        names = set(db.session.scalars(select(Evidence.name)))
    assert not [n for n in names if has_bidi_control(n) or has_control(n)], names
    assert {"scangpj.jpg", "proxyform.jpg", "letter.jpg", "again.jpg", "wrongflat.jpg",
            "cert.pdf"} <= names
    assert "" not in names  # a name of nothing but controls is still a label
