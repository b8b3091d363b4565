"""A proxy's written authorisation (授权委托书) is a document of its own (§16): a dishonest
clerk must not let one scan stand for both the ballot form and the letter, which leaves a
proxy ballot with no authorisation behind it."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id
from tests.procedure_world import chain_entries, export_and_verify
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


OTHER_ID = resident_id(9)


def test_one_letter_names_one_proxy(app, runner, tmp_path):
    """A letter may serve several principals of its proxy (§16), never another proxy's
    ballots: one real letter on ballots each "held" by a made-up proxy went past the
    community's limit of principals per proxy."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    client = clerk_client(app, runner)
    assert _proxy(client, vote, "101", b"form of 1-101", b"letter").status_code == 302
    r = _proxy(client, vote, "102", b"form of 1-102", b"letter", proxy_id=OTHER_ID)
    assert r.status_code == 400
    assert "这份授权委托书已用于另一位受托人的委托票（第 1 条记录）" in r.get_data(as_text=True)
    assert _ballots(app, vote) == 1

    # Two rows of one file, one letter, two proxies: the second row is refused.
    for name, content in (("f1.pdf", b"%PDF-1.4 form of 1-102"),
                          ("f2.pdf", b"%PDF-1.4 form of 1-202"),
                          ("l.pdf", b"%PDF-1.4 another letter")):
        (tmp_path / name).write_bytes(content)
    (tmp_path / "b.csv").write_text(
        "楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书,受托人为物业员工\n"
        f"1,1,102,同意,委托,f1.pdf,clerk,钱七,{resident_id(10)},l.pdf,否\n"
        f"1,1,202,同意,委托,f2.pdf,clerk,孙八,{resident_id(11)},l.pdf,否\n", encoding="utf-8")
    out = runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / "b.csv")])
    assert out.exit_code != 0, out.output
    assert "第 3 行" in out.output and "第 2 行另一位受托人" in out.output, out.output
    assert _ballots(app, vote) == 1


def test_the_service_refuses_a_letter_of_another_proxy_under_its_lock(app, runner, tmp_path):
    """cast_ballots itself, which every path shares (a transfer's proxy, two clerks at once
    each finding the letter unused before the lock)."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.errors import DomainError
    from votes.services.proxies import ProxyRequest

    vote = make_open_proposal(app, runner, tmp_path)
    letter = ("l.pdf", b"%PDF-1.4 letter")
    with app.app_context():
        voters = sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))[:2]
        requests = [BallotRequest(v, Choice.AGREE, "proxy", entered_by="clerk",
                                  evidence=(f"{i}.pdf", f"%PDF-1.4 form {i}".encode()),
                                  proxy=ProxyRequest("钱七", holder, False, letter))
                    for i, (v, holder) in enumerate(zip(voters, (PROXY_ID, OTHER_ID)))]
        try:
            cast_ballots(vote["id"], requests, actor="clerk")
        except DomainError as err:
            assert "另一位受托人" in err.message
        else:
            raise AssertionError("one letter entered for two proxies")
    assert _ballots(app, vote) == 0


def test_a_withdrawn_proxy_ballots_letter_serves_another_proxy_and_the_export_verifies(
        app, runner, tmp_path):
    """The server frees a letter with the ballot a withdrawal took back (entered for the
    wrong proxy), and the verifier's 16.7 (one written authorisation, one proxy) frees it
    the same way: the letter on ballots of two holders, one withdrawn, verifies."""
    from datetime import timedelta

    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    assert _proxy(client, vote, "101", b"form of 1-101", b"letter").status_code == 302
    (tmp_path / "why.jpg").write_bytes(JPG + b"why")
    out = runner.invoke(args=["ballots", "withdraw", str(vote["id"]), "1", "--reason",
                              "受托人录错了", "--evidence", str(tmp_path / "why.jpg"),
                              "--entered-by", "clerk"])
    assert out.exit_code == 0, out.output
    for room in ("101", "102"):
        r = _proxy(client, vote, room, f"form of 1-{room} again".encode(), b"letter",
                   proxy_id=OTHER_ID)
        assert r.status_code == 302, r.get_data(as_text=True)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    data, report = export_and_verify(app, runner, tmp_path, str(vote["id"]))
    proxies = [entry["body"]["proxy"] for entry in chain_entries(data)
               if "proxy" in entry["body"]]
    assert len({p["authorisation"] for p in proxies}) == 1 and len(proxies) == 3
    assert len({p["holder"] for p in proxies}) == 2
    assert not report.failures and report.outcome == "verified", report.render()
    assert not [s for s in report.skipped if s.step.startswith("16")], report.skipped
