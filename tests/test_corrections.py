"""Staff-entered ballots: listed without choices, corrected by a new audited chain entry."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from tests.bundles import ballot_rows
from tests.staff_world import build, enter_paper, sign_in
from tests.test_proposal_cli import T0, at, create, setup_roll, show, write_ballots

REASON = "录入时勾错了意见"


def open_with_paper(app, runner, tmp_path, *extra) -> str:
    """Voting open; 1-1-101 (张三) entered on paper as agree, 1-1-102 by proxy as agree."""
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner, *extra)
    at(app, T0 + timedelta(minutes=5))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    path = write_ballots(tmp_path, [("1", "1", "101", "同意", "paper", "scan.pdf", "clerk1"),
                                    ("1", "1", "102", "agree", "proxy", "scan-1-102.pdf",
                                     "clerk1")])
    result = runner.invoke(args=["ballots", "import", pid, path])
    assert result.exit_code == 0, result.output
    return pid


def correct(runner, pid, entry, choice="disagree", reason=REASON, *extra):
    return runner.invoke(args=["ballots", "correct", pid, "--entry", str(entry), "--choice",
                               choice, "--reason", reason, "--entered-by", "clerk2", *extra])


def chain_bodies(bundle: bytes) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        lines = z.read("chain.jsonl").decode().splitlines()
    return [json.loads(line)["entry"]["body"] for line in lines]


def test_a_correction_supersedes_the_entry_and_the_bundle_verifies(app, runner, tmp_path):
    pid = open_with_paper(app, runner, tmp_path)
    listed = runner.invoke(args=["ballots", "list", pid])
    assert listed.exit_code == 0, listed.output
    assert "#1\t1号楼1单元101室、1号楼1单元201室\tpaper\tclerk1" in listed.output
    assert "#2\t1号楼1单元102室\tproxy\tclerk1" in listed.output
    assert "agree" not in listed.output and "同意" not in listed.output  # choices stay sealed

    fixed = correct(runner, pid, 1)
    assert fixed.exit_code == 0, fixed.output
    assert "第 3 条记录取代第 1 条" in fixed.output
    listed = runner.invoke(args=["ballots", "list", pid]).output
    assert "superseded by #3" in listed and "\t#1\tcurrent" in listed
    # Only the voter's current ballot can be corrected; a blank reason is refused.
    again = correct(runner, pid, 1)
    assert again.exit_code == 1 and "已被第 3 条取代" in again.output
    blank = correct(runner, pid, 2, "agree", "  ")
    assert blank.exit_code == 1 and "请填写更正原因" in blank.output
    assert correct(runner, pid, 0).exit_code == 1  # the genesis is not a ballot
    assert show(runner, pid)["participating_headcount"] == 2  # a correction is no new voter

    at(app, T0 + timedelta(days=7, hours=1))
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    fig = show(runner, pid)
    assert (fig["agree_headcount"], fig["disagree_headcount"]) == (1, 1)  # the correction counts
    late = correct(runner, pid, 3, "agree")
    assert late.exit_code == 1 and "已结束" in late.output

    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    bodies = chain_bodies(bundle.read_bytes())
    assert "correction" not in bodies[1]  # the original stays on the chain, unchanged
    assert bodies[3]["correction"] == {"corrects": 1, "reason": REASON}
    assert bodies[3]["entered_by"] == "clerk2" and bodies[3]["evidence"] == bodies[1]["evidence"]
    with zipfile.ZipFile(bundle) as z:
        rows = ballot_rows(z.read("ballots.csv"))
    assert {r["计入 counted"] for r in rows[1]} == {"否 no (superseded)"}
    assert {(r["方式 channel"], r["计入 counted"]) for r in rows[3]} == \
        {("paper 更正第1条 corrects #1", "是 yes")}
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.models import AuditEntry
        from votes.services.keys import keyring
        from votes.extensions import db

        report = verify_bundle(bundle.read_bytes(), trusted_keys=keyring())
        assert report.ok, report.render()
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ballots.correct"))
        assert audit.actor == "clerk2" and REASON in json.dumps(audit.details, ensure_ascii=False)


def test_corrections_are_not_the_owners_changes(app, runner, tmp_path):
    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    assert correct(runner, pid, 1).exit_code == 0
    assert correct(runner, pid, 3, "abstain", "扫描件附错了").exit_code == 0
    # 张三 still has the one change the rules allow, and only one.
    # (each change on a new signed form: the form of the current ballot is no change)
    change = write_ballots(tmp_path, [("1", "1", "101", "同意", "paper", "change.pdf",
                                       "clerk1")], "change.csv")
    assert runner.invoke(args=["ballots", "import", pid, change]).exit_code == 0
    again = write_ballots(tmp_path, [("1", "1", "101", "反对", "paper", "change2.pdf",
                                      "clerk1")], "again.csv")
    twice = runner.invoke(args=["ballots", "import", pid, again])
    assert twice.exit_code == 1 and "不能再次修改" in twice.output, twice.output
    bundle = tmp_path / "interim.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.services.keys import keyring

        report = verify_bundle(bundle.read_bytes(), trusted_keys=keyring())
    assert report.outcome == "in_progress" and not report.failures, report.render()


def test_the_owners_own_online_ballot_is_never_corrected(app, runner, tmp_path):
    pid = open_with_paper(app, runner, tmp_path)
    with app.app_context():
        from votes.core.tally import Choice
        from votes.extensions import db
        from votes.models import FrozenUnit
        from votes.services.ballots import BallotRequest, cast_ballot
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(pid)
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == proposal.id, FrozenUnit.room == "202"))
        online = cast_ballot(proposal.id, BallotRequest(voter, Choice.AGREE, "online"))
    refused = correct(runner, pid, online.seq)
    assert refused.exit_code == 1 and "业主本人的网上表决" in refused.output


def test_committee_lists_and_corrects_on_the_web(app, runner, tmp_path, client):
    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    entered = client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    assert entered.status_code == 302
    assert 'id="staff-ballots"' in client.get(url).get_data(as_text=True)
    page = client.get(f"{url}/paper-ballots").get_data(as_text=True)
    assert "1号楼1单元202室" in page and "sun_committee" in page and 'id="correct-1"' in page
    assert "selected>同意" not in page and 'value="agree" selected' not in page

    unconfirmed = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "disagree", "reason": REASON}, follow_redirects=True)
    assert "请勾选确认后再更正" in unconfirmed.get_data(as_text=True)
    done = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "disagree", "reason": REASON, "confirm": "1"},
        follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "第 2 条记录取代第 1 条" in text and "已被第 2 条取代" in text
    assert 'id="correct-1"' not in text and 'id="correct-2"' in text
    assert f"更正第 1 条：{REASON}" in text
    bad = client.post(f"{url}/paper-ballots/correct", data={"entry": "x", "confirm": "1"},
                      follow_redirects=True)
    assert "请选择要更正的选票" in bad.get_data(as_text=True)


def test_after_a_correction_the_owner_still_has_their_change_online(app, runner, tmp_path,
                                                                   client):
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    assert correct(runner, pid, 1).exit_code == 0
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = {"id": get_proposal(pid).id, "uid": get_proposal(pid).uid}
    client.get(f"/v/{voter_token(app, proposal)}")
    client.post(f"/p/{proposal['uid']}/verify", data={"answer": ZHANG_SUFFIX})
    page = client.get(f"/p/{proposal['uid']}/ballot")
    assert page.status_code == 200 and 'value="agree"' in page.get_data(as_text=True)
    with app.app_context():
        from votes.core.tally import Choice
        from votes.services.ballots import BallotRequest, cast_ballot
        from votes.services.errors import DomainError
        from votes.services.owner_pages import voter_view

        p = get_proposal(pid)
        voter = voter_view(p, cast_ballot(p.id, BallotRequest(
            _voter_101(p), Choice.ABSTAIN, "online")).voter_key)
        assert voter.changes_used == 1 and voter.ballot.channel == "online"
        try:
            cast_ballot(p.id, BallotRequest(_voter_101(p), Choice.AGREE, "online"))
        except DomainError as err:
            assert "不能再次修改" in err.message
        else:
            raise AssertionError("a second change was accepted")
    assert client.get(f"/p/{proposal['uid']}/ballot").status_code == 302


def _voter_101(proposal) -> str:
    from votes.extensions import db
    from votes.models import FrozenUnit

    return db.session.scalar(select(FrozenUnit.voter_key).where(
        FrozenUnit.proposal_id == proposal.id, FrozenUnit.room == "101",
        FrozenUnit.building == "1"))


def test_a_refused_correction_or_withdrawal_keeps_what_the_clerk_typed(app, runner, tmp_path,
                                                                      client):
    """A refused correction or withdrawal was a flash after a redirect to the list: the
    clerk's typed reason and choice were lost, to be typed again for every mistake. The
    refusal is now said on the same form, opened, with what was typed kept (files chosen
    again)."""
    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    assert enter_paper(client, url, "202").status_code == 302
    as_proxy = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "abstain", "channel": "proxy", "reason": REASON, "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form again"), "form.jpg")})
    page = as_proxy.get_data(as_text=True)
    assert as_proxy.status_code == 400 and "纸质票不能更正为委托票" in page
    assert 'id="entry-refused"' in page and "扫描件请重新选择上传" in page
    assert f'id="c-reason-1" name="reason" value="{REASON}"' in page
    assert '<option value="abstain" selected>' in page
    assert '<option value="proxy" selected>' in page
    assert '<details open><summary>更正</summary>' in page
    unconfirmed = client.post(f"{url}/paper-ballots/correct", data={
        "entry": "1", "choice": "disagree", "channel": "paper", "reason": REASON})
    page = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 400 and "请勾选确认后再更正" in page
    assert f'value="{REASON}"' in page and '<option value="disagree" selected>' in page
    no_scan = client.post(f"{url}/paper-ballots/withdraw", data={
        "entry": "1", "reason": "录错了房号", "confirm": "1"})
    page = no_scan.get_data(as_text=True)
    assert no_scan.status_code == 400 and "请上传能说明录入错误的扫描件" in page
    assert 'id="w-reason-1" name="reason" value="录错了房号"' in page
    assert '<details open><summary>撤回（录错房屋）</summary>' in page
    assert 'id="c-reason-1" name="reason" maxlength' in page  # the other form stays empty
    assert show(runner, str(world["sun"]["id"]))["participating_headcount"] == 1
