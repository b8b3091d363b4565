"""Entries appended after the upgrade to a vote whose chain a release before version 3 of
the spec started, and so exported as votes-bundle/1 (docs/verification.md §9.1): a chain of
only genesis, device, ballot and close entries, the ballots without `proxy`, `transfer` or
`correction`, the close without `follow`. Each entry is made through a public entry point
(the CLI, the committee's and the owner's pages), then the vote is exported and verified
with `--allow-format votes-bundle/1`, as a regulator checking such a vote does."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from tests.factories import make_open_proposal, resident_id
from tests.older_format import genesis_before_version_3, verdict
from tests.staff_world import clerk_client
from tests.test_device_entries import _key, _signed_cast
from tests.test_owner_http import post_device, verified

OLD = "旧格式"


def open_vote_before_version_3(app, runner, tmp_path, monkeypatch) -> dict:
    """A vote open for voting whose genesis a release before version 3 wrote, as the
    upgrade finds it: genesis rules without the rules of procedure, and the proposal's own
    rules the same (that release stored no rules of procedure either)."""
    with genesis_before_version_3(monkeypatch):
        vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal

        p = db.session.get(Proposal, vote["id"])
        p.rules = {k: v for k, v in p.rules.items()
                   if k not in ("objection_days", "follow_majority")}
        db.session.commit()
    return {**vote, "pid": str(vote["id"])}


def _evidence_count(app) -> int:
    with app.app_context():
        from votes.extensions import db
        from votes.models import Evidence

        return db.session.query(Evidence).count()


def paper_rows(tmp_path, rows, name="ballots.csv") -> str:
    """A ballots file: (building, room, choice, channel, proxy columns...)."""
    lines = ["楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书,受托人为物业员工"]
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 written authorisation")
    for building, room, choice, channel, *proxy in rows:
        form = f"form-{building}-{room}.pdf"
        (tmp_path / form).write_bytes(b"%PDF-1.4 signed ballot " + form.encode())
        lines.append(",".join([building, "1", room, choice, channel, form, "clerk",
                               *(proxy or ["", "", "", ""])]))
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(tmp_path / name)


PROXY = ["钱七", "110101199003070011", "letter.pdf", "否"]


IN_PROGRESS = 3  # `votes verify`: intact, an interim bundle (spec §7)


def refused(result) -> None:
    assert result.exit_code == 1, result.output
    assert OLD in result.output and "votes-bundle/1" in result.output, result.output
    assert "Traceback" not in result.output


def paper(runner, tmp_path, pid, rows, name="ballots.csv"):
    return runner.invoke(args=["ballots", "import", pid, paper_rows(tmp_path, rows, name)])


def close(app, runner, vote) -> None:
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, hours=1)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output


def test_online_and_paper_ballots_and_the_close_after_the_upgrade_verify(
        app, runner, tmp_path, monkeypatch, client):
    """What the older format holds goes on as before: the owner's online ballot (with the
    device key its page registers), paper ballots, and the close at the end of voting,
    which had a `follow` (null) that version 2's close has not: every later export failed
    1.5 on it, with or without --allow-format votes-bundle/1."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    verified(client, app, vote)  # 张三, 1-101 and 1-201
    key, spki = _key()
    assert post_device(client, vote, {"public_key": spki}).status_code == 200
    r = _signed_cast(client, vote, key, spki)
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"], r.get_data(as_text=True)
    result = paper(runner, tmp_path, pid, [("1", "102", "同意", "纸质"),
                                           ("2", "101", "反对", "纸质"),
                                           ("2", "201", "同意", "纸质")])
    assert result.exit_code == 0, result.output
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis", "device", "ballot", "ballot", "ballot", "ballot"], kinds
    assert status == IN_PROGRESS, out

    close(app, runner, vote)
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds[-1] == "close" and status == 0, out
    shown = runner.invoke(args=["proposal", "show", pid, "--json"])
    assert json.loads(shown.output)["passed"] is True, shown.output


def test_a_proxy_ballot_is_refused_with_the_others_of_its_file(app, runner, tmp_path,
                                                                monkeypatch):
    """A proxy ballot carries `proxy` (§16), which a ballot of version 2 has not: accepted,
    it failed 1.5 at every later export. The file is all or none, so its paper ballot is
    not entered either."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    refused(paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质"),
                                          ("1", "102", "同意", "委托", *PROXY)]))
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis"] and status == IN_PROGRESS, out
    assert paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")],
                 "plain.csv").exit_code == 0


def test_a_transfer_is_refused(app, runner, tmp_path, monkeypatch):
    """A new owner's ballot carries `transfer` (§16)."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 buyer's ballot")
    refused(runner.invoke(args=[
        "ballots", "transfer", pid, "--building", "1", "--entrance", "1", "--room", "202",
        "--choice", "agree", "--buyer-name", "周九", "--buyer-id", resident_id(10),
        "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form", str(tmp_path / "buyer.pdf"),
        "--entered-by", "clerk"]))
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis"] and status == IN_PROGRESS, out
    assert _evidence_count(app) == 0  # no scan kept for a refused entry
    with app.app_context():
        from votes.extensions import db
        from votes.models import Transfer

        assert db.session.query(Transfer).count() == 0


def test_a_correction_is_refused(app, runner, tmp_path, monkeypatch):
    """A correcting ballot carries `correction` (§15)."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    assert paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")]).exit_code == 0
    refused(runner.invoke(args=["ballots", "correct", pid, "--entry", "1", "--choice",
                                "disagree", "--reason", "录入时勾错了意见",
                                "--entered-by", "clerk2"]))
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis", "ballot"] and status == IN_PROGRESS, out


def test_a_withdrawal_is_refused_on_the_cli_and_on_the_committee_page(app, runner, tmp_path,
                                                                      monkeypatch):
    """A withdrawal (§15.4) is a kind version 2 has not."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    assert paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")]).exit_code == 0
    scans = _evidence_count(app)
    (tmp_path / "mistake.pdf").write_bytes(b"%PDF-1.4 form naming 2-201")
    refused(runner.invoke(args=["ballots", "withdraw", pid, "1", "--reason",
                                "表决票签名为2号楼住户，录入时错选了房号", "--evidence",
                                str(tmp_path / "mistake.pdf"), "--entered-by", "clerk2"]))
    clerk = clerk_client(app, runner)
    page = clerk.post(f"/committee/p/{pid}/paper-ballots/withdraw", data={
        "entry": "1", "reason": "表决票签名为2号楼住户，录入时错选了房号", "confirm": "1",
        "evidence": (io.BytesIO(b"\xff\xd8\xff form of 2-201"), "form.jpg")}, follow_redirects=True)
    text = page.get_data(as_text=True)
    # Refused on the withdrawal's own form, what was typed kept.
    assert page.status_code == 400 and OLD in text and "已撤回" not in text, text
    assert _evidence_count(app) == scans  # neither scan of the mistake kept
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis", "ballot"] and status == IN_PROGRESS, out


def test_deliveries_and_objections_are_refused_by_the_rules_the_vote_froze(
        app, runner, tmp_path, monkeypatch):
    """The objection period and 从多 are off on such a vote (the rules it froze have
    neither, nor have the proposal's own): no delivery, objection or result is appended."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    pid = vote["pid"]
    (tmp_path / "notice.pdf").write_bytes(b"%PDF-1.4 signed delivery")
    result = runner.invoke(args=["proposal", "delivery", pid, "--building", "1", "--room",
                                 "101", "--entrance", "1", "--method", "hand", "--at",
                                 "2026-12-01T10:00", "--evidence",
                                 str(tmp_path / "notice.pdf")])
    assert result.exit_code == 1 and "从多" in result.output, result.output
    assert paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")]).exit_code == 0
    close(app, runner, vote)
    result = runner.invoke(args=["proposal", "objection", pid, "--building", "1", "--room",
                                 "102", "--entrance", "1", "--text", "不同意",
                                 "--evidence", str(tmp_path / "notice.pdf")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    kinds, status, out = verdict(app, runner, tmp_path, pid)
    assert kinds == ["genesis", "ballot", "close"] and status == 0, out


FORMS_CLOSED = "不能在本表决上录入委托表决、过户后新业主的表决、选票更正和撤回"
ENTRY_FORMS = ('id="transfer-submit"', 'name="proxy_name"', 'name="authorisation"',
               '<option value="proxy">', "受托人、受托人证件号码")


def _pages(app, runner, tmp_path, pid) -> tuple[str, str]:
    """The committee's page of the vote and its page of entered ballots, after one paper
    ballot (record #1) is entered."""
    assert paper(runner, tmp_path, pid, [("1", "101", "同意", "纸质")]).exit_code == 0
    clerk = clerk_client(app, runner)
    proposal = clerk.get(f"/committee/p/{pid}")
    ballots = clerk.get(f"/committee/p/{pid}/paper-ballots")
    assert proposal.status_code == 200 and ballots.status_code == 200
    return proposal.get_data(as_text=True), ballots.get_data(as_text=True)


def test_the_committee_pages_of_an_older_vote_say_what_it_cannot_take_in_place_of_the_forms(
        app, runner, tmp_path, monkeypatch):
    """The proxy, transfer, correction and withdrawal forms were shown on such a vote: a
    clerk filled one in and uploaded its scans to learn only then that it is refused. The
    paper ballot (single and by file, without proxy columns) is still offered."""
    vote = open_vote_before_version_3(app, runner, tmp_path, monkeypatch)
    proposal, ballots = _pages(app, runner, tmp_path, vote["pid"])
    for page in (proposal, ballots):
        assert FORMS_CLOSED in page and "votes-bundle/1" in page, page
    for form in ENTRY_FORMS:
        assert form not in proposal, form
    assert 'id="paper-submit"' in proposal and 'name="csv"' in proposal, proposal
    assert "#1" in ballots and 'id="correct-1"' not in ballots, ballots
    assert 'id="withdraw-1"' not in ballots and "paper-ballots/withdraw" not in ballots


def test_the_committee_pages_of_a_current_vote_still_offer_the_forms(app, runner, tmp_path):
    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    proposal, ballots = _pages(app, runner, tmp_path, str(vote["id"]))
    for page in (proposal, ballots):
        assert FORMS_CLOSED not in page
    for form in ENTRY_FORMS + ('id="paper-submit"', 'name="csv"'):
        assert form in proposal, form
    assert 'id="correct-1"' in ballots and 'id="withdraw-1"' in ballots, ballots
