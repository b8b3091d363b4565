"""One scan, two roles: a dishonest clerk attaches one real signed document as ballot X's
form and as ballot Y's written authorisation (授权委托书), or a letter of one ballot as
another's form, so that one real signature stands behind two counted ballots. A scan is
a ballot form or a proxy's letter, never both: refused on the committee page, in a file
of ballots, a correction, and under the proposal's lock when two clerks try it at once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal
from tests.races import held_race, one_accepted
from tests.procedure_world import chain_entries, export_and_verify
from tests.staff_world import clerk_client
from tests.test_procedure import PROXY_ID

JPG = b"\xff\xd8\xff "
SIGNED = JPG + b"one real signature of 1-101's owner"
BOTH = "同一个文件不能既是表决票又是授权委托书"


def _ballots(app, vote) -> int:
    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ballot).where(
            Ballot.proposal_id == vote["id"]))


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


def test_a_form_on_one_ballot_is_not_another_ballots_written_authorisation(app, runner,
                                                                          tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _paper(clerk, vote, "101", SIGNED).status_code == 302
    r = _proxy(clerk, vote, "202", JPG + b"form of 1-202", SIGNED)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and BOTH in page, page
    assert "第 1 条记录" in page and "1号楼1单元101室" in page
    assert _ballots(app, vote) == 1
    # In a file of ballots, the same.
    out = _import(runner, vote, tmp_path, [("202", "f.jpg", "l.jpg")],
                  files={"f.jpg": JPG + b"form of 1-202", "l.jpg": SIGNED})
    assert out.exit_code == 1 and "第 2 行" in out.output and BOTH in out.output, out.output
    assert "第 1 条记录" in out.output and "Traceback" not in out.output
    assert _ballots(app, vote) == 1


def test_a_written_authorisation_is_not_another_ballots_form(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _proxy(clerk, vote, "101", JPG + b"form of 1-101", SIGNED).status_code == 302
    r = _paper(clerk, vote, "202", SIGNED)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and BOTH in page, page
    assert "第 1 条记录" in page and "1号楼1单元101室" in page
    out = _import(runner, vote, tmp_path, [("202", "f.jpg")], files={"f.jpg": SIGNED})
    assert out.exit_code == 1 and "第 2 行" in out.output and BOTH in out.output, out.output
    assert _ballots(app, vote) == 1


def test_rows_of_one_file_sharing_a_scan_as_form_and_letter(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    files = {"s.jpg": SIGNED, "f.jpg": JPG + b"form of 1-202", "g.jpg": JPG + b"form of 1-102"}
    out = _import(runner, vote, tmp_path, [("101", "s.jpg"), ("202", "f.jpg", "s.jpg")],
                  files=files)
    assert out.exit_code == 1 and "第 3 行" in out.output and "第 2 行" in out.output, out.output
    assert BOTH in out.output
    out = _import(runner, vote, tmp_path, [("202", "f.jpg", "s.jpg"), ("101", "s.jpg")],
                  "c.csv")
    assert out.exit_code == 1 and "第 3 行" in out.output and BOTH in out.output, out.output
    assert _ballots(app, vote) == 0
    # Their own documents each: entered.
    files["l.jpg"] = JPG + b"letter naming 1-202"
    out = _import(runner, vote, tmp_path, [("101", "s.jpg"), ("202", "f.jpg", "l.jpg")],
                  "d.csv", files=files)
    assert out.exit_code == 0, out.output
    assert _ballots(app, vote) == 2


def test_a_correction_cannot_take_another_ballots_letter_as_its_form(app, runner, tmp_path):
    """A correction reaches only the check under the lock."""
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _proxy(clerk, vote, "101", JPG + b"form of 1-101", SIGNED).status_code == 302
    assert _paper(clerk, vote, "202", JPG + b"form of 1-202").status_code == 302
    (tmp_path / "l.jpg").write_bytes(SIGNED)
    out = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", "2",
                              "--choice", "disagree", "--reason", "扫描件附错了",
                              "--entered-by", "clerk", "--evidence", str(tmp_path / "l.jpg")])
    assert out.exit_code == 1 and BOTH in out.output, out.output
    assert "第 1 条记录" in out.output and "Traceback" not in out.output
    assert _ballots(app, vote) == 2


def test_the_service_refuses_a_scan_in_both_roles_under_its_lock(app, runner, tmp_path):
    """cast_ballots itself, which every path shares: in one batch, and against a ballot
    entered already (a caller that checked nothing before the lock)."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.errors import DomainError
    from votes.services.proxies import ProxyRequest

    vote = make_open_proposal(app, runner, tmp_path)
    scan = ("s.pdf", b"%PDF-1.4 signed")
    with app.app_context():
        a, b, c = sorted(set(db.session.scalars(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"]))))[:3]
        paper = BallotRequest(a, Choice.AGREE, "paper", entered_by="clerk", evidence=scan)
        proxy = BallotRequest(b, Choice.AGREE, "proxy", entered_by="clerk",
                              evidence=("f.pdf", b"%PDF-1.4 form of b"),
                              proxy=ProxyRequest("钱七", PROXY_ID, False, scan))
        for batch in ([paper, proxy], [proxy, paper]):
            with pytest.raises(DomainError) as refused:
                cast_ballots(vote["id"], batch, actor="clerk")
            assert BOTH in refused.value.message
        cast_ballots(vote["id"], [paper], actor="clerk")
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [proxy], actor="clerk")
        assert BOTH in refused.value.message and "第 1 条记录" in refused.value.message
        form_of_c = BallotRequest(c, Choice.AGREE, "paper", entered_by="clerk",
                                  evidence=("l.pdf", b"%PDF-1.4 letter"))
        letter = BallotRequest(b, Choice.AGREE, "proxy", entered_by="clerk",
                               evidence=("f.pdf", b"%PDF-1.4 form of b"),
                               proxy=ProxyRequest("钱七", PROXY_ID, False,
                                                  ("l.pdf", b"%PDF-1.4 letter")))
        cast_ballots(vote["id"], [letter], actor="clerk")
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [form_of_c], actor="clerk")
        assert BOTH in refused.value.message and "第 2 条记录" in refused.value.message
    assert _ballots(app, vote) == 2


def test_a_withdrawn_ballot_holds_its_scan_no_more(app, runner, tmp_path):
    """Entered for the wrong unit and withdrawn (§15), the letter may be a form after all
    (as a withdrawn ballot's form serves its signer)."""
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _proxy(clerk, vote, "202", JPG + b"form", SIGNED).status_code == 302
    (tmp_path / "why.jpg").write_bytes(JPG + b"why")
    out = runner.invoke(args=["ballots", "withdraw", str(vote["id"]), "1", "--reason",
                              "录错房号", "--evidence", str(tmp_path / "why.jpg"),
                              "--entered-by", "clerk"])
    assert out.exit_code == 0, out.output
    assert _paper(clerk, vote, "101", SIGNED).status_code == 302


@pytest.mark.postgresql_only
@pytest.mark.parametrize("held_at", ["lock_proposal", "_append"])
def test_two_clerks_using_one_scan_as_form_and_letter_at_once(app, runner, tmp_path,
                                                              monkeypatch, held_at):
    """Each clerk's look before the lock finds the scan unused: only the check under the
    proposal's lock sees the other's ballot. One is accepted, the other refused."""
    from votes.services import ballots

    vote = make_open_proposal(app, runner, tmp_path)
    clerks = {"A": clerk_client(app, runner, login="clerkA"),
              "B": clerk_client(app, runner, login="clerkB")}

    def enter(who):
        done = _paper(clerks[who], vote, "101", SIGNED) if who == "A" else \
            _proxy(clerks[who], vote, "202", JPG + b"form of 1-202", SIGNED)
        return "accepted" if done.status_code == 302 else done.get_data(as_text=True)

    outcome = held_race(app, monkeypatch, ballots, held_at, enter)
    one_accepted(outcome, BOTH)
    assert _ballots(app, vote) == 1


def test_an_honest_vote_of_proxies_a_sale_and_a_freed_scan_exports_and_verifies(app, runner,
                                                                                 tmp_path):
    """Whatever the server accepts passes the verifier's 6.13, one scan one role
    (docs/verification.md §3.2): one letter for two principals of one proxy, a sale with
    its deed and the buyer's form, and that letter first attached as a ballot's form, the
    ballot withdrawn (entered for the wrong unit), then entered as the letter."""
    from datetime import timedelta

    from tests.security.test_transfer_deeds import _sale

    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _paper(clerk, vote, "102", SIGNED).status_code == 302  # entry 1: the letter
    (tmp_path / "why.jpg").write_bytes(JPG + b"why")
    out = runner.invoke(args=["ballots", "withdraw", str(vote["id"]), "1", "--reason",
                              "附的是授权委托书", "--evidence", str(tmp_path / "why.jpg"),
                              "--entered-by", "clerk"])
    assert out.exit_code == 0, out.output
    rows = [("101", "f1.jpg", "l.jpg"), ("102", "f2.jpg", "l.jpg")]
    out = _import(runner, vote, tmp_path, rows,
                  files={"f1.jpg": JPG + b"form of 1-101", "f2.jpg": JPG + b"form of 1-102",
                         "l.jpg": SIGNED})
    assert out.exit_code == 0, out.output
    assert _sale(clerk, vote, JPG + b"deed of 1-202").status_code == 302
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    data, report = export_and_verify(app, runner, tmp_path, str(vote["id"]))
    bodies = [entry["body"] for entry in chain_entries(data)]
    letters = [b["proxy"]["authorisation"] for b in bodies if "proxy" in b]
    assert len(letters) == 2 and set(letters) == {bodies[1]["evidence"]}
    assert any("transfer" in b for b in bodies)
    assert not report.failures and report.outcome == "verified", report.render()
    assert not [s for s in report.skipped if s.step.startswith("6")], report.skipped
