"""The writes that read a proposal's chain, when the chain in the database was altered behind
the app's back (tests/test_tampered_chain_store.py's TAMPERINGS: a row not JSON, a row
rewritten, rows swapped, a row deleted, the head column changed). Every reader of the chain
refuses such a chain in its reader's words; these writes read it unchecked: the close sealed
a tally over it (the timer, or the first request after the end), the emergency form, the
committee's correction and the owner's second device-signed cast were a 500 on a row not
JSON; a withdrawal, a paper or proxy ballot and a new owner's ballot after a sale were
appended to it. Each now refuses in its audience's words, and writes nothing; the
committee's and the regulator's pages of the open vote say so in place of its progress,
and `votes proposal show` refuses."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal
from tests.money_world import staff_accounts
from tests.staff_world import sign_in
from tests.test_damaged_chain_owner import _damage_open_chain, _paper_ballots
from tests.test_tampered_chain_store import TAMPERINGS

OWNERS = "请告知业主委员会和维修资金管理部门"
COMMITTEE = "请联系维修资金管理部门和系统管理员核查"
REGULATOR = "验证导出包"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _chain(app, pid) -> tuple[str, int, list[str], int, int]:
    """The proposal's state and chain length, its rows' kinds, the audit entries on it and
    the scans it keeps."""
    from votes.extensions import db
    from votes.models import AuditEntry, ChainEntry, Evidence, Proposal

    with app.app_context():
        p = db.session.get(Proposal, int(pid))
        kinds = db.session.scalars(select(ChainEntry.kind).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        audits = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.target == str(pid)))
        scans = db.session.scalar(select(func.count(Evidence.id)).where(
            Evidence.proposal_id == int(pid)))
        state = (p.state, p.chain_length, list(kinds), audits, scans)
        db.session.remove()
        return state


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_close_refuses_a_damaged_chain_and_the_timer_goes_on(app, runner, tmp_path, how):
    """The timer at the end of two votes, one of whose chains was altered: it closed both,
    sealing onto the damaged one a tally of ballots the chain no longer vouches for. The
    damaged one now stays open, nothing appended, the timer saying why beside its id and
    closing the other; the committee's close, its page and the regulator's say why."""
    other = make_open_proposal(app, runner, tmp_path, code="MOON")
    vote = make_open_proposal(app, runner, tmp_path)
    pid = vote["id"]
    _paper_ballots(runner, tmp_path, pid)  # genesis and entries 1-4
    _damage_open_chain(app, pid, how)
    from votes.services.records import forget_checked

    forget_checked()
    before = _chain(app, pid)

    app.config["VOTES_NOW"] = datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc)  # both ended
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output
    said = [line for line in result.stderr.splitlines() if line.startswith(f"{pid}: ")]
    assert len(said) == 1 and "不能结束表决" in said[0] and COMMITTEE in said[0], result.stderr
    assert _chain(app, pid) == before and before[0] == "voting"
    assert _chain(app, other["id"])[0] == "closed"

    staff_accounts(app, runner)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    page = committee.get(f"/committee/p/{pid}")
    text = _text(page)
    assert page.status_code in (200, 400) and "Traceback" not in text, text
    assert "不能结束表决" in text and COMMITTEE in text and OWNERS not in text, text
    clicked = committee.post(f"/committee/p/{pid}/move/close", data={"confirm": "1"},
                             follow_redirects=True)
    text = _text(clicked)
    assert clicked.status_code in (200, 400) and "不能结束表决" in text, text
    assert COMMITTEE in text and OWNERS not in text and "已结束表决" not in text, text
    closed = runner.invoke(args=["proposal", "close", str(pid)])
    assert closed.exit_code == 1 and COMMITTEE in closed.output, closed.output
    assert "Traceback" not in closed.output

    regulator = app.test_client()
    sign_in(regulator, "district")
    page = regulator.get(f"/regulator/p/{pid}")
    text = _text(page)
    assert page.status_code == 200 and "不能结束表决" in text, text
    assert REGULATOR in text and OWNERS not in text, text
    english = _text(regulator.get(f"/regulator/p/{pid}?lang=en"))
    assert "the vote cannot be closed" in english, english

    # Nor did any of the readers close it on its way (the first request after the end).
    board = app.test_client().get(f"/p/{vote['uid']}")
    assert board.status_code != 500
    assert _chain(app, pid)[:3] == before[:3]


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_correction_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """The committee's correction of a paper ballot, without a new scan, carries the
    original's: it read that entry's line as JSON (a 500 when it was not), and appended the
    correction to the damaged chain either way."""
    vote = make_open_proposal(app, runner, tmp_path)
    pid = vote["id"]
    _paper_ballots(runner, tmp_path, pid)  # genesis and entries 1-4
    staff_accounts(app, runner)
    _damage_open_chain(app, pid, how)
    from votes.services.records import forget_checked

    forget_checked()
    before = _chain(app, pid)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    for entry in (1, 2):  # another voter's, and the one damaged
        refused = committee.post(f"/committee/p/{pid}/paper-ballots/correct", data={
            "entry": str(entry), "choice": "disagree", "reason": "录入时看错了意见",
            "confirm": "1"})
        text = _text(refused)
        assert refused.status_code == 400 and "Traceback" not in text, text
        assert "不能更正选票" in text and COMMITTEE in text and OWNERS not in text, text
        assert "已更正" not in text, text
    result = runner.invoke(args=["ballots", "correct", str(pid), "--entry", "1", "--choice",
                                 "disagree", "--reason", "录入时看错了意见", "--entered-by",
                                 "clerk2"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "不能更正选票" in result.output and COMMITTEE in result.output, result.output
    assert _chain(app, pid) == before


def _damage_emergency(app, pid: str, how: str) -> None:
    """An emergency use's chain, genesis (0) and emergency entry (1), altered as TAMPERINGS
    alter a vote's: the emergency entry's line cut short, its evidence rewritten (JSON
    still, its digest as it was), it and the genesis swapped, it deleted, the head changed."""
    import json

    from tests.test_tampered_chain_store import swap
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal

    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        assert [r.kind for r in rows] == ["genesis", "emergency"]
        if how == "unreadable":
            rows[1].line = rows[1].line[:-7]
        elif how == "altered":
            data = json.loads(rows[1].line)
            data["entry"]["body"]["evidence"] = {"0" * 64: "other.pdf"}
            rows[1].line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        elif how == "reordered":
            swap(db.session, rows[0], rows[1])
        elif how == "missing":
            db.session.delete(rows[1])
        else:
            db.session.get(Proposal, int(pid)).chain_head = "ab" * 32
        db.session.commit()


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_an_emergency_application_refuses_when_a_published_ones_chain_is_damaged(
        app, runner, tmp_path, how):
    """The repeat check reads each emergency use of the same scope already published, to see
    whether it carries this application's evidence: another use's row not JSON made the
    form a 500, and one rewritten or deleted was taken as it stood (a repeat published a
    second time). The application is now refused, nothing published, saying which use's
    record is damaged and whom to call."""
    import io

    from tests.test_emergency_use import _apply, _community
    from votes.extensions import db
    from votes.models import Proposal

    _community(app, runner, tmp_path)
    first = _apply(runner, tmp_path)
    assert first.exit_code == 0, first.output
    pid = first.output.strip()
    staff_accounts(app, runner)
    _damage_emergency(app, pid, how)
    from votes.services.records import forget_checked

    forget_checked()

    def proposals() -> int:
        with app.app_context():
            count = db.session.scalar(select(func.count(Proposal.id)))
            db.session.remove()
            return count

    before = proposals()
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    for evidence in (b"%PDF-1.4 special equipment report", b"%PDF-1.4 another report"):
        page = committee.post("/committee/c/SUN/emergency", data={
            "title": "1号楼电梯抢修", "category": "elevator", "applicant": "property_company",
            "reason": "1号楼电梯曳引机故障，困人两次，需立即停用抢修", "scope_building": "1",
            "budget": "18000.00", "confirm": "1",
            "evidence": [(io.BytesIO(evidence), "inspection.pdf")]},
            content_type="multipart/form-data", follow_redirects=True)
        text = _text(page)
        assert page.status_code in (200, 400) and "Traceback" not in text, text
        assert "应急使用已公布" not in text, text
        assert "不能判断本次申请是否重复" in text and "“1号楼电梯抢修”" in text, text
        assert COMMITTEE in text and OWNERS not in text, text
    again = _apply(runner, tmp_path)
    assert again.exit_code == 1 and "Traceback" not in again.output, again.output
    assert "不能判断本次申请是否重复" in again.output and COMMITTEE in again.output, again.output
    assert proposals() == before
    # Another scope's application is not this use's repeat: published as before.
    other = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "2号楼水管抢修",
        "--scope", "building:2", "--budget", "5000.00", "--category", "leak",
        "--applicant", "committee", "--reason", "2号楼主水管爆裂", "--evidence",
        str(tmp_path / "inspection.pdf")])
    assert other.exit_code == 0, other.output


@pytest.mark.parametrize("how", ("unreadable", "altered"))
def test_an_owners_second_signed_cast_refuses_their_damaged_entry(app, runner, tmp_path, how):
    """An owner who may change their vote casts again from the phone that signed the first
    ballot: the cast reads the owner's earlier online entries for the device's nonce, and
    their row not JSON made the cast a 500; one rewritten was read as it stood. The owner
    is now told the record is damaged and whom to tell; nothing is written."""
    import base64
    import json
    import re

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from tests.test_owner_http import post_device, verified
    from tests.test_tampered_chain_store import alter
    from votes.core.commitment import commit
    from votes.core.signing import device_payload
    from votes.extensions import db
    from votes.models import ChainEntry

    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    phone = app.test_client()
    verified(phone, app, vote)
    key = ec.generate_private_key(ec.SECP256R1())
    spki = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    assert post_device(phone, vote, {"public_key": spki}).status_code == 200
    salt = "5a" * 32

    def cast(choice):
        page = _text(phone.post(f"/p/{vote['uid']}/confirm", data={"choice": choice}))
        nonce = re.search(r'data-nonce="([0-9a-f]+)"', page).group(1)
        voter = re.search(r'data-voter="([^"]+)"', page).group(1)
        der = key.sign(device_payload(vote["uid"], voter, commit(vote["uid"], voter, choice,
                                                                 salt), nonce),
                       ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
        return phone.post(f"/p/{vote['uid']}/cast", data={
            "choice": choice, "nonce": nonce, "public_key": spki, "signature": signature,
            "salt": salt}, follow_redirects=True)

    assert "表决成功" in _text(cast("agree"))
    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == vote["id"]).order_by(ChainEntry.seq)).all()
        assert [r.kind for r in rows][-1] == "ballot"
        own = rows[-1]
        assert json.loads(own.line)["entry"]["body"]["device"]["public_key"] == spki
        if how == "unreadable":
            own.line = own.line[:-7]
        else:
            alter(own)
        db.session.commit()
    from votes.services.records import forget_checked

    forget_checked()
    before = _chain(app, vote["id"])
    again = cast("disagree")
    text = _text(again)
    assert again.status_code == 400 and "Traceback" not in text, text
    assert "不能记入您的选票" in text and OWNERS in text and "系统管理员" not in text, text
    assert "表决成功" not in text, text
    assert _chain(app, vote["id"]) == before


def _damaged_vote(app, runner, tmp_path, how):
    """An open vote with paper ballots for 1-101, 1-102, 2-101 and 2-201 (entries 1-4), its
    chain then altered `how`, the committee signed in: (proposal id, committee's client,
    the chain as it was before anything was tried)."""
    from votes.services.records import forget_checked

    vote = make_open_proposal(app, runner, tmp_path)
    pid = vote["id"]
    _paper_ballots(runner, tmp_path, pid)
    staff_accounts(app, runner)
    _damage_open_chain(app, pid, how)
    forget_checked()
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    return pid, committee, _chain(app, pid)


def _refused_in_committee_words(response, what: str) -> str:
    text = _text(response)
    assert response.status_code == 400 and "Traceback" not in text, text
    assert what in text and COMMITTEE in text and OWNERS not in text, text
    return text


def _refused_on_the_command_line(result, what: str) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert what in result.output and COMMITTEE in result.output, result.output


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_withdrawal_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """A withdrawal names an entry of the chain and is appended after its head: it read the
    ballots table and appended over a chain the database no longer vouches for."""
    import io

    pid, committee, before = _damaged_vote(app, runner, tmp_path, how)
    for entry in (1, 2):  # another voter's, and the one damaged
        refused = committee.post(f"/committee/p/{pid}/paper-ballots/withdraw", data={
            "entry": str(entry), "reason": "表决票签名为2号楼住户，录入时错选了房号",
            "confirm": "1", "evidence": (io.BytesIO(b"%PDF-1.4 form of 2-201"), "form.pdf")})
        text = _refused_in_committee_words(refused, "不能撤回选票")
        assert "已撤回" not in text, text
    english = committee.post(f"/committee/p/{pid}/paper-ballots/withdraw?lang=en", data={
        "entry": "1", "reason": "表决票签名为2号楼住户，录入时错选了房号", "confirm": "1",
        "evidence": (io.BytesIO(b"%PDF-1.4 form of 2-201"), "form.pdf")})
    assert "no ballot can be withdrawn" in _text(english), _text(english)
    (tmp_path / "mistake.pdf").write_bytes(b"%PDF-1.4 form of 2-201")
    result = runner.invoke(args=["ballots", "withdraw", str(pid), "1", "--reason",
                                 "表决票签名为2号楼住户，录入时错选了房号", "--evidence",
                                 str(tmp_path / "mistake.pdf"), "--entered-by", "clerk2"])
    _refused_on_the_command_line(result, "不能撤回选票")
    assert _chain(app, pid) == before


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_paper_ballot_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """A paper or proxy ballot, one form or a file of them, in the browser or from the
    command line, was appended after the head of a chain altered in the database."""
    import io

    pid, committee, before = _damaged_vote(app, runner, tmp_path, how)
    one = committee.post(f"/committee/p/{pid}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"%PDF-1.4 form of 1-202"), "scan.pdf")})
    text = _refused_in_committee_words(one, "不能录入选票")
    assert "已录入" not in text, text
    csv = "building,entrance,room,choice,channel,evidence\n1,1,202,agree,paper,scan.pdf\n"
    file = committee.post(f"/committee/p/{pid}/paper", data={
        "csv": (io.BytesIO(csv.encode()), "ballots.csv"),
        "evidence": [(io.BytesIO(b"%PDF-1.4 form of 1-202"), "scan.pdf")]},
        content_type="multipart/form-data")
    text = _refused_in_committee_words(file, "不能录入选票")
    assert "已录入" not in text, text
    (tmp_path / "late").mkdir()
    (tmp_path / "late" / "scan.pdf").write_bytes(b"%PDF-1.4 form of 1-202")
    (tmp_path / "late" / "ballots.csv").write_text(
        "building,entrance,room,choice,channel,evidence,entered_by\n"
        "1,1,202,agree,paper,scan.pdf,clerk\n", encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", str(pid),
                                 str(tmp_path / "late" / "ballots.csv")])
    _refused_on_the_command_line(result, "不能录入选票")
    assert _chain(app, pid) == before


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_transfer_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """A sale during the vote: the buyer's ballot, entered in the seller's place, was
    appended after the head of a chain altered in the database."""
    import io

    from tests.factories import resident_id

    pid, committee, before = _damaged_vote(app, runner, tmp_path, how)
    sold = committee.post(f"/committee/p/{pid}/transfer", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "disagree",
        "buyer_name": "钱七", "buyer_id": resident_id(9), "confirm": "1",
        "transfer_evidence": (io.BytesIO(b"%PDF-1.4 certificate"), "cert.pdf"),
        "ballot_form": (io.BytesIO(b"%PDF-1.4 buyer form"), "form.pdf")})
    text = _refused_in_committee_words(sold, "不能录入过户后新业主的选票")
    assert "已录入" not in text, text
    (tmp_path / "cert.pdf").write_bytes(b"%PDF-1.4 certificate")
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.4 buyer form")
    result = runner.invoke(args=[
        "ballots", "transfer", str(pid), "--building", "1", "--entrance", "1", "--room", "202",
        "--choice", "disagree", "--buyer-name", "钱七", "--buyer-id", resident_id(9),
        "--transfer-evidence", str(tmp_path / "cert.pdf"), "--form", str(tmp_path / "form.pdf"),
        "--entered-by", "clerk2"])
    _refused_on_the_command_line(result, "不能录入过户后新业主的选票")
    assert _chain(app, pid) == before


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_committees_page_during_the_vote_shows_no_progress_of_a_damaged_chain(
        app, runner, tmp_path, how):
    """The committee's page of an open vote showed the turnout, the ballots received and
    their chart, counted from the ballots table, over a chain the database no longer
    vouches for (the entry forms beside them refusing it). It now says the record is
    damaged and whom to call in their place; the page and its other buttons stay."""
    pid, committee, before = _damaged_vote(app, runner, tmp_path, how)
    page = committee.get(f"/committee/p/{pid}")
    text = _text(page)
    assert page.status_code == 200 and "Traceback" not in text, text
    assert 'id="chain-damaged"' in text and "不能显示表决进度" in text, text
    assert COMMITTEE in text and OWNERS not in text, text
    assert "已收选票" not in text and 'class="chart"' not in text, text
    assert "参与人数" not in text and "参与面积" not in text, text
    assert 'id="staff-ballots"' in text, text
    english = _text(committee.get(f"/committee/p/{pid}?lang=en"))
    assert "the progress of the vote cannot be shown" in english, english
    assert _chain(app, pid) == before


def _regulator(app):
    regulator = app.test_client()
    sign_in(regulator, "district")
    return regulator


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_regulators_page_during_the_vote_shows_no_progress_of_a_damaged_chain(
        app, runner, tmp_path, how):
    """The regulator's page of an open vote showed the thresholds' figures (participation,
    area, quorum), counted from the ballots table, over a chain the database no longer
    vouches for: only a closed vote's chain was checked. It now says the record is damaged,
    in the regulator's words (its own verification finds where), in their place; the
    verification's button stays."""
    pid, _committee, before = _damaged_vote(app, runner, tmp_path, how)
    regulator = _regulator(app)
    page = regulator.get(f"/regulator/p/{pid}")
    text = _text(page)
    assert page.status_code == 200 and "Traceback" not in text, text
    assert 'id="chain-damaged"' in text and "不能显示表决进度" in text, text
    assert REGULATOR in text and COMMITTEE not in text and OWNERS not in text, text
    assert "门槛" not in text and "尚未达到" not in text, text
    assert 'id="verify-bundle"' in text, text
    english = _text(regulator.get(f"/regulator/p/{pid}?lang=en"))
    assert "the progress of the vote cannot be shown" in english, english
    assert _chain(app, pid) == before


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_proposal_show_during_the_vote_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """`votes proposal show` of an open vote printed its participation and quorum, counted
    from the ballots table, over a chain the database no longer vouches for. It now says
    why not, in the office's words, exit status 1; with --json too."""
    pid, _committee, before = _damaged_vote(app, runner, tmp_path, how)
    for json_flag in ([], ["--json"]):
        result = runner.invoke(args=["proposal", "show", str(pid), *json_flag])
        _refused_on_the_command_line(result, "不能显示表决进度")
        assert "参与表决" not in result.output and "participating" not in result.output
    assert _chain(app, pid) == before
