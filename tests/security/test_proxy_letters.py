"""A proxy's written authorisation (授权委托书) is a document of its own (§16): a dishonest
clerk must not let one scan stand for both the ballot form and the letter, which leaves a
proxy ballot with no authorisation behind it."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id
from tests.staff_world import clerk_client
from tests.test_procedure import PROXY_ID

JPG = b"\xff\xd8\xff "


def _ballots(app, vote) -> int:
    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ballot).where(
            Ballot.proposal_id == vote["id"]))


def _proxy(client, vote, room, form: bytes, letter: bytes, proxy_id=PROXY_ID,
           building="1"):
    return client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": building, "entrance": "1", "room": room, "choice": "agree",
        "channel": "proxy", "proxy_name": "钱七", "proxy_id": proxy_id, "company_staff": "否",
        "evidence": (io.BytesIO(JPG + form), "form.jpg"),
        "authorisation": (io.BytesIO(JPG + letter), "letter.jpg")})


def test_the_ballot_form_is_not_its_own_written_authorisation(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", b"form of 1-101", b"form of 1-101")
    assert r.status_code == 400
    assert "授权委托书与表决票是同一个文件" in r.get_data(as_text=True)
    assert _ballots(app, vote) == 0

    # The same in a file of ballots: one scan named in both columns.
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.4 form of 1-101")
    (tmp_path / "b.csv").write_text(
        "楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书,受托人为物业员工\n"
        f"1,1,101,同意,委托,form.pdf,clerk,钱七,{PROXY_ID},form.pdf,否\n", encoding="utf-8")
    out = runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / "b.csv")])
    assert out.exit_code != 0 and "授权委托书与表决票是同一个文件" in out.output, out.output
    assert _ballots(app, vote) == 0

    # Two files: entered.
    assert _proxy(client, vote, "101", b"form of 1-101", b"letter").status_code == 302
    assert _ballots(app, vote) == 1


def test_a_buyers_proxy_letter_is_not_the_buyers_form(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = client.post(f"/committee/p/{vote['id']}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "confirm": "1",
        "buyer_name": "孙八", "buyer_id": resident_id(900),
        "proxy_name": "钱七", "proxy_id": PROXY_ID, "company_staff": "否",
        "transfer_evidence": (io.BytesIO(b"%PDF-1.4 deed"), "deed.pdf"),
        "ballot_form": (io.BytesIO(JPG + b"buyer form"), "form.jpg"),
        "authorisation": (io.BytesIO(JPG + b"buyer form"), "letter.jpg")})
    assert r.status_code == 400
    assert "授权委托书与表决票是同一个文件" in r.get_data(as_text=True)
    assert _ballots(app, vote) == 0
