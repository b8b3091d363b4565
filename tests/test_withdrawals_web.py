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
        "evidence": (io.BytesIO(b"scan"), "scan.jpg")})
    assert entered.status_code == 302
    page = client.get(f"{url}/paper-ballots").get_data(as_text=True)
    assert 'id="withdraw-1"' in page and 'id="correct-1"' in page
    def form(**changes):  # a fresh upload each time: the client closes the one it sent
        return {"entry": "1", "reason": REASON, "confirm": "1",
                "evidence": (io.BytesIO(b"form of 2-201"), "form.jpg"), **changes}

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
        "evidence": (io.BytesIO(b"scan"), "scan.jpg")}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = client.post(f"{url}/paper-ballots/withdraw", data={
            "entry": "1", "reason": REASON, "confirm": "1",
            "evidence": (io.BytesIO(b"scan 2"), "form.jpg")})
        assert forged.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert show(runner, str(world["sun"]["id"]))["participating_headcount"] == 1
