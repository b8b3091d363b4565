"""A dishonest clerk attaches one real signed ballot form to ballots for several owners, to
make up their votes: a form is refused on another voter's ballot, by the CLI, the committee
page, a correction and a transfer alike, and when two clerks try it at the same moment.
The same voter's form may come again in a correction (never as a change of ballot), and a
proxy's one letter may serve its principals. Only a withdrawal frees a form for its signer;
a correction, which leaves its voter counted, does not."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id
from tests.races import held_race, one_accepted
from tests.staff_world import clerk_client
from tests.test_procedure import _chain

FORM = b"%PDF-1.4 ballot signed by 1-101"
RULE = "一张表决票只能用于签字业主本人的选票"


def _import(runner, vote, tmp_path, rows, name="ballots.csv", files=None):
    """rows: (building, room, scan file name[, proxy letter]); files: name → bytes."""
    for file, content in (files or {}).items():
        (tmp_path / file).write_bytes(content)
    lines = ["楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书"]
    for building, room, scan, *letter in rows:
        proxy = f"委托,{scan},clerk,钱七,110101199003070011,{letter[0]}" if letter \
            else f"纸质,{scan},clerk,,,"
        lines.append(f"{building},1,{room},同意,{proxy}")
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return runner.invoke(args=["ballots", "import", str(vote["id"]), str(tmp_path / name)])


def _ballots(app, vote):
    return [e for e in _chain(app, vote) if e["kind"] == "ballot"]


def test_a_form_already_on_another_voters_ballot_is_refused(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    first = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], files={"a.pdf": FORM})
    assert first.exit_code == 0, first.output
    # The same scan under another name, for 赵六 (1-202): the content is what counts.
    again = _import(runner, vote, tmp_path, [("1", "202", "copy.pdf")], "b.csv",
                    files={"copy.pdf": FORM})
    assert again.exit_code == 1
    assert "第 2 行" in again.output and "第 1 条记录" in again.output and RULE in again.output
    assert "1号楼1单元202室" in again.output and "1号楼1单元101室、1号楼1单元201室" in again.output
    assert "撤回" not in again.output  # a ballot no correction replaced: nothing to undo
    assert len(_ballots(app, vote)) == 1
    own = _import(runner, vote, tmp_path, [("1", "202", "own.pdf")], "c.csv",
                  files={"own.pdf": b"%PDF-1.4 ballot signed by 1-202"})
    assert own.exit_code == 0, own.output


def test_one_form_on_two_voters_rows_of_one_file_refuses_the_whole_file(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    result = _import(runner, vote, tmp_path, [
        ("1", "101", "a.pdf"), ("1", "202", "b.pdf"), ("2", "201", "a-again.pdf")],
        files={"a.pdf": FORM, "b.pdf": b"%PDF-1.4 ballot signed by 1-202", "a-again.pdf": FORM})
    assert result.exit_code == 1 and "每张单独扫描成一个文件" in result.output
    assert "第 4 行：表决票扫描件 a-again.pdf 与第 2 行另一位业主的表决票是同一个文件" in result.output
    assert "第 2 行：" not in result.output and "第 3 行：" not in result.output
    assert "未录入任何选票" in result.output
    assert _ballots(app, vote) == []  # all rows or none: the two good rows are not entered
    with app.app_context():
        from votes.extensions import db
        from votes.models import Evidence

        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_the_same_voter_may_bring_their_form_again(app, runner, tmp_path):
    """A change of ballot on the owner's new form, and corrections that keep the form or
    take another voter's (the correction goes through the check under the lock)."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    files = {"a.pdf": FORM, "b.pdf": b"%PDF-1.4 ballot signed by 1-202",
             "a2.pdf": b"%PDF-1.4 second ballot signed by 1-101"}
    done = _import(runner, vote, tmp_path, [("1", "101", "a.pdf"), ("1", "202", "b.pdf")],
                   files=files)
    assert done.exit_code == 0, done.output
    change = _import(runner, vote, tmp_path, [("1", "101", "a2.pdf")], "change.csv")
    assert change.exit_code == 0, change.output
    latest = _ballots(app, vote)[-1]["seq"]
    kept = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", str(latest),
                               "--choice", "disagree", "--reason", "勾选错误",
                               "--entered-by", "clerk"])
    assert kept.exit_code == 0, kept.output
    latest = _ballots(app, vote)[-1]["seq"]
    taken = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", str(latest),
                                "--choice", "agree", "--reason", "扫描件附错了",
                                "--entered-by", "clerk", "--evidence", str(tmp_path / "b.pdf")])
    assert taken.exit_code == 1 and RULE in taken.output, taken.output
    assert "1号楼1单元202室" in taken.output and "Traceback" not in taken.output
    assert len(_ballots(app, vote)) == 4


def test_the_form_of_the_voters_current_ballot_is_not_a_change_of_ballot(app, runner,
                                                                          tmp_path):
    """Where one change of ballot is allowed, the form already on the voter's ballot entered
    again (a double click, a file imported twice) was accepted as the owner's change: a
    change the owner never made, and their own change, online or on a new form, was then
    refused as 您已修改过一次表决意见. The same form is refused; a correction still keeps it."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    files = {"a.pdf": FORM}
    done = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], files=files)
    assert done.exit_code == 0, done.output
    again = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], "again.csv")
    assert again.exit_code == 1 and "第 2 行" in again.output, again.output
    assert "第 1 条记录" in again.output and "已录入" in again.output
    sign_in_client = clerk_client(app, runner)
    twice = sign_in_client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(FORM), "form.jpg")})
    assert twice.status_code == 400 and "已录入" in twice.get_data(as_text=True)
    assert len(_ballots(app, vote)) == 1
    # The owner's own change, on a new form, is still theirs to make.
    change = _import(runner, vote, tmp_path, [("1", "101", "new.pdf")], "change.csv",
                     files={"new.pdf": b"%PDF-1.4 second ballot signed by 1-101"})
    assert change.exit_code == 0, change.output


def test_one_proxy_letter_serves_several_principals(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    result = _import(runner, vote, tmp_path, [
        ("1", "101", "a.pdf", "letter.pdf"), ("1", "202", "b.pdf", "letter.pdf")],
        files={"a.pdf": FORM, "b.pdf": b"%PDF-1.4 ballot signed by 1-202",
               "letter.pdf": b"%PDF-1.4 one letter naming 1-101 and 1-202"})
    assert result.exit_code == 0, result.output
    ballots = _ballots(app, vote)
    assert len(ballots) == 2
    assert ballots[0]["body"]["proxy"]["authorisation"] == \
        ballots[1]["body"]["proxy"]["authorisation"]


def _paper(client, vote, room, content=FORM):
    return client.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": room, "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(content), "scan.pdf")})


def test_the_committee_page_refuses_another_owners_form(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    clerk = clerk_client(app, runner)
    assert _paper(clerk, vote, "101").status_code == 302
    refused = _paper(clerk, vote, "202")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert RULE in page and "1号楼1单元202室" in page
    assert len(_ballots(app, vote)) == 1


def test_a_buyers_ballot_form_cannot_be_another_voters(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    assert _import(runner, vote, tmp_path, [("1", "101", "a.pdf")],
                   files={"a.pdf": FORM}).exit_code == 0
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate 1-202")
    (tmp_path / "buyer.pdf").write_bytes(FORM)
    result = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九",
        "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
        "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"])
    assert result.exit_code == 1 and RULE in result.output, result.output
    assert len(_ballots(app, vote)) == 1


@pytest.mark.postgresql_only
@pytest.mark.parametrize("held_at", ["lock_proposal", "_append"])
def test_two_clerks_attaching_one_form_to_two_voters_at_once(app, runner, tmp_path,
                                                             monkeypatch, held_at):
    """Each clerk's own look at the ballots so far finds the form on none: only the check
    under the proposal's lock sees the other clerk's ballot. One is accepted, the other
    refused, whichever way the two meet at the lock."""
    from votes.services import ballots

    vote = make_open_proposal(app, runner, tmp_path)
    clerks = {"A": clerk_client(app, runner, login="clerkA"), "B": clerk_client(app, runner, login="clerkB")}
    rooms = {"A": "101", "B": "202"}

    def enter(who):
        done = _paper(clerks[who], vote, rooms[who])
        return "accepted" if done.status_code == 302 else done.get_data(as_text=True)

    outcome = held_race(app, monkeypatch, ballots, held_at, enter)
    one_accepted(outcome, RULE)
    assert len(_ballots(app, vote)) == 1


def test_an_upgrade_finds_the_forms_of_ballots_entered_before_it(tmp_path):
    """The migration reads each staff-entered ballot's form from its chain entry, so a form
    entered before the upgrade is refused for another voter after it."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import TEST_CONFIG
    from votes import create_app

    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
    vote = make_open_proposal(app, runner, tmp_path)
    done = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], files={"a.pdf": FORM})
    assert done.exit_code == 0, done.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import Ballot

        downgrade(revision="signin_0002")
        upgrade()
        db.session.remove()
        forms = db.session.execute(select(Ballot.seq, Ballot.evidence)).all()
    assert forms == [(1, _ballots(app, vote)[0]["body"]["evidence"])]
    again = _import(runner, vote, tmp_path, [("1", "202", "a.pdf")], "b.csv")
    assert again.exit_code == 1 and RULE in again.output
    with app.app_context():
        from votes.extensions import db

        db.engine.dispose()


def test_a_form_entered_on_the_wrong_flat_serves_its_signer_once_withdrawn(app, runner,
                                                                           tmp_path):
    """The clerk typed 202 for 101's form. A correction of that entry (onto 202's own form,
    say) leaves 202 with a counted ballot and 101's form on it; withdrawing it (§15) frees
    the form, which 101's ballot then takes. A correction that keeps its form keeps
    holding it."""
    vote = make_open_proposal(app, runner, tmp_path)
    done = _import(runner, vote, tmp_path, [("1", "202", "a.pdf")], files={"a.pdf": FORM})
    assert done.exit_code == 0, done.output
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4 ballot signed by 1-202")
    fixed = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry",
                                str(_ballots(app, vote)[-1]["seq"]), "--choice", "agree",
                                "--reason", "扫描件附错了", "--entered-by", "clerk",
                                "--evidence", str(tmp_path / "b.pdf")])
    assert fixed.exit_code == 0, fixed.output
    held = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], "c.csv")
    assert held.exit_code == 1 and RULE in held.output, held.output
    withdrawn = runner.invoke(args=["ballots", "withdraw", str(vote["id"]),
                                    str(_ballots(app, vote)[-1]["seq"]), "--reason",
                                    "表决票签名为1号楼101户，录入时错选了房号",
                                    "--evidence", str(tmp_path / "a.pdf"),
                                    "--entered-by", "clerk"])
    assert withdrawn.exit_code == 0, withdrawn.output
    own = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], "c.csv")
    assert own.exit_code == 0, own.output
    kept = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry",
                               str(_ballots(app, vote)[-1]["seq"]), "--choice", "disagree",
                               "--reason", "勾选错误", "--entered-by", "clerk"])
    assert kept.exit_code == 0, kept.output
    again = _import(runner, vote, tmp_path, [("2", "201", "a.pdf")], "d.csv")
    assert again.exit_code == 1 and RULE in again.output, again.output
    page = _paper(clerk_client(app, runner), vote, "202")  # only the check under the lock
    assert page.status_code == 400 and RULE in page.get_data(as_text=True)
    assert len(_ballots(app, vote)) == 4


def test_the_sellers_form_is_not_the_buyers(app, runner, tmp_path):
    """A flat sold during the vote: its buyer votes under the seller's voter, but never
    signed the seller's form. The seller's scan on the buyer's ballot was accepted as the
    same voter's own; the buyer's own form is."""
    vote = make_open_proposal(app, runner, tmp_path)
    seller_form = b"%PDF-1.4 ballot signed by 1-202's seller"
    first = _import(runner, vote, tmp_path, [("1", "202", "seller.pdf")],
                    files={"seller.pdf": seller_form})
    assert first.exit_code == 0, first.output
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate 1-202")

    def transfer(form: bytes, choice: str = "agree"):
        (tmp_path / "buyer.pdf").write_bytes(form)
        return runner.invoke(args=[
            "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
            "--room", "202", "--choice", choice, "--buyer-name", "周九",
            "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
            "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"])

    refused = transfer(seller_form)
    assert refused.exit_code != 0 and RULE in refused.output, refused.output
    assert "1号楼1单元202室（新业主）" in refused.output
    assert len(_ballots(app, vote)) == 1
    own = transfer(b"%PDF-1.4 ballot signed by 1-202's buyer")
    assert own.exit_code == 0, own.output
    # The buyer's entry again on the buyer's form, another choice (a mistyped entry put
    # right); the same choice again is a repeat, refused as already entered.
    again = transfer(b"%PDF-1.4 ballot signed by 1-202's buyer", "disagree")
    assert again.exit_code == 0, again.output
    repeat = transfer(b"%PDF-1.4 ballot signed by 1-202's buyer", "disagree")
    assert repeat.exit_code != 0 and "已按相同意见录入" in repeat.output, repeat.output


def test_the_bundle_of_every_legitimate_reuse_verifies_with_step_6_12(app, runner, tmp_path):
    """What the server accepts, the offline verifier's 6.12 accepts (docs/verification.md
    §3.2): one proxy letter for two principals, each on their own form; a correction on the
    same form; a form first entered on the wrong flat, serving its signer once that entry
    was withdrawn; a flat sold during the vote, seller and buyer each on their own form,
    the buyer's entry again on the buyer's."""
    from datetime import timedelta

    from tests.test_procedure import _verify

    vote = make_open_proposal(app, runner, tmp_path)
    pid = str(vote["id"])
    forms = {name: f"%PDF-1.4 ballot signed by {name}".encode()
             for name in ("1-101", "1-102", "1-202", "2-101", "2-201", "buyer")}
    files = {f"{name}.pdf": form for name, form in forms.items()}
    files["letter.pdf"] = b"%PDF-1.4 one letter naming 1-101 and 1-102"
    done = _import(runner, vote, tmp_path, [("1", "101", "1-101.pdf", "letter.pdf"),
                                            ("1", "102", "1-102.pdf", "letter.pdf"),
                                            ("1", "202", "1-202.pdf"),
                                            ("2", "201", "2-101.pdf")], files=files)
    assert done.exit_code == 0, done.output

    def correct(seq, evidence=None):
        args = ["ballots", "correct", pid, "--entry", str(seq), "--choice", "disagree",
                "--reason", "录入有误", "--entered-by", "clerk"]
        result = runner.invoke(args=args + (["--evidence", evidence] if evidence else []))
        assert result.exit_code == 0, result.output

    seq_of = {b["body"]["evidence"]: b["seq"] for b in _ballots(app, vote)}
    correct(seq_of[_digest(forms["1-101"])])  # the same form again
    withdrawn = runner.invoke(args=[  # 2-101's form typed against 2-201
        "ballots", "withdraw", pid, str(seq_of[_digest(forms["2-101"])]), "--reason", "录错房号",
        "--evidence", str(tmp_path / "2-101.pdf"), "--entered-by", "clerk"])
    assert withdrawn.exit_code == 0, withdrawn.output
    own = _import(runner, vote, tmp_path, [("2", "101", "2-101.pdf")], "developer.csv")
    assert own.exit_code == 0, own.output
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate 1-202")
    for choice in ("agree", "disagree"):  # the buyer's entry, then put right
        sold = runner.invoke(args=[
            "ballots", "transfer", pid, "--building", "1", "--entrance", "1", "--room", "202",
            "--choice", choice, "--buyer-name", "周九", "--buyer-id", resident_id(10),
            "--transfer-evidence", str(tmp_path / "deed.pdf"),
            "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"])
        assert sold.exit_code == 0, sold.output
    ballots = _ballots(app, vote)
    assert len(ballots) == 4 + 4
    held: dict[str, set] = {}
    for b in ballots:
        held.setdefault(b["body"]["evidence"], set()).add(
            (b["body"]["voter"], "transfer" in b["body"]))
    assert len(held[_digest(forms["1-101"])]) == 1 and \
        len([b for b in ballots if b["body"]["evidence"] == _digest(forms["1-101"])]) == 2
    assert len(held[_digest(forms["2-101"])]) == 2  # the withdrawn entry, then its signer
    assert {b["body"]["proxy"]["authorisation"] for b in ballots[:2]} == \
        {_digest(files["letter.pdf"])}
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    report = _verify(runner, vote, tmp_path)
    assert report.outcome == "verified" and not report.failures, report.render()


def _digest(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def test_a_clerk_is_told_the_owner_has_changed_once_not_you(app, runner, tmp_path):
    """A third staff-entered ballot for one owner where one change is allowed was refused in
    the owner's words, 您已修改过一次表决意见 ("you have changed your vote once"), on the
    clerk's screen and command line."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    for n in range(2):
        done = _import(runner, vote, tmp_path, [("1", "101", f"form{n}.pdf")], f"b{n}.csv",
                       files={f"form{n}.pdf": FORM + str(n).encode()})
        assert done.exit_code == 0, done.output
    third = _import(runner, vote, tmp_path, [("1", "101", "form2.pdf")], "b2.csv",
                    files={"form2.pdf": FORM + b"2"})
    assert third.exit_code == 1 and "该业主已修改过一次表决意见" in third.output, third.output
    assert "您" not in third.output


def test_a_correction_does_not_free_the_form_it_replaced(app, runner, tmp_path):
    """A clerk corrected 1-101's ballot with a junk scan, then put 1-101's real form on
    1-202's ballot: one signature behind two counted ballots (1-101 still counts, on its
    correction). A correction keeps its voter's ballot counted, so the entry it replaced
    keeps holding its form; only a withdrawal frees it."""
    vote = make_open_proposal(app, runner, tmp_path)
    done = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], files={"a.pdf": FORM})
    assert done.exit_code == 0, done.output
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4 anything")
    junk = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", "1",
                               "--choice", "agree", "--reason", "扫描件附错了",
                               "--entered-by", "clerk", "--evidence", str(tmp_path / "junk.pdf")])
    assert junk.exit_code == 0, junk.output
    again = _import(runner, vote, tmp_path, [("1", "202", "a.pdf")], "b.csv")
    assert again.exit_code == 1 and RULE in again.output, again.output
    assert "第 1 条记录" in again.output
    # What the clerk does if the form was indeed typed against the wrong flat.
    assert WITHDRAW_FIRST % 2 in again.output, again.output
    page = _paper(clerk_client(app, runner), vote, "202")
    assert page.status_code == 400 and RULE in page.get_data(as_text=True)
    assert WITHDRAW_FIRST % 2 in page.get_data(as_text=True)
    # A transfer reaches only the check under the lock (ballot_forms.refuse_shared).
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate 1-202")
    sold = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九",
        "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
        "--form", str(tmp_path / "a.pdf"), "--entered-by", "clerk"])
    assert sold.exit_code == 1 and RULE in sold.output, sold.output
    assert WITHDRAW_FIRST % 2 in sold.output, sold.output
    assert len(_ballots(app, vote)) == 2


WITHDRAW_FIRST = "请先撤回第 %d 条记录再重新录入"


def test_a_form_a_correction_replaced_is_no_change_of_ballot(app, runner, tmp_path):
    """Where one change is allowed, a clerk corrected 1-101's ballot onto a junk scan, then
    entered 1-101's original form again: taken as the owner's change of ballot, it used up
    their one change and set their counted choice on no new signed form. Only the voter's
    current ballot was looked at; a form any of their ballots still holds (the replaced one
    included) is refused, on the committee page, in a ballots file and by the service."""
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballots import BallotRequest, cast_ballots
    from votes.services.errors import DomainError

    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    done = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], files={"a.pdf": FORM})
    assert done.exit_code == 0, done.output
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4 anything")
    junk = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", "1",
                               "--choice", "agree", "--reason", "扫描件附错了",
                               "--entered-by", "clerk", "--evidence", str(tmp_path / "junk.pdf")])
    assert junk.exit_code == 0, junk.output
    again = _import(runner, vote, tmp_path, [("1", "101", "a.pdf")], "again.csv")
    assert again.exit_code == 1 and "第 2 行" in again.output, again.output
    assert "已录入" in again.output and "第 1 条记录" in again.output
    assert "第 2 条记录" in again.output  # the ballot to correct, if the entry was wrong
    page = _paper(clerk_client(app, runner), vote, "101", FORM)
    assert page.status_code == 400 and "已录入" in page.get_data(as_text=True)
    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.building == "1",
            FrozenUnit.room == "101"))
        with pytest.raises(DomainError) as refused:
            cast_ballots(vote["id"], [BallotRequest(voter, Choice.DISAGREE, "paper",
                                                    entered_by="clerk",
                                                    evidence=("a.pdf", FORM))], actor="clerk")
        assert "已录入" in refused.value.message and "第 1 条记录" in refused.value.message
    assert len(_ballots(app, vote)) == 2
    # A correction may still bring the form back; the owner's change is on a new form.
    back = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", "2",
                               "--choice", "agree", "--reason", "扫描件附错了",
                               "--entered-by", "clerk", "--evidence", str(tmp_path / "a.pdf")])
    assert back.exit_code == 0, back.output
    change = _import(runner, vote, tmp_path, [("1", "101", "new.pdf")], "change.csv",
                     files={"new.pdf": b"%PDF-1.4 second ballot signed by 1-101"})
    assert change.exit_code == 0, change.output
    assert len(_ballots(app, vote)) == 4
