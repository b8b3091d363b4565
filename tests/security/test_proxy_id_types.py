"""A dishonest clerk inventing proxies (§16): the proxy limit counts principals by the
proxy's ID number, so an ID of "1", "2", "3" made a new proxy for every owner past the
limit. A proxy's ID now has a declared type (居民身份证 unless said) and must have that
type's form, on the committee's form, in a ballots file (its row named) and on the CLI."""

from __future__ import annotations

import io

import pytest
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


def _proxy(client, vote, room, proxy_id, building="1", **more):
    return client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": building, "entrance": "1", "room": room, "choice": "agree",
        "channel": "proxy", "proxy_name": "钱七", "proxy_id": proxy_id, "company_staff": "否",
        "evidence": (io.BytesIO(JPG + f"form {building}-{room}".encode()), "form.jpg"),
        "authorisation": (io.BytesIO(JPG + f"letter {proxy_id}".encode()), "letter.jpg"),
        **more})


@pytest.mark.parametrize("made_up", ["1", "-1", "abc", "12345678901234567"])
def test_a_made_up_proxy_id_is_refused_on_the_form(app, runner, tmp_path, made_up):
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", made_up)
    page = r.get_data(as_text=True)
    assert r.status_code == 400, page
    assert "受托人证件号码" in page and "居民身份证" in page and "18 位" in page
    assert _ballots(app, vote) == 0


def test_invented_proxies_do_not_pass_the_limit(app, runner, tmp_path):
    """The attack: one real proxy at the limit, then "1", "2", "3" for the other owners."""
    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    client = clerk_client(app, runner)
    assert _proxy(client, vote, "101", PROXY_ID).status_code == 302
    for room, made_up in (("102", "1"), ("202", "2")):
        assert _proxy(client, vote, room, made_up).status_code == 400
    assert _proxy(client, vote, "101", "3", building="2").status_code == 400
    assert _ballots(app, vote) == 1


@pytest.mark.parametrize("kind,number", [
    ("护照", "E12345678"), ("passport", "ea1234567"), ("港澳居民来往内地通行证", "H12345678"),
    ("回乡证", "m1234567801"), ("台湾居民来往大陆通行证", "12345678"),
    ("外国人永久居留身份证", "USA123456789012"),
    ("外国人永久居留身份证", "9" + resident_id(5)[1:17]),  # made valid below
])
def test_other_documents_are_taken_in_their_own_form(app, runner, tmp_path, kind, number):
    if len(number) == 17:  # the 2023 permanent residence card: GB 11643's check character
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        number += "10X98765432"[sum(int(c) * w for c, w in zip(number, weights)) % 11]
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", number, proxy_id_type=kind)
    assert r.status_code == 302, r.get_data(as_text=True)
    from votes.extensions import db
    from votes.models import ProxyRecord
    from votes.core.identity import id_type_of

    with app.app_context():
        stored = db.session.scalar(select(ProxyRecord.id_type).where(
            ProxyRecord.proposal_id == vote["id"]))
    assert stored == id_type_of(kind)


@pytest.mark.parametrize("kind,number,expected", [
    ("护照", "1", "护照"), ("港澳居民来往内地通行证", "12345678", "H 或 M"),
    ("台湾居民来往大陆通行证", "T1234567", "8 位数字"),
    ("外国人永久居留身份证", PROXY_ID, "9 开头"),
    ("驾驶证", PROXY_ID, "受托人证件类型"),
])
def test_a_number_not_of_its_declared_type_is_refused(app, runner, tmp_path, kind, number,
                                                      expected):
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = _proxy(client, vote, "101", number, proxy_id_type=kind)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and expected in page, page
    assert _ballots(app, vote) == 0


def test_a_ballots_file_names_the_row_of_a_made_up_proxy_id(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    for name in ("f1.pdf", "f2.pdf", "f3.pdf"):
        (tmp_path / name).write_bytes(b"%PDF-1.4 form " + name.encode())
    (tmp_path / "l1.pdf").write_bytes(b"%PDF-1.4 letter 1")
    (tmp_path / "l2.pdf").write_bytes(b"%PDF-1.4 letter 2")
    (tmp_path / "b.csv").write_text(
        "楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件类型,受托人证件号码,授权委托书,"
        "受托人为物业员工\n"
        f"1,1,101,同意,委托,f1.pdf,clerk,钱七,,{PROXY_ID},l1.pdf,否\n"
        "1,1,102,同意,委托,f2.pdf,clerk,孙八,,2,l2.pdf,否\n"
        "1,1,202,同意,委托,f3.pdf,clerk,孙八,护照,2,l2.pdf,否\n", encoding="utf-8")
    out = runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / "b.csv")])
    assert out.exit_code != 0, out.output
    assert "3" in out.output and "居民身份证" in out.output and "护照" in out.output
    lines = [line for line in out.output.splitlines() if "受托人证件号码" in line]
    assert len(lines) == 2 and "3" in lines[0] and "4" in lines[1], out.output
    assert _ballots(app, vote) == 0


def test_the_transfer_form_and_command_check_the_buyers_proxy_alike(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    client = clerk_client(app, runner)
    r = client.post(f"/committee/p/{vote['id']}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "confirm": "1",
        "buyer_name": "孙八", "buyer_id": resident_id(900),
        "proxy_name": "钱七", "proxy_id": "1", "company_staff": "否",
        "transfer_evidence": (io.BytesIO(b"%PDF-1.4 deed"), "deed.pdf"),
        "ballot_form": (io.BytesIO(JPG + b"buyer form"), "form.jpg"),
        "authorisation": (io.BytesIO(JPG + b"letter"), "letter.jpg")})
    assert r.status_code == 400 and "受托人证件号码" in r.get_data(as_text=True)
    for name, content in (("deed.pdf", b"deed"), ("form.pdf", b"form"), ("l.pdf", b"letter")):
        (tmp_path / name).write_bytes(b"%PDF-1.4 " + content)
    base = ["ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
            "--room", "202", "--choice", "agree", "--buyer-name", "孙八",
            "--buyer-id", resident_id(900), "--transfer-evidence", str(tmp_path / "deed.pdf"),
            "--form", str(tmp_path / "form.pdf"), "--entered-by", "clerk", "--proxy-name", "钱七",
            "--authorisation", str(tmp_path / "l.pdf"), "--proxy-company-staff", "no"]
    refused = runner.invoke(args=base + ["--proxy-id", "E12345678"])
    assert refused.exit_code != 0 and "居民身份证" in refused.output, refused.output
    done = runner.invoke(args=base + ["--proxy-id", "E12345678", "--proxy-id-type", "护照"])
    assert done.exit_code == 0, done.output
    assert _ballots(app, vote) == 1


def test_proxies_entered_before_the_type_still_read_correct_and_export(app, runner, tmp_path):
    """A proxy ballot of before proxies_0001 (no type, an ID of "1" as was taken then) keeps
    working after it: its committee page, its correction (which keeps the proxy as it
    was), the export."""
    from tests.test_migrations_with_data import _failures, _migrate
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit, ProxyRecord
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.proxies import ProxyRequest

    vote = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=2"])
    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]).limit(1))
        seq = cast_ballots(vote["id"], [BallotRequest(
            voter, Choice.AGREE, "proxy", entered_by="clerk",
            evidence=("f.pdf", b"%PDF-1.4 form"),
            proxy=ProxyRequest("钱七", "1", False, ("l.pdf", b"%PDF-1.4 letter")))],
            actor="clerk")[0].seq
    try:
        _migrate(app, "down", "loginchars_0001")
        _migrate(app, "up")
        with app.app_context():
            assert db.session.scalar(select(ProxyRecord.id_type)) is None
        client = clerk_client(app, runner)
        page = client.get(f"/committee/p/{vote['id']}")
        assert page.status_code == 200 and "系统出错" not in page.get_data(as_text=True)
        fixed = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", str(seq),
                                    "--choice", "disagree", "--reason", "录入时勾错了意见",
                                    "--entered-by", "clerk"])
        assert fixed.exit_code == 0, fixed.output
        with app.app_context():
            assert db.session.scalars(select(ProxyRecord.id_type)).all() == [None, None]
        assert _failures(runner, tmp_path, vote) == []
    finally:
        _migrate(app, "up")
