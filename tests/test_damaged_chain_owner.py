"""An owner's pages that say their ballot was counted, when the chain in the database was
altered behind the app's back (a row not JSON, a row deleted, the head column changed): the
public board's receipt lookup said "已计入" during the vote, and the owner's receipt page
after the close said "表决成功 … 已记入表决记录" and "核验您的选票已被计入" of a chain no
bundle can be made of. Now each says in words that the record is damaged and whom to tell
(the committee and the maintenance-fund office), and makes no claim of a count."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tests.factories import make_open_proposal, resident_id, voter_token
from tests.money_world import passed_vote
from tests.test_tampered_chain_store import TAMPERINGS, _tamper, alter, swap

OWNERS = "请告知业主委员会和维修资金管理部门"


def _damage_open_chain(app, pid, how: str) -> None:
    """_tamper's alterations on a chain still open: genesis (0) and four ballots (1–4)."""
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal

    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        assert len(rows) == 5
        if how == "unreadable":
            rows[2].line = rows[2].line[:-7]
        elif how == "altered":
            alter(rows[2])
        elif how == "reordered":
            swap(db.session, rows[2], rows[3])
        elif how == "missing":
            db.session.delete(rows[2])
        else:
            db.session.get(Proposal, int(pid)).chain_head = "ab" * 32
        db.session.commit()


def _paper_ballots(runner, tmp_path, pid) -> None:
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    for building, room in (("1", "101"), ("1", "102"), ("2", "101"), ("2", "201")):
        name = f"scan-{building}-{room}.pdf"
        (tmp_path / name).write_bytes(f"%PDF-1.4 scanned form {building}-{room}".encode())
        lines.append(f"{building},1,{room},agree,paper,{name},clerk")
    path = tmp_path / "ballots.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(args=["ballots", "import", str(pid), str(path)]).exit_code == 0


def _receipt_of(app, pid, seq: int) -> str:
    from votes.extensions import db
    from votes.models import ChainEntry

    with app.app_context():
        return db.session.scalar(select(ChainEntry.digest).where(
            ChainEntry.proposal_id == int(pid), ChainEntry.seq == seq))


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_boards_lookup_does_not_say_counted_of_a_damaged_chain(app, runner, tmp_path,
                                                                    how):
    vote = make_open_proposal(app, runner, tmp_path)
    _paper_ballots(runner, tmp_path, vote["id"])
    receipt = _receipt_of(app, vote["id"], 1)
    _damage_open_chain(app, vote["id"], how)
    page = app.test_client().get(f"/p/{vote['uid']}?receipt={receipt}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Traceback" not in text, text
    assert "已计入" not in text and 'id="lookup-damaged"' in text, text
    assert "不能核验回执" in text and OWNERS in text, text
    english = app.test_client().get(f"/p/{vote['uid']}?receipt={receipt}&lang=en")
    assert "cannot be checked" in english.get_data(as_text=True)


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_owners_own_pages_say_nothing_counted_of_a_damaged_chain(app, runner, tmp_path,
                                                                      how):
    vote = passed_vote(app, runner, tmp_path)
    pid, uid = vote["pid"], vote["uid"]
    receipt = _receipt_of(app, pid, 1)  # 1-101's paper ballot
    _tamper(app, pid, how)
    phone = app.test_client()
    start = phone.get(f"/v/{voter_token(app, vote, room='101')}")
    assert start.status_code == 302, start.get_data(as_text=True)
    done = phone.post(f"/p/{uid}/verify", data={"method": "id", "answer": resident_id(1)[-6:]})
    assert done.status_code == 302 and done.location.endswith("/mine"), done.location
    for path in (f"/p/{uid}/mine", f"/p/{uid}/receipt/{receipt}",
                 f"/p/{uid}/receipt/{receipt}/signed.json"):
        page = phone.get(path)
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code == 400 and "Traceback" not in text, (path, text)
        assert "已计入" not in text and "表决成功" not in text and OWNERS in text, (path, text)


def test_a_lookup_while_the_chain_grows_reads_only_the_entries_since_the_last_check(
        app, runner, tmp_path, monkeypatch):
    """The board's lookup is open to anyone, 600 a minute from one address, and during the
    vote every cast moves the head: a check that read the whole chain whenever the head
    moved read tens of thousands of rows per lookup. It reads the entries appended since
    this process last found the chain sound; a row altered among those is still seen."""
    from votes.core.chain import SealedEntry
    from votes.services.records import forget_checked

    vote = make_open_proposal(app, runner, tmp_path)
    _paper_ballots(runner, tmp_path, vote["id"])  # genesis and entries 1-4
    receipt = _receipt_of(app, vote["id"], 1)
    parsed = []
    real = SealedEntry.from_stored.__func__
    monkeypatch.setattr(SealedEntry, "from_stored",
                        classmethod(lambda cls, line: parsed.append(1) or real(cls, line)))
    forget_checked()
    board = app.test_client()
    assert "目前有效的选票" in board.get(f"/p/{vote['uid']}?receipt={receipt}").get_data(
        as_text=True)
    whole = len(parsed)
    assert whole >= 5, parsed  # the first check reads all five
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballots
    from tests.test_state_races import _voter

    with app.app_context():
        cast_ballots(int(vote["id"]), [BallotRequest(
            _voter(app, vote["id"], "1", "1", "202"), Choice.DISAGREE, "paper",
            entered_by="clerk", evidence=("again.pdf", b"%PDF-1.4 again"))], actor="clerk")
    del parsed[:]
    page = board.get(f"/p/{vote['uid']}?receipt={receipt}").get_data(as_text=True)
    assert 'id="lookup-result"' in page and 'id="lookup-damaged"' not in page, page
    assert len(parsed) <= 2, parsed  # the new entry (and the lookup's own rows), not all six


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_signed_receipt_during_the_vote_is_refused_of_a_damaged_chain(
        app, runner, tmp_path, how):
    """The server signed that the ballot stands under the chain's head of a chain altered in
    the database; it refuses in the owners' words, and its refusal page still signs the
    owner out. (The receipt page itself is not checked during the vote: the check cost the
    cast its p99 target under load, docs/performance.md, twenty-first session.)"""
    from votes.services.records import forget_checked

    vote = make_open_proposal(app, runner, tmp_path)
    _paper_ballots(runner, tmp_path, vote["id"])  # genesis and entries 1-4
    phone = app.test_client()
    assert phone.get(f"/v/{voter_token(app, vote)}").status_code == 302
    assert phone.post(f"/p/{vote['uid']}/verify", data={
        "method": "id", "answer": resident_id(1)[-6:]}).status_code == 302
    receipt = _receipt_of(app, vote["id"], 1)  # 1-101's paper ballot: 张三's
    _damage_open_chain(app, vote["id"], how)
    forget_checked()  # as the next process reads it, or this one a minute later
    signed = phone.get(f"/p/{vote['uid']}/receipt/{receipt}/signed.json")
    text = html.unescape(signed.get_data(as_text=True))
    assert signed.status_code == 400 and signed.mimetype == "text/html", text
    assert OWNERS in text and '"sig"' not in text and "Traceback" not in text, text
    # The owners' words, not the committee's or the verifier's (whom to call, which step).
    assert "维修资金管理部门" in text and "联系管理员" not in text and "步骤" not in text, text
    # The page still signs the owner out (on a shared phone, often the last one opened).
    assert 'id="sign-out"' in text and f'action="/p/{vote["uid"]}/sign-out"' in text, text
    out = phone.post(f"/p/{vote['uid']}/sign-out")
    assert out.status_code == 302 and out.headers["Location"].endswith("/signed-out")
    assert phone.get(out.headers["Location"]).status_code == 200
    with phone.session_transaction() as state:
        assert state.get("_user_id") is None
    again = phone.get(f"/p/{vote['uid']}/receipt/{receipt}")  # the sign-in page
    assert again.status_code == 403 and 'id="sign-out"' not in again.get_data(as_text=True)
