"""Attacks on staff-ballot corrections through the CLI and the web: a stale view racing
another clerk, another community's entry, forged requests, odd reasons and entries. Each is
a clear refusal with nothing appended, and the chain always verifies."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.staff_world import build, sign_in
from tests.test_corrections import REASON, correct, open_with_paper
from tests.test_proposal_cli import write_ballots


def _entries(app, pid) -> int:
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        return db.session.scalar(select(func.count()).select_from(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)))


def _verify(app, runner, tmp_path, pid):
    out = tmp_path / f"bundle-{pid}.zip"
    assert runner.invoke(args=["export", str(pid), "-o", str(out)]).exit_code == 0
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.services.keys import keyring

        return verify_bundle(out.read_bytes(), trusted_keys=keyring())


def test_a_correction_from_a_stale_view_never_breaks_the_chain(app, runner, tmp_path,
                                                               monkeypatch):
    """Clerk 2 opened the list when #1 was 张三's current ballot; clerk 1 then entered his
    changed paper ballot (#3). Clerk 2's correction of #1 would put a correction of a
    superseded ballot on the chain (step 15.3 fails for everyone). It is refused."""
    pid = open_with_paper(app, runner, tmp_path, "--allow-change")
    change = write_ballots(tmp_path, [("1", "1", "101", "反对", "paper", "change.pdf",
                                       "clerk1")], "change.csv")
    assert runner.invoke(args=["ballots", "import", pid, change]).exit_code == 0
    from votes.services import corrections

    real = corrections.latest_ballots

    def stale(session, proposal, keys):  # what clerk 2 read before clerk 1's entry
        from votes.models import Ballot

        return {k: session.scalar(select(Ballot).where(
            Ballot.proposal_id == proposal.id, Ballot.voter_key == k, Ballot.seq == 1))
            or v for k, v in real(session, proposal, keys).items()}

    monkeypatch.setattr(corrections, "latest_ballots", stale)
    before = _entries(app, pid)
    result = correct(runner, pid, 1)
    assert result.exit_code == 1, result.output
    assert "第 1 条" in result.output and "Traceback" not in result.output
    assert _entries(app, pid) == before
    monkeypatch.setattr(corrections, "latest_ballots", real)
    report = _verify(app, runner, tmp_path, pid)
    assert not report.failures, report.render()


def test_odd_entries_choices_channels_and_reasons_are_refused(app, runner, tmp_path):
    pid = open_with_paper(app, runner, tmp_path)
    before = _entries(app, pid)
    cases = [
        (["--entry", "-1"], "不是本事项的选票"),
        (["--entry", "999999999999"], "不是本事项的选票"),
        (["--reason", "长" * 10_000], "200"),
        (["--reason", "a\x00b"], "200"),
        (["--reason", "勾错了\u202e票投意同"], "显示方向"),  # right-to-left override: spoofing
        (["--reason", "\u2066勾错了\u2069"], "显示方向"),
        (["--choice", "agree' OR 1=1 --"], "同意、反对或弃权"),
        (["--channel", "online"], "纸质或委托"),
    ]
    for extra, expected in cases:
        args = {"--entry": "1", "--choice": "disagree", "--reason": REASON}
        args.update(dict(zip(extra[::2], extra[1::2])))
        flags = [x for k, v in args.items() for x in (k, v)]
        result = runner.invoke(args=["ballots", "correct", pid, *flags, "--entered-by", "clerk2"])
        assert result.exit_code != 0, (extra, result.output)
        assert "Traceback" not in result.output, (extra, result.output)
        if result.exit_code == 1:
            assert expected in result.output, (extra, result.output)
    assert _entries(app, pid) == before
    assert correct(runner, pid, 1).exit_code == 0  # the honest one still works


@pytest.mark.parametrize("clerk", ["", "   ", "\u3000", "x" * 65, "clerk\x1b[31m", "clerk\n2"])
def test_a_correction_by_nobody_or_by_a_name_no_entry_may_carry_is_refused(
        app, runner, tmp_path, clerk):
    """Every other staff entry refuses a blank clerk, a name past 64 characters or one
    with control characters; a correction took any: an empty one was a traceback, the
    others went onto the chain for good (a terminal escape in every `ballots list`)."""
    pid = open_with_paper(app, runner, tmp_path)
    before = _entries(app, pid)
    result = runner.invoke(args=["ballots", "correct", pid, "--entry", "1", "--choice",
                                 "disagree", "--reason", REASON, "--entered-by", clerk])
    assert result.exit_code == 1 and "录入人" in result.output, (result.output,
                                                                 result.exception)
    assert _entries(app, pid) == before


def test_a_committee_member_cannot_correct_another_communitys_ballots(app, runner, tmp_path,
                                                                     client):
    world = build(app, runner, tmp_path)
    moon, sun = world["moon"]["id"], world["sun"]["id"]
    path = write_ballots(tmp_path, [("1", "1", "101", "agree", "paper", "scan.pdf", "clerk")],
                         "moon.csv")
    assert runner.invoke(args=["ballots", "import", str(moon), path]).exit_code == 0
    before = _entries(app, moon)
    sign_in(client, "sun_committee")
    form = {"entry": "1", "choice": "disagree", "reason": REASON, "confirm": "1"}
    assert client.post(f"/committee/p/{moon}/paper-ballots/correct", data=form).status_code \
        == 404
    assert client.get(f"/committee/p/{moon}/paper-ballots").status_code == 404
    # MOON's entry #1 named on SUN's page: not a ballot of SUN's proposal.
    page = client.post(f"/committee/p/{sun}/paper-ballots/correct", data=form,
                       follow_redirects=True).get_data(as_text=True)
    assert "不是本事项的选票" in page
    assert _entries(app, moon) == before
    district = app.test_client()
    sign_in(district, "district")  # a regulator reads; never enters or corrects
    assert district.post(f"/committee/p/{sun}/paper-ballots/correct", data=form).status_code \
        in (403, 404)


def test_a_forged_correction_without_the_csrf_token_is_refused(app, runner, tmp_path, client):
    import re

    world = build(app, runner, tmp_path)
    sun = world["sun"]["id"]
    sign_in(client, "sun_committee")
    entered = client.post(f"/committee/p/{sun}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "../../../etc/passwd")})
    assert entered.status_code == 302
    before = _entries(app, sun)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = client.post(f"/committee/p/{sun}/paper-ballots/correct", data={
            "entry": "1", "choice": "disagree", "reason": REASON, "confirm": "1"})
        assert forged.status_code == 400
        assert _entries(app, sun) == before
        page = client.get(f"/committee/p/{sun}/paper-ballots").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        honest = client.post(f"/committee/p/{sun}/paper-ballots/correct", data={
            "csrf_token": token, "entry": "1", "choice": "disagree", "reason": REASON,
            "confirm": "1", "evidence": (io.BytesIO(b"\xff\xd8\xff new scan"), "..\\..\\boot.jpg")})
        assert honest.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _entries(app, sun) == before + 1


def test_a_buyers_ballot_is_entered_again_not_corrected(app, runner, tmp_path):
    """A flat sold during the vote: the committee's list offered the buyer's ballot for
    correction, and the correction was refused with 原业主不能再表决 (a correction is the
    voter's own paper ballot, and the seller may no longer vote). The list no longer offers
    it, the refusal says what to do, and doing it (the buyer's entry again) works."""
    from tests.factories import make_open_proposal, resident_id
    from tests.staff_world import clerk_client

    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate 1-202")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 ballot signed by 1-202's buyer")

    def transfer(choice: str):
        return runner.invoke(args=[
            "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
            "--room", "202", "--choice", choice, "--buyer-name", "周九",
            "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
            "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"])

    assert transfer("agree").exit_code == 0
    seq = _entries(app, vote["id"]) - 1  # the buyer's entry, the last on the chain
    page = clerk_client(app, runner).get(f"/committee/p/{vote['id']}/paper-ballots")
    assert f'id="correct-{seq}"' not in page.get_data(as_text=True)
    refused = runner.invoke(args=["ballots", "correct", str(vote["id"]), "--entry", str(seq),
                                  "--choice", "disagree", "--reason", "录入时勾错了意见",
                                  "--entered-by", "clerk"])
    assert refused.exit_code == 1 and "新业主的选票，不能更正" in refused.output, refused.output
    assert _entries(app, vote["id"]) == seq + 1
    assert transfer("disagree").exit_code == 0  # what the refusal says to do
    report = _verify(app, runner, tmp_path, vote["id"])
    assert not report.failures, report.render()
