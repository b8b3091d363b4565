"""A transfer's deed (过户证明, §16) in a second role: a dishonest clerk attaches one real
signed document as a sale's evidence and as another ballot's form or a proxy's written
authorisation, so that one real document stands behind two counted ballots (the buyer's,
who "bought" on it, and the owner's who "signed" it). A scan is a form, a letter or a
deed, never two of them: refused on the committee's transfer and paper pages, by the CLI's
`ballots transfer` and `ballots import`, and under the proposal's lock."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id
from tests.races import held_race, one_accepted
from tests.staff_world import clerk_client
from tests.test_procedure import PROXY_ID

JPG = b"\xff\xd8\xff "
SIGNED = JPG + b"one real signed document"
DEED_FORM = "同一个文件不能既是过户证明又是表决票"
DEED_LETTER = "同一个文件不能既是过户证明又是授权委托书"


def _counts(app, vote) -> tuple[int, int]:
    from votes.extensions import db
    from votes.models import Ballot, Transfer

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model).where(
            model.proposal_id == vote["id"])) for model in (Ballot, Transfer))


def _paper(client, vote, room, form: bytes):
    return client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": room, "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(form), "form.jpg")})


def _proxy(client, vote, room, form: bytes, letter: bytes):
    return client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": room, "choice": "agree",
        "channel": "proxy", "proxy_name": "钱七", "proxy_id": PROXY_ID, "company_staff": "否",
        "evidence": (io.BytesIO(form), "form.jpg"),
        "authorisation": (io.BytesIO(letter), "letter.jpg")})


def _sale(client, vote, deed: bytes, form: bytes = JPG + b"buyer's form", *, letter=None,
          building="1", room="202", buyer=resident_id(10)):
    data = {"building": building, "entrance": "1", "room": room, "choice": "agree",
            "buyer_name": "周九", "buyer_id": buyer,
            "transfer_evidence": (io.BytesIO(deed), "deed.jpg"),
            "ballot_form": (io.BytesIO(form), "buyer.jpg"), "confirm": "1"}
    if letter is not None:
        data.update(proxy_name="钱七", proxy_id=PROXY_ID, company_staff="否",
                    authorisation=(io.BytesIO(letter), "letter.jpg"))
    return client.post(f"/committee/p/{vote['id']}/transfer", data=data)


def _cli_sale(runner, vote, tmp_path, deed: bytes, form: bytes = JPG + b"buyer's form"):
    (tmp_path / "deed.jpg").write_bytes(deed)
    (tmp_path / "buyer.jpg").write_bytes(form)
    return runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九",
        "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.jpg"),
        "--form", str(tmp_path / "buyer.jpg"), "--entered-by", "clerk"])


def _import(runner, vote, tmp_path, rows, name="b.csv", files=None):
    """rows: (room, form file[, letter file]) in building 1, entrance 1."""
    for file, content in (files or {}).items():
        (tmp_path / file).write_bytes(content)
    lines = ["楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书,受托人为物业员工"]
    for room, form, *letter in rows:
        lines.append(f"1,1,{room},同意,委托,{form},clerk,钱七,{PROXY_ID},{letter[0]},否"
                     if letter else f"1,1,{room},同意,纸质,{form},clerk,,,,")
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / name)])


def test_a_deed_is_not_another_ballots_form(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _paper(clerk, vote, "101", SIGNED).status_code == 302
    r = _sale(clerk, vote, SIGNED)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and DEED_FORM in page, page
    assert "第 1 条记录" in page and "1号楼1单元101室" in page
    out = _cli_sale(runner, vote, tmp_path, SIGNED)
    assert out.exit_code == 1 and DEED_FORM in out.output, out.output
    assert "第 1 条记录" in out.output and "Traceback" not in out.output
    assert _counts(app, vote) == (1, 0)


def test_a_deed_is_not_a_proxys_written_authorisation(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _proxy(clerk, vote, "101", JPG + b"form of 1-101", SIGNED).status_code == 302
    r = _sale(clerk, vote, SIGNED)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and DEED_LETTER in page, page
    assert "第 1 条记录" in page and "1号楼1单元101室" in page
    out = _cli_sale(runner, vote, tmp_path, SIGNED)
    assert out.exit_code == 1 and DEED_LETTER in out.output, out.output
    assert _counts(app, vote) == (1, 0)


def test_a_deed_is_no_later_ballots_form_nor_letter(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _sale(clerk, vote, SIGNED).status_code == 302
    for r, words in ((_paper(clerk, vote, "101", SIGNED), DEED_FORM),
                     (_proxy(clerk, vote, "101", JPG + b"form of 1-101", SIGNED), DEED_LETTER)):
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and words in page, page
        assert "第 1 条记录" in page and "1号楼1单元202室" in page
    files = {"d.jpg": SIGNED, "f.jpg": JPG + b"form of 1-101"}
    for rows, words in (([("101", "d.jpg")], DEED_FORM),
                        ([("101", "f.jpg", "d.jpg")], DEED_LETTER)):
        out = _import(runner, vote, tmp_path, rows, files=files)
        assert out.exit_code == 1 and "第 2 行" in out.output and words in out.output, out.output
        assert "第 1 条记录" in out.output and "Traceback" not in out.output
    # Another sale's buyer signing the deed as their ballot form, or as their proxy's letter.
    for r, words in ((_sale(clerk, vote, JPG + b"deed of 2-201", SIGNED, building="2",
                            room="201", buyer=resident_id(11)), DEED_FORM),
                     (_sale(clerk, vote, JPG + b"deed of 2-201", JPG + b"form", letter=SIGNED,
                            building="2", room="201", buyer=resident_id(11)), DEED_LETTER)):
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and words in page, page
    assert _counts(app, vote) == (1, 1)
    # The sale of 1-202 entered again (the buyer's name put right) keeps its own deed.
    again = _cli_sale(runner, vote, tmp_path, SIGNED, JPG + b"buyer's form, again")
    assert again.exit_code == 0, again.output
    assert _counts(app, vote) == (2, 2)


def test_a_sales_proxy_letter_is_not_its_deed(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    r = _sale(clerk, vote, SIGNED, letter=SIGNED)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and DEED_LETTER in page, page
    assert _counts(app, vote) == (0, 0)
    assert _sale(clerk, vote, SIGNED, letter=JPG + b"letter").status_code == 302


def test_a_correction_cannot_take_a_deed_as_its_form(app, runner, tmp_path):
    """A correction reaches only the check under the lock."""
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _sale(clerk, vote, SIGNED).status_code == 302
    assert _paper(clerk, vote, "101", JPG + b"form of 1-101").status_code == 302
    (tmp_path / "d.jpg").write_bytes(SIGNED)
    out = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", "2",
                              "--choice", "disagree", "--reason", "扫描件附错了",
                              "--entered-by", "clerk", "--evidence", str(tmp_path / "d.jpg")])
    assert out.exit_code == 1 and DEED_FORM in out.output, out.output
    assert "第 1 条记录" in out.output and "Traceback" not in out.output
    assert _counts(app, vote) == (2, 1)


def test_the_service_refuses_a_deed_in_another_role_under_its_lock(app, runner, tmp_path):
    """cast_ballots itself, which every path shares (a caller that checked nothing)."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, TransferRequest, cast_ballots
    from votes.services.errors import DomainError
    from votes.services.proxies import ProxyRequest

    vote = make_open_proposal(app, runner, tmp_path)
    scan = ("s.pdf", b"%PDF-1.4 signed")
    with app.app_context():
        def voter(room):
            return db.session.scalar(select(FrozenUnit.voter_key).where(
                FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == "1",
                FrozenUnit.room == room))

        def sale(deed, letter=None):
            return BallotRequest(voter("202"), Choice.AGREE, "proxy" if letter else "paper",
                                 entered_by="clerk", evidence=("b.pdf", b"%PDF-1.4 buyer"),
                                 proxy=letter and ProxyRequest("钱七", PROXY_ID, False, letter),
                                 transfer=TransferRequest("周九", resident_id(10), deed))

        paper = BallotRequest(voter("101"), Choice.AGREE, "paper", entered_by="clerk",
                              evidence=scan)
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [sale(scan, letter=scan)], actor="clerk")
        assert DEED_LETTER in refused.value.message
        cast_ballots(vote["id"], [paper], actor="clerk")
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [sale(scan)], actor="clerk")
        assert DEED_FORM in refused.value.message and "第 1 条记录" in refused.value.message
        cast_ballots(vote["id"], [sale(("d.pdf", b"%PDF-1.4 deed"))], actor="clerk")
        letter = BallotRequest(voter("102"), Choice.AGREE, "proxy", entered_by="clerk",
                               evidence=("f.pdf", b"%PDF-1.4 form of 1-102"),
                               proxy=ProxyRequest("钱七", PROXY_ID, False,
                                                  ("d.pdf", b"%PDF-1.4 deed")))
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [letter], actor="clerk")
        assert DEED_LETTER in refused.value.message and "第 2 条记录" in refused.value.message
    assert _counts(app, vote) == (2, 1)


@pytest.mark.postgresql_only
@pytest.mark.parametrize("held_at", ["lock_proposal", "_append"])
def test_two_clerks_using_one_scan_as_deed_and_form_at_once(app, runner, tmp_path,
                                                            monkeypatch, held_at):
    """Each clerk's look before the lock finds the scan unused: only the check under the
    proposal's lock sees the other's entry. One is accepted, the other refused."""
    from votes.services import ballots

    vote = make_open_proposal(app, runner, tmp_path)
    clerks = {"A": clerk_client(app, runner, login="clerkA"),
              "B": clerk_client(app, runner, login="clerkB")}

    def enter(who):
        done = _paper(clerks[who], vote, "101", SIGNED) if who == "A" else \
            _sale(clerks[who], vote, SIGNED)
        return "accepted" if done.status_code == 302 else done.get_data(as_text=True)

    outcome = held_race(app, monkeypatch, ballots, held_at, enter)
    accepted = one_accepted(outcome, DEED_FORM)
    assert _counts(app, vote) == {"A": (1, 0), "B": (1, 1)}[accepted]
