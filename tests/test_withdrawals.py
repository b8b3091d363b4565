"""Withdrawals of staff ballots entered for the wrong unit (docs/verification.md §15):
through the CLI, the owner's pages and the verifier, and the mistakes refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from votes.cli import main as votes_command

from tests.factories import make_open_proposal, make_row, resident_id
from tests.test_corrections import chain_bodies, correct, open_with_paper
from tests.test_proposal_cli import T0, at, show, write_ballots

REASON = "表决票签名为2号楼住户，录入时错选了房号"


def withdraw(runner, tmp_path, pid, entry, reason=REASON, scan=b"%PDF form naming 2-201"):
    (tmp_path / "mistake.pdf").write_bytes(scan)
    return runner.invoke(args=["ballots", "withdraw", str(pid), str(entry), "--reason", reason,
                               "--evidence", str(tmp_path / "mistake.pdf"),
                               "--entered-by", "clerk2"])


def verify(app, bundle: bytes):
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.services.keys import keyring

        return verify_bundle(bundle, trusted_keys=keyring())


def export(runner, tmp_path, pid, name="bundle.zip") -> bytes:
    path = tmp_path / name
    result = runner.invoke(args=["export", str(pid), "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def cast_online(app, pid, room, choice, building="1"):
    with app.app_context():
        from votes.core.tally import Choice
        from votes.extensions import db
        from votes.models import FrozenUnit
        from votes.services.ballots import BallotRequest, cast_ballot
        from votes.services.lifecycle import get_proposal

        p = get_proposal(str(pid))
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == p.id, FrozenUnit.room == room,
            FrozenUnit.building == building))
        return cast_ballot(p.id, BallotRequest(voter, Choice(choice), "online")).seq


def test_withdrawn_then_the_owner_votes_online_and_the_bundle_verifies(app, runner, tmp_path):
    # max_changes 0: the withdrawn ballot is no change of the owner's.
    pid = open_with_paper(app, runner, tmp_path)
    assert show(runner, pid)["participating_headcount"] == 2
    done = withdraw(runner, tmp_path, pid, 1)
    assert done.exit_code == 0, done.output
    assert "第 3 条记录撤回第 1 条" in done.output
    listed = runner.invoke(args=["ballots", "list", pid]).output
    assert "withdrawn by #3" in listed and "\t#2\t" not in listed.split("#1\t", 1)[0]
    assert show(runner, pid)["participating_headcount"] == 1  # 张三 no longer takes part
    again = withdraw(runner, tmp_path, pid, 1)
    assert again.exit_code == 1 and "已于第 3 条记录撤回" in again.output
    refixed = correct(runner, pid, 1)
    assert refixed.exit_code == 1 and "已被撤回" in refixed.output

    seq = cast_online(app, pid, "101", "disagree")  # the real owner, 张三, votes himself
    assert seq == 4
    assert show(runner, pid)["participating_headcount"] == 2
    at(app, T0 + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    fig = show(runner, pid)
    assert (fig["agree_headcount"], fig["disagree_headcount"]) == (1, 1)  # the online one
    bundle = export(runner, tmp_path, pid)
    report = verify(app, bundle)
    assert report.outcome == "verified", report.render()
    bodies = chain_bodies(bundle)
    assert bodies[3]["withdraws"] == 1 and bodies[3]["entered_by"] == "clerk2"
    assert bodies[3]["reason"] == REASON and len(bodies[3]["evidence"]) == 64
    close = bodies[-1]
    assert close["counted"] == [2, 4]  # neither the withdrawn ballot nor a revival of it
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        rows = z.read("ballots.csv").decode("utf-8-sig").splitlines()
    assert "否 no (撤回 withdrawn by #3)" in rows[1]
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        key_id = json.loads(z.read("manifest.json"))["key_id"]
    cli = CliRunner().invoke(votes_command, ["verify", str(tmp_path / "bundle.zip"),
                                             "--key-id", key_id])
    assert cli.exit_code == 0 and "VERIFIED" in cli.output, cli.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "ballots.withdraw"))
        assert audit.actor == "clerk2" and audit.details["withdraws"] == 1


def test_the_mistakes_are_refused(app, runner, tmp_path):
    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    online = cast_online(app, pid, "202", "agree")  # 赵六, online: the owner's own
    refused = withdraw(runner, tmp_path, pid, online)
    assert refused.exit_code == 1 and "网上表决" in refused.output
    assert withdraw(runner, tmp_path, pid, 0).exit_code == 1  # the genesis is no ballot
    assert withdraw(runner, tmp_path, pid, 99).exit_code == 1
    blank = withdraw(runner, tmp_path, pid, 1, reason="  ")
    assert blank.exit_code == 1 and "请填写撤回原因" in blank.output
    empty = withdraw(runner, tmp_path, pid, 1, scan=b"")
    assert empty.exit_code == 1 and "扫描件" in empty.output
    # 张三's paper ballot changed by another paper ballot (a new signed form): the first is
    # superseded.
    change = write_ballots(tmp_path, [("1", "1", "101", "反对", "paper", "change.pdf",
                                       "clerk1")], "change.csv")
    assert runner.invoke(args=["ballots", "import", pid, change]).exit_code == 0
    superseded = withdraw(runner, tmp_path, pid, 1)
    assert superseded.exit_code == 1 and "已被第" in superseded.output
    at(app, T0 + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    late = withdraw(runner, tmp_path, pid, 2)
    assert late.exit_code == 1 and "已结束" in late.output
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "verified", report.render()  # nothing refused reached the chain


def _three_flats():
    return [make_row(room=room, owner_name=name, owner_id=resident_id(i), area="100.00")
            for i, (room, name) in enumerate((("101", "张三"), ("102", "李四"),
                                              ("201", "王五")), 1)]


def test_a_withdrawal_moves_participation_across_exactly_two_thirds(app, runner, tmp_path):
    """Civil Code art. 278: at least 2/3 of the area and of the headcount. Two of three
    flats is exactly 2/3 and meets the quorum; one of three does not."""
    p = make_open_proposal(app, runner, tmp_path, rows=_three_flats())
    pid = str(p["id"])
    path = write_ballots(tmp_path, [("1", "1", "101", "同意", "paper", "a.pdf", "clerk1"),
                                    ("1", "1", "102", "同意", "paper", "b.pdf", "clerk1"),
                                    ("1", "1", "201", "同意", "paper", "c.pdf", "clerk1")])
    assert runner.invoke(args=["ballots", "import", pid, path]).exit_code == 0
    assert show(runner, pid)["participating_headcount"] == 3
    assert withdraw(runner, tmp_path, pid, 3).exit_code == 0  # 王五's flat was the wrong one
    fig = show(runner, pid)
    assert (fig["participating_headcount"], fig["participating_area"]) == (2, 20000)
    assert fig["quorum_met"] is True  # exactly 2/3: 以上 includes the boundary
    assert withdraw(runner, tmp_path, pid, 2, scan=b"another scan").exit_code == 0
    fig = show(runner, pid)
    assert fig["participating_headcount"] == 1 and fig["quorum_met"] is False
    at(app, p["t0"] + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    fig = show(runner, pid)
    assert fig["quorum_met"] is False and fig["passed"] is False
    assert fig["agree_headcount"] == 1
    bundle = export(runner, tmp_path, pid)
    report = verify(app, bundle)
    assert report.outcome == "verified", report.render()
    assert report.tally.participating_headcount == 1 and not report.tally.quorum_met
    closes = [b for b in chain_bodies(bundle) if "counted" in b]
    assert closes[0]["counted"] == [1]


def test_the_owner_whose_flat_was_withdrawn_sees_they_have_not_voted_and_votes(
        app, runner, tmp_path, client):
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    pid = open_with_paper(app, runner, tmp_path)  # max_changes 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = {"id": get_proposal(pid).id, "uid": get_proposal(pid).uid}
    client.get(f"/v/{voter_token(app, proposal)}")
    client.post(f"/p/{proposal['uid']}/verify", data={"answer": ZHANG_SUFFIX})
    voted = client.get(f"/p/{proposal['uid']}/ballot")
    assert voted.status_code == 302 and "/receipt/" in voted.headers["Location"]
    assert withdraw(runner, tmp_path, pid, 1).exit_code == 0
    page = client.get(f"/p/{proposal['uid']}/ballot")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="agree"' in text
    assert "您已表决" not in text
    confirm = client.post(f"/p/{proposal['uid']}/confirm", data={"choice": "abstain"})
    nonce = confirm.get_data(as_text=True).split('name="nonce" value="', 1)[1].split('"', 1)[0]
    cast = client.post(f"/p/{proposal['uid']}/cast", data={"choice": "abstain", "nonce": nonce})
    assert cast.status_code == 302 and "/receipt/" in cast.headers["Location"], \
        cast.get_data(as_text=True)
    assert show(runner, pid)["participating_headcount"] == 2
    board = client.get(f"/p/{proposal['uid']}?receipt=" + _receipt_of(app, pid, 1))
    assert "已由第 3 条记录撤回" in board.get_data(as_text=True)
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()


def _receipt_of(app, pid, seq) -> str:
    with app.app_context():
        from votes.extensions import db
        from votes.models import Ballot

        return db.session.scalar(select(Ballot.receipt).where(
            Ballot.proposal_id == int(pid), Ballot.seq == seq))


def _racers(app, pid):
    """(withdraw the clerk's entry #1, cast 张三's own online ballot), each returning what
    happened, for tests/races.held_race."""
    from votes.core.tally import Choice
    from votes.services.ballots import BallotRequest, cast_ballot
    from votes.services.withdrawals import withdraw_ballot

    with app.app_context():
        from votes.extensions import db
        from votes.models import FrozenUnit

        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == int(pid), FrozenUnit.room == "101",
            FrozenUnit.building == "1"))

    def withdrawal():
        return f"withdrawn at {withdraw_ballot(pid, 1, reason=REASON, evidence=('f.pdf', b'x'), actor='clerk2')}"

    def online():
        return f"cast at {cast_ballot(int(pid), BallotRequest(voter, Choice.DISAGREE, 'online')).seq}"

    return withdrawal, online


@pytest.mark.postgresql_only
def test_a_withdrawal_racing_the_owners_own_cast_never_breaks_the_chain(
        app, runner, tmp_path, monkeypatch):
    """The clerk's withdrawal of 张三's paper ballot is held before the lock while 张三
    changes his vote online (max_changes 1): under the lock the withdrawal finds the
    paper ballot superseded and is refused; the owner's ballot counts."""
    from tests.races import held_race
    from votes.services import withdrawals

    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    withdrawal, online = _racers(app, pid)
    outcome = held_race(app, monkeypatch, withdrawals, "lock_for_voting",
                        lambda who: withdrawal() if who == "A" else online())
    assert outcome["B"] == "cast at 3", outcome
    assert "已被第 3 条取代" in outcome["A"], outcome
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()
    assert show(runner, pid)["participating_headcount"] == 2


@pytest.mark.postgresql_only
def test_the_owners_cast_held_while_the_clerk_withdraws_still_counts(
        app, runner, tmp_path, monkeypatch):
    """The owner's cast, prepared against the paper ballot, is held before it is appended
    while the clerk withdraws that ballot: both land, in that order, and the chain
    verifies (the owner's ballot follows the withdrawal and counts)."""
    from tests.races import held_race
    from votes.services import pg_append

    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    withdrawal, online = _racers(app, pid)
    # pg_append.applies: asked after the ballot is prepared, before any lock is taken.
    outcome = held_race(app, monkeypatch, pg_append, "applies",
                        lambda who: online() if who == "A" else withdrawal())
    assert outcome == {"A": "cast at 4", "B": "withdrawn at 3"}, outcome
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()
    assert show(runner, pid)["participating_headcount"] == 2


def test_a_form_typed_against_the_wrong_flat_serves_its_signer_once_withdrawn(
        app, runner, tmp_path):
    """赵六's signed form (1-1-202) was entered against 张三's flat (1-1-101). While that
    ballot stands, 赵六's own ballot on his form is refused (6.12); withdrawn, it is his."""
    p = make_open_proposal(app, runner, tmp_path)
    pid = str(p["id"])
    wrong = write_ballots(tmp_path, [("1", "1", "101", "同意", "paper", "zhao.pdf", "clerk1")],
                          "wrong.csv")
    assert runner.invoke(args=["ballots", "import", pid, wrong]).exit_code == 0
    right = write_ballots(tmp_path, [("1", "1", "202", "反对", "paper", "zhao.pdf", "clerk1")],
                          "right.csv")
    held = runner.invoke(args=["ballots", "import", pid, right])
    assert held.exit_code == 1 and "已是第 1 条记录" in held.output, held.output
    assert withdraw(runner, tmp_path, pid, 1).exit_code == 0
    taken = runner.invoke(args=["ballots", "import", pid, right])
    assert taken.exit_code == 0, taken.output
    fig = show(runner, pid)
    assert fig["participating_headcount"] == 1  # 赵六 only: 张三 never voted
    at(app, p["t0"] + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "verified", report.render()
    assert report.tally.disagree_headcount == 1 and report.tally.agree_headcount == 0


def test_a_withdrawn_proxy_ballot_no_longer_counts_against_the_proxys_limit(
        app, runner, tmp_path):
    p = make_open_proposal(app, runner, tmp_path, rules=["proxy_limit=1"])
    pid = str(p["id"])
    first = write_ballots(tmp_path, [("1", "1", "101", "同意", "proxy", "a.pdf", "clerk1")],
                          "first.csv")
    assert runner.invoke(args=["ballots", "import", pid, first]).exit_code == 0
    second = write_ballots(tmp_path, [("1", "1", "202", "同意", "proxy", "b.pdf", "clerk1")],
                           "second.csv")
    over = runner.invoke(args=["ballots", "import", pid, second])
    assert over.exit_code == 1 and "上限" in over.output, over.output
    assert withdraw(runner, tmp_path, pid, 1).exit_code == 0  # 钱七 never was 张三's proxy
    assert runner.invoke(args=["ballots", "import", pid, second]).exit_code == 0
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()


def test_a_withdrawn_correction_takes_the_whole_entry_back(app, runner, tmp_path):
    """A paper ballot corrected, then withdrawn: neither entry is the owner's change, so
    with max_changes 0 the owner still votes, and the bundle verifies (6.7)."""
    pid = open_with_paper(app, runner, tmp_path)
    assert correct(runner, pid, 1).exit_code == 0  # entry 3 corrects 1
    assert withdraw(runner, tmp_path, pid, 3).exit_code == 0  # entry 4
    listed = runner.invoke(args=["ballots", "list", pid]).output
    assert "withdrawn by #4, superseded by #3" in listed and "\twithdrawn by #4\n" in listed
    assert cast_online(app, pid, "101", "abstain") == 5
    at(app, T0 + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    bundle = export(runner, tmp_path, pid)
    report = verify(app, bundle)
    assert report.outcome == "verified", report.render()
    assert chain_bodies(bundle)[-1]["counted"] == [2, 5]
    assert report.tally.abstain_headcount == 1


@pytest.mark.postgresql_only
def test_a_correction_racing_a_withdrawal_of_the_same_entry_is_refused(
        app, runner, tmp_path, monkeypatch):
    """Clerk A's correction of #1 is prepared, then held before the lock while clerk B
    withdraws #1: under the lock A finds #1 withdrawn and appends nothing (15.3 would fail
    a correction of a withdrawn ballot)."""
    from tests.races import held_race
    from votes.services import ballots
    from votes.services.corrections import correct_ballot

    pid = open_with_paper(app, runner, tmp_path)
    withdrawal, _online = _racers(app, pid)

    def act(who):
        if who == "B":
            return withdrawal()
        return f"corrected at {correct_ballot(pid, 1, choice='agree', reason='勾错了', actor='clerk1').seq}"

    outcome = held_race(app, monkeypatch, ballots, "lock_for_voting", act)
    assert outcome["B"] == "withdrawn at 3" and "已被撤回" in outcome["A"], outcome
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()
    assert show(runner, pid)["participating_headcount"] == 1


def test_a_voter_whose_ballot_was_withdrawn_follows_the_majority_where_adopted(
        app, runner, tmp_path):
    """从多 (§19): a voter with a proved delivery and no counted ballot is a follower; a
    withdrawn ballot is no ballot, on the server as in the verifier's 19.3."""
    from tests.procedure_world import close_at_end, export_and_verify, open_vote, vote
    from tests.test_follow_majority import close_body, deliver

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in ("D", "E"):
        assert deliver(runner, tmp_path, pid, voter).exit_code == 0
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree", "D": "agree"})
    assert show(runner, pid)["participating_headcount"] == 4
    done = withdraw(runner, tmp_path, pid, 6)  # D's ballot, the last of the four
    assert done.exit_code == 0, done.output
    close_at_end(app, runner, pid)
    data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
    body = close_body(data)
    assert body["tally"]["participating_headcount"] == 3
    assert body["follow"]["headcount"] == 2  # D and E


@pytest.mark.parametrize("clerk", ["   ", "\u3000", " \t"])
def test_a_blank_clerk_is_refused_and_nothing_reaches_the_chain(app, runner, tmp_path, clerk):
    """15.4 fails a withdrawal whose entered_by is blank (whitespace, U+3000 a Chinese input
    method types included): the server refuses it rather than write, onto an append-only
    chain, an entry that fails every export of the vote from then on."""
    pid = open_with_paper(app, runner, tmp_path)
    (tmp_path / "mistake.pdf").write_bytes(b"%PDF form naming 2-201")
    done = runner.invoke(args=["ballots", "withdraw", pid, "1", "--reason", REASON,
                               "--evidence", str(tmp_path / "mistake.pdf"),
                               "--entered-by", clerk])
    assert done.exit_code == 1 and "请填写录入人" in done.output, done.output
    assert "Traceback" not in done.output
    assert show(runner, pid)["participating_headcount"] == 2  # nothing withdrawn
    report = verify(app, export(runner, tmp_path, pid))
    assert report.outcome == "in_progress" and not report.failures, report.render()


def test_the_owners_receipt_of_a_withdrawn_ballot_says_it_no_longer_counts(
        app, runner, tmp_path, client):
    """张三 saw the clerk's paper ballot as his receipt (max_changes 0). Once it is
    withdrawn, that page says so and offers the ballot — it was a 404 until he voted again,
    then "您较早的一张选票，已被后来的选票替代", under "表决成功" and the clerk's choice."""
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    pid = open_with_paper(app, runner, tmp_path)
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = {"id": get_proposal(pid).id, "uid": get_proposal(pid).uid}
    client.get(f"/v/{voter_token(app, proposal)}")
    client.post(f"/p/{proposal['uid']}/verify", data={"answer": ZHANG_SUFFIX})
    voted = client.get(f"/p/{proposal['uid']}/ballot")
    receipt = voted.headers["Location"]
    assert "已记入表决记录" in client.get(receipt).get_data(as_text=True)
    assert withdraw(runner, tmp_path, pid, 1).exit_code == 0
    page = client.get(receipt)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "已由第 3 条记录撤回" in text and "不计入" in text
    assert "表决成功" not in text and "已记入表决记录" not in text
    assert 'id="commitment"' not in text  # the wrong entry's salt and seal: not his
    assert f'href="/p/{proposal["uid"]}/ballot"' in text  # he has not voted: he may
    assert cast_online(app, pid, "101", "abstain") == 4
    text = client.get(receipt).get_data(as_text=True)
    assert "已由第 3 条记录撤回" in text and "已被后来的选票替代" not in text
    assert f'href="/p/{proposal["uid"]}/ballot"' not in text  # max_changes 0: voted now
