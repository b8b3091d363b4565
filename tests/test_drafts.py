"""Issue 11, drafts and mistakes: a saved draft never starts a vote; drafts are edited or
deleted, proposals in publicity withdrawn; scope by checkboxes; preview keeps the files."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.staff_world import build, sign_in

FORM = {"title": "屋面防水", "matter": "use_fund", "budget": "1000.00",
        "item_title": ["防水"], "item_amount": ["1000.00"],
        "publicity_start": "2026-12-01T12:00", "voting_start": "2026-12-08T12:00",
        "voting_end": "2026-12-15T12:00"}
PDF = b"%PDF-1.4 quote for the roof"


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)  # clock: 2026-12-01 02:00 UTC (10:00 Beijing)


def _save(client, **extra):
    r = client.post("/committee/c/SUN/proposals/new",
                    data={**FORM, "scope": "building:1", "action": "create", **extra})
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rsplit("/", 1)[1])


def _proposal(app, pid):
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        p = db.session.get(Proposal, pid)
        if p is not None:
            _ = p.documents, p.community
            db.session.expunge_all()
        return p


def _audit_actions(app, pid):
    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.target == str(pid)).order_by(AuditEntry.seq))]


# --- Save never starts a vote --------------------------------------------------------------

def test_saving_a_draft_never_starts_a_vote_even_when_its_times_pass(app, world, client,
                                                                     runner):
    sign_in(client, "sun_committee")
    pid = _save(client)
    # Past the planned publicity start and the voting start: pages, refresh and tick run.
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    assert ">草稿<" in client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert f"{pid}: draft" not in runner.invoke(args=["tick"]).output
    assert _proposal(app, pid).state == "draft"
    assert client.get(f"/p/{_proposal(app, pid).uid}").status_code == 404  # not public
    # Opening voting on a plan that was never published is refused, in the CLI too.
    refused = runner.invoke(args=["proposal", "open", str(pid)])
    assert refused.exit_code == 1 and "请先开始公示" in refused.output
    assert _proposal(app, pid).state == "draft" and _proposal(app, pid).frozen_at is None


def test_cli_create_without_schedule_waits_and_with_schedule_moves(app, world, runner):
    base = ["proposal", "create", "--community", "SUN", "--title", "门禁", "--matter",
            "use_fund", "--scope", "all", "--budget", "100",
            "--publicity-start", "2026-12-01T12:00", "--voting-start", "2026-12-08T12:00",
            "--voting-end", "2026-12-15T12:00"]
    plain = runner.invoke(args=base).output.strip()
    scheduled = runner.invoke(args=[*base, "--schedule"]).output.strip()
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=1)
    out = runner.invoke(args=["tick"]).output
    assert f"{scheduled}: 草稿 → 公示中" in out and f"{plain}:" not in out
    assert "proposal.schedule" in _audit_actions(app, int(scheduled))
    assert "proposal.schedule" not in _audit_actions(app, int(plain))


def test_web_moves_need_a_ticked_confirmation_and_are_audited(app, world, client):
    sign_in(client, "sun_committee")
    pid = _save(client)
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="confirm-start-publicity"' in page and 'id="confirm-schedule-publicity"' in page
    r = client.post(f"/committee/p/{pid}/move/schedule-publicity", follow_redirects=True)
    assert "请勾选确认" in r.get_data(as_text=True)
    assert not _proposal(app, pid).publicity_scheduled
    client.post(f"/committee/p/{pid}/move/start-publicity")
    assert _proposal(app, pid).state == "draft"
    r = client.post(f"/committee/p/{pid}/move/schedule-publicity", data={"confirm": "1"},
                    follow_redirects=True)
    assert "自动开始公示" in r.get_data(as_text=True)
    assert 'class="flash ok"' in r.get_data(as_text=True), "the move said nothing"
    assert _proposal(app, pid).publicity_scheduled
    assert _audit_actions(app, pid) == ["proposal.create", "proposal.schedule"]
    app.config["VOTES_NOW"] = world["t0"] + timedelta(hours=3)  # past 12:00 Beijing
    assert ">公示中<" in client.get(f"/committee/p/{pid}").get_data(as_text=True)


def test_a_schedule_in_the_past_cannot_be_confirmed(app, world, client, runner):
    sign_in(client, "sun_committee")
    pid = _save(client)
    app.config["VOTES_NOW"] = world["t0"] + timedelta(hours=4)  # past the planned start
    result = runner.invoke(args=["proposal", "schedule-publicity", str(pid)])
    assert result.exit_code == 1 and "计划的公示开始时间已过去" in result.output
    assert not _proposal(app, pid).publicity_scheduled


# --- Edit and delete drafts ----------------------------------------------------------------

def test_edit_a_draft_on_the_web_and_an_edit_clears_the_schedule(app, world, client):
    sign_in(client, "sun_committee")
    pid = _save(client, documents=(io.BytesIO(PDF), "quote.pdf"))
    client.post(f"/committee/p/{pid}/move/schedule-publicity", data={"confirm": "1"})
    form = client.get(f"/committee/p/{pid}/edit").get_data(as_text=True)
    assert 'value="屋面防水"' in form and "quote.pdf" in form and 'value="2026-12-08T12:00"' in form
    r = client.post(f"/committee/p/{pid}/edit", data={
        **FORM, "title": "屋面防水（修订）", "budget": "1200.00", "item_amount": ["1200.00"],
        "scope": "all", "scope_building": ["2"], "remove_doc": ["0"], "action": "create",
        "documents": (io.BytesIO(b"%PDF-1.4 second quote"), "quote2.pdf")})
    assert r.status_code == 302
    p = _proposal(app, pid)
    assert (p.title, p.budget, p.scope) == ("屋面防水（修订）", 120000, "building:2")
    assert [d.name for d in p.documents] == ["quote2.pdf"]
    assert not p.publicity_scheduled  # the changed plan must be confirmed again
    assert _audit_actions(app, pid)[-1] == "proposal.edit"


def test_edit_refuses_bad_input_without_changing_anything(app, world, client):
    sign_in(client, "sun_committee")
    pid = _save(client)
    r = client.post(f"/committee/p/{pid}/edit", data={**FORM, "scope": "building:1",
                                                      "budget": "999", "action": "create"})
    assert r.status_code == 200 and "与预算 999.00 元不一致" in r.get_data(as_text=True)
    assert _proposal(app, pid).budget == 100000


def test_an_item_amount_without_its_name_is_not_dropped(app, world, client):
    """An item row with an amount and no name was left out without a word: the draft was
    refused as 维修项目合计 600.00 元与预算 1,000.00 元不一致 although the rows typed add up,
    or, where no other row was named, saved without its items."""
    sign_in(client, "sun_committee")
    for titles in (["防水", ""], ["", ""]):
        r = client.post("/committee/c/SUN/proposals/new", data={
            **FORM, "scope": "building:1", "action": "create", "item_title": titles,
            "item_amount": ["600.00", "400.00"]})
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "请填写维修项目名称" in page and "不一致" not in page, titles
    assert "屋面防水" not in client.get("/committee/c/SUN").get_data(as_text=True)


def test_cli_edit_and_delete_a_draft(app, world, runner, tmp_path):
    pid = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "门禁", "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--voting-start", "2026-12-09T12:00",
        "--voting-end", "2026-12-15T12:00"]).output.strip()
    doc = tmp_path / "plan.pdf"
    doc.write_bytes(PDF)
    result = runner.invoke(args=["proposal", "edit", pid, "--title", "门禁系统更换",
                                 "--scope", "building:3号楼", "--doc", str(doc)])
    assert result.exit_code == 1 and "内没有房屋" in result.output  # building 3 is not on the roll
    result = runner.invoke(args=["proposal", "edit", pid, "--title", "门禁系统更换",
                                 "--scope", "building:2号楼", "--doc", str(doc)])
    assert result.exit_code == 0, result.output
    p = _proposal(app, int(pid))
    assert (p.title, p.scope, [d.name for d in p.documents]) == ("门禁系统更换", "building:2",
                                                                 ["plan.pdf"])
    assert runner.invoke(args=["proposal", "delete", pid, "--yes"]).exit_code == 0
    assert _proposal(app, int(pid)) is None
    assert _audit_actions(app, int(pid)) == ["proposal.create", "proposal.edit",
                                              "proposal.delete"]


def _draft_with_a_document(runner, tmp_path) -> str:
    """A draft of SUN made on the command line, with plan.pdf at position 0; its id."""
    doc = tmp_path / "plan.pdf"
    doc.write_bytes(PDF)
    return runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "门禁", "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--voting-start", "2026-12-09T12:00",
        "--voting-end", "2026-12-15T12:00", "--doc", str(doc)]).output.strip()


def test_cli_edit_refuses_to_remove_a_document_it_does_not_have(app, world, runner, tmp_path):
    """`--remove-doc N` names a position the clerk cannot see from the command line (and
    positions are not renumbered after a removal): one that names no document said
    已修改草稿 and removed nothing, the title edited beside it saved. Now the edit is
    refused, nothing changed, and the message lists the positions there are."""
    pid = _draft_with_a_document(runner, tmp_path)
    for position in ("1", "-1", "99999999999999999999"):
        result = runner.invoke(args=["proposal", "edit", pid, "--title", "门禁系统更换",
                                     "--remove-doc", position])
        assert result.exit_code == 1, (position, result.output)
        assert f"没有位置为 {position} 的附件" in result.output and "0 plan.pdf" in result.output
        assert "Traceback" not in result.output
    p = _proposal(app, int(pid))
    assert (p.title, [d.name for d in p.documents]) == ("门禁", ["plan.pdf"])
    result = runner.invoke(args=["proposal", "edit", pid, "--remove-doc", "0"])
    assert result.exit_code == 0, result.output
    assert _proposal(app, int(pid)).documents == []


def test_cli_edit_of_a_proposal_past_its_draft_says_so_before_any_position(app, world,
                                                                          runner, tmp_path):
    """A position named on a proposal in publicity was refused as unknown (没有位置为 5 的
    附件), sending the clerk to look for a document, when no edit at all is possible."""
    pid = _draft_with_a_document(runner, tmp_path)
    assert runner.invoke(args=["proposal", "start-publicity", pid]).exit_code == 0
    result = runner.invoke(args=["proposal", "edit", pid, "--remove-doc", "5"])
    assert result.exit_code == 1 and "只有草稿可以修改或删除" in result.output, result.output
    assert "没有位置为" not in result.output


def test_a_scheduled_draft_that_cannot_start_can_still_be_opened_edited_deleted(app, runner,
                                                                                tmp_path):
    """A draft scheduled for publicity in building 2, the roll replaced without building 2:
    at its hour every page of the draft tried to start it and was a 400 (表决范围 … 内没有
    房屋) — its page, its edit form and its deletion alike, so the committee could neither
    see nor mend nor drop it. The page is shown as it stands, saying why it did not start."""
    from datetime import datetime, timezone

    from tests.factories import make_draft, make_roll_csv, sample_rows
    from tests.staff_world import clerk_client

    pid = make_draft(app, runner, tmp_path, scope="building:2")
    roll = make_roll_csv(tmp_path / "building-1.csv", sample_rows()[:5])
    replaced = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                                   str(roll)])
    assert replaced.exit_code == 0, replaced.output
    app.config["VOTES_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # past it
    client = clerk_client(app, runner)
    page = client.get(f"/committee/p/{pid}")
    assert page.status_code == 200 and "内没有房屋" in page.get_data(as_text=True)
    assert client.get(f"/committee/p/{pid}/edit").status_code == 200
    assert _proposal(app, pid).state == "draft"
    gone = client.post(f"/committee/p/{pid}/delete", data={"confirm": "1"})
    assert gone.status_code == 302 and _proposal(app, pid) is None


def test_nothing_is_edited_or_deleted_after_publicity_starts(app, world, client, runner):
    sid = str(world["sun"]["id"])  # voting
    assert runner.invoke(args=["proposal", "edit", sid, "--title", "x"]).exit_code == 1
    refused = runner.invoke(args=["proposal", "delete", sid, "--yes"])
    assert refused.exit_code == 1 and "只有草稿可以修改或删除" in refused.output
    sign_in(client, "sun_committee")
    assert client.post(f"/committee/p/{sid}/delete", data={"confirm": "1"}).status_code == 302
    assert client.post(f"/committee/p/{sid}/edit", data={**FORM, "scope": "all",
                                                         "action": "create"}).status_code == 302
    p = _proposal(app, int(sid))
    assert p is not None and p.title == "电梯更换"


def test_web_delete_needs_confirmation(app, world, client):
    sign_in(client, "sun_committee")
    pid = _save(client)
    client.post(f"/committee/p/{pid}/delete")
    assert _proposal(app, pid) is not None
    r = client.post(f"/committee/p/{pid}/delete", data={"confirm": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/committee/c/SUN")
    assert _proposal(app, pid) is None and _audit_actions(app, pid)[-1] == "proposal.delete"


# --- Withdraw -------------------------------------------------------------------------------

def test_withdraw_in_publicity_shows_the_reason_on_the_board(app, world, client, runner):
    sign_in(client, "sun_committee")
    pid = _save(client)
    client.post(f"/committee/p/{pid}/move/start-publicity", data={"confirm": "1"})
    assert _proposal(app, pid).state == "publicity"
    r = client.post(f"/committee/p/{pid}/withdraw", data={"reason": "预算算错了"})
    assert _proposal(app, pid).state == "publicity"  # not confirmed
    r = client.post(f"/committee/p/{pid}/withdraw", data={"reason": "", "confirm": "1"},
                    follow_redirects=True)
    assert "请填写撤回原因" in r.get_data(as_text=True)
    client.post(f"/committee/p/{pid}/withdraw",
                data={"reason": "报价单有误，重新询价后再公示", "confirm": "1"})
    p = _proposal(app, pid)
    assert p.state == "withdrawn" and p.withdrawn_at is not None
    board = client.get(f"/p/{p.uid}").get_data(as_text=True)
    assert "已撤回" in board and "报价单有误，重新询价后再公示" in board and "未达到" not in board
    assert "已撤回" in client.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert _audit_actions(app, pid)[-1] == "proposal.withdraw"
    # Owners' links and printed notices end here too.
    from tests.factories import voter_token

    owner = client.get(f"/v/{voter_token(app, {'id': pid})}")
    assert owner.status_code == 410 and "本事项已撤回" in owner.get_data(as_text=True)
    assert runner.invoke(args=["proposal", "open", str(pid)]).exit_code == 1
    assert "已撤回" in runner.invoke(args=["notices", str(pid), "-o", "/dev/null"]).output
    # Ended without a result: time passing does not open it, nothing can be opened.
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=30)
    runner.invoke(args=["tick"])
    assert _proposal(app, pid).state == "withdrawn"
    assert runner.invoke(args=["proposal", "open", str(pid)]).exit_code == 1
    shown = runner.invoke(args=["proposal", "show", str(pid)]).output
    assert "已撤回" in shown and "NOT PASSED" not in shown and "报价单有误" in shown
    # The regulator's overview names the state and shows no result.
    client.post("/staff/logout")
    sign_in(client, "district")
    overview = client.get("/regulator/?state=withdrawn").get_data(as_text=True)
    assert "屋面防水" in overview and "已撤回，无结果" in overview
    rows = client.get("/regulator/?format=csv").data.decode("utf-8-sig").splitlines()
    withdrawn = next(r for r in rows if "屋面防水" in r).split(",")
    closed = next(r for r in rows if "电梯更换" in r).split(",")  # the world's, closed by now
    assert withdrawn[2] == "已撤回" and withdrawn[11] == ""  # no verdict without a vote
    assert closed[2] == "已结束" and closed[11] == "未通过"
    detail = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert "报价单有误" in detail and "未达到" not in detail and "download-bundle" not in detail


def test_cli_withdraw_and_refusal_during_voting(app, world, runner, client):
    sid = str(world["sun"]["id"])  # voting is open
    refused = runner.invoke(args=["proposal", "withdraw", sid, "--reason", "想撤回"])
    assert refused.exit_code == 1 and "不能撤回" in refused.output \
        and "选票已记入记录链" in refused.output
    assert _proposal(app, int(sid)).state == "voting"
    sign_in(client, "sun_committee")
    r = client.post(f"/committee/p/{sid}/withdraw", data={"reason": "x", "confirm": "1"},
                    follow_redirects=True)
    assert "不能撤回" in r.get_data(as_text=True) and _proposal(app, int(sid)).state == "voting"
    pid = _save(client)
    assert runner.invoke(args=["proposal", "withdraw", str(pid), "--reason", "x"]).exit_code == 1
    runner.invoke(args=["proposal", "start-publicity", str(pid)])
    ok = runner.invoke(args=["proposal", "withdraw", str(pid), "--reason", "范围选错"])
    assert ok.exit_code == 0 and "已撤回" in ok.output


# --- Scope by checkboxes ----------------------------------------------------------------------

def test_scope_checkboxes_come_from_the_roll_and_make_the_scope(app, world, client):
    sign_in(client, "sun_committee")
    page = client.get("/committee/c/SUN/proposals/new").get_data(as_text=True)
    assert 'name="scope_building" value="1"' in page and 'name="scope_building" value="2"' in page
    assert 'name="scope_entrance" value="1-1"' in page
    live = client.get("/committee/c/SUN/scope-preview?building=2&budget=100").get_json()
    assert live["scope"] == "building:2" and live["units"] == 3 and live["area"] == "310.00"
    both = client.get("/committee/c/SUN/scope-preview?building=2号楼&entrance=1-1").get_json()
    assert both["scope"] == "entrance:1-1,2-1" and both["units"] == 7
    pid = _save(client, scope="all", scope_building=["2"])
    assert _proposal(app, pid).scope == "building:2"
    # "2号楼" typed is building 2 of the roll.
    pid = _save(client, scope="building:2号楼")
    assert _proposal(app, pid).scope == "building:2"


# --- Preview keeps the files --------------------------------------------------------------------

def test_previewing_the_split_keeps_the_uploaded_documents(app, world, client):
    import re

    sign_in(client, "sun_committee")
    preview = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview",
        "documents": (io.BytesIO(PDF), "quote.pdf")}).get_data(as_text=True)
    assert "费用分摊预览" in preview and "quote.pdf" in preview
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', preview).group(1)
    # Kept encrypted on the server, readable only by its owner.
    from pathlib import Path

    [stored] = (Path(app.instance_path) / "pending-docs").glob(f"*-{token}.bin")
    assert PDF not in stored.read_bytes()
    assert stored.stat().st_mode & 0o077 == 0
    # A second preview round trip adds a file and keeps the first.
    again = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview", "pending": token,
        "documents": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "photo.png")}
    ).get_data(as_text=True)
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', again).group(1)
    pid = _save(client, pending=token)
    assert [d.name for d in _proposal(app, pid).documents] == ["quote.pdf", "photo.png"]
    assert not list((Path(app.instance_path) / "pending-docs").glob(f"*-{token}.bin"))


def test_a_pending_upload_is_not_readable_by_another_user_and_expires(app, world, client):
    import os
    import re
    import time
    from pathlib import Path

    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview",
        "documents": (io.BytesIO(PDF), "quote.pdf")}).get_data(as_text=True)
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', page).group(1)
    client.post("/staff/logout")
    sign_in(client, "admin1")
    # Another member's token reads nothing: to this form its uploads are gone.
    refused = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "create", "pending": token})
    assert refused.status_code == 200 and "之前上传的附件已失效" in refused.get_data(as_text=True)
    assert "quote.pdf" not in refused.get_data(as_text=True)
    # An hour old: gone at the next use of the store.
    [stored] = (Path(app.instance_path) / "pending-docs").glob(f"*-{token}.bin")
    old = time.time() - 3601
    os.utime(stored, (old, old))
    client.post("/committee/c/SUN/proposals/new", data={**FORM, "action": "preview",
                                                        "scope": "all"})
    assert not stored.exists()


def test_one_member_keeps_at_most_five_uploads_waiting(app, world, client):
    """Each waiting upload is up to 32 MB for an hour: a member previewing again and again
    (a fresh form each time) could fill the server's disk. A sixth removes the oldest; other
    members' uploads stay."""
    from pathlib import Path

    folder = Path(app.instance_path) / "pending-docs"
    sign_in(client, "admin1")
    client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview",
        "documents": (io.BytesIO(PDF), "admin.pdf")})
    [theirs] = folder.iterdir()
    client.post("/staff/logout")
    sign_in(client, "sun_committee")
    for n in range(7):
        client.post("/committee/c/SUN/proposals/new", data={
            **FORM, "scope": "building:1", "action": "preview",
            "documents": (io.BytesIO(PDF + str(n).encode()), f"quote{n}.pdf")})
    mine = [p for p in folder.iterdir() if p != theirs]
    assert len(mine) == 5 and theirs.exists()


def test_a_form_whose_kept_uploads_are_gone_is_not_saved_without_them(app, world, client):
    """The form said "已上传、将随草稿保存的附件：quote.pdf"; the member then previewed five other
    forms (or left it for an hour) and the waiting quote was removed. Saving it made a draft
    without the quote and said only 已保存草稿: a plan could go to publicity without the
    contractor's quote the committee had attached. It is refused, saying why."""
    import re

    from votes.extensions import db
    from votes.models import Proposal

    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview",
        "documents": (io.BytesIO(PDF), "quote.pdf")}).get_data(as_text=True)
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', page).group(1)
    for n in range(5):  # other forms, in other tabs
        client.post("/committee/c/SUN/proposals/new", data={
            **FORM, "scope": "building:1", "action": "preview",
            "documents": (io.BytesIO(PDF + str(n).encode()), f"other{n}.pdf")})
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Proposal))
    saved = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "create", "pending": token})
    assert saved.status_code == 200
    assert "之前上传的附件已失效" in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == before


def test_a_proposals_documents_stay_within_their_limit(app, world, client, runner, tmp_path):
    """Each preview kept every document so far and read, decoded and stored them all again:
    a member previewing on and on made one waiting file grow by an upload's size each time
    (32 MB), held whole in a worker's memory, and a draft could gather documents without
    end. A proposal's documents now stay within PROPOSAL_DOCUMENTS_MAX_BYTES (default two
    uploads' worth)."""
    import re

    app.config["PROPOSAL_DOCUMENTS_MAX_BYTES"] = 3000
    part = PDF + b"0" * (1200 - len(PDF))
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview",
        "documents": [(io.BytesIO(part), "a.pdf"), (io.BytesIO(part), "b.pdf")]})
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', page.get_data(as_text=True))
    page = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "preview", "pending": token.group(1),
        "documents": (io.BytesIO(part), "c.pdf")}).get_data(as_text=True)
    assert "附件合计不能超过" in page
    assert "a.pdf" in page and "b.pdf" in page and "c.pdf" not in page  # the third is dropped
    token = re.search(r'name="pending" value="([0-9a-f]{32})"', page).group(1)
    refused = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "create", "pending": token,
        "documents": (io.BytesIO(part), "c.pdf")})
    assert refused.status_code == 200 and "附件合计不能超过" in refused.get_data(as_text=True)
    token = re.search(r'name="pending" value="([0-9a-f]{32})"',
                      refused.get_data(as_text=True)).group(1)
    pid = _save(client, pending=token)  # the two within the limit
    assert [d.name for d in _proposal(app, pid).documents] == ["a.pdf", "b.pdf"]
    # Editing adds to what the draft holds: past the limit it is refused, nothing changed.
    edited = client.post(f"/committee/p/{pid}/edit", data={
        **FORM, "scope": "building:1", "action": "create",
        "documents": (io.BytesIO(part), "c.pdf")})
    assert "附件合计不能超过" in edited.get_data(as_text=True)
    assert [d.name for d in _proposal(app, pid).documents] == ["a.pdf", "b.pdf"]
    # The command line too.
    doc = tmp_path / "big.pdf"
    doc.write_bytes(PDF + b"0" * 3000)
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "门禁", "--matter", "use_fund",
        "--scope", "all", "--budget", "100", "--voting-start", "2026-12-09T12:00",
        "--voting-end", "2026-12-15T12:00", "--doc", str(doc)])
    assert result.exit_code == 1 and "附件合计不能超过 2 KB" in result.output
    assert "附件合计不能超过" in result.output, result.output


def test_the_cli_edits_and_deletes_no_draft_whose_publicity_has_begun(app, runner, tmp_path):
    """The schedule says publicity began at 09:00; the timer had not run since. The web's
    forms move a proposal first and then refuse, but `votes proposal edit|delete` changed
    or dropped a plan that was to be on the board already (the edit unscheduled it)."""
    from datetime import datetime, timezone

    from tests.factories import make_draft

    pid = str(make_draft(app, runner, tmp_path))
    app.config["VOTES_NOW"] = datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc)  # a day late
    edited = runner.invoke(args=["proposal", "edit", pid, "--title", "改过的标题",
                                 "--publicity-start", "2026-11-22T09:00",
                                 "--voting-start", "2026-12-03T09:00",
                                 "--voting-end", "2026-12-10T09:00"])
    assert edited.exit_code == 1 and "只有草稿可以修改或删除" in edited.output, edited.output
    deleted = runner.invoke(args=["proposal", "delete", pid, "--yes"])
    assert deleted.exit_code == 1 and "只有草稿可以修改或删除" in deleted.output, deleted.output
    proposal = _proposal(app, int(pid))
    assert (proposal.state, proposal.title) == ("publicity", "电梯更换")


def _form_token(html: str) -> str:
    return html.split('name="once" value="')[1].split('"')[0]


def test_a_new_draft_form_sent_twice_saves_one_draft(app, world, client):
    """保存草稿 sent again (a double click, the back button) with no attachment was a second,
    identical draft. The form carries a token drawn with the page: sent again with it, it
    leads to the draft already saved and says so; a page drawn anew makes a new draft."""
    from votes.extensions import db
    from votes.models import Proposal

    def count():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Proposal))

    sign_in(client, "sun_committee")
    before = count()
    token = _form_token(client.get("/committee/c/SUN/proposals/new").get_data(as_text=True))
    pid = _save(client, once=token)
    again = client.post("/committee/c/SUN/proposals/new",
                        data={**FORM, "scope": "building:1", "action": "create", "once": token})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/committee/p/{pid}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "这份表单已经提交过，没有再次保存" in page
    assert count() == before + 1
    # A refused send makes nothing and keeps the token: the page shown again carries it.
    fresh = _form_token(client.get("/committee/c/SUN/proposals/new").get_data(as_text=True))
    assert fresh != token
    refused = client.post("/committee/c/SUN/proposals/new",
                          data={**FORM, "title": "", "scope": "building:1", "action": "create",
                                "once": fresh})
    assert refused.status_code == 200 and _form_token(refused.get_data(as_text=True)) == fresh
    assert _save(client, once=fresh) != pid
    assert count() == before + 2


def test_another_members_form_token_makes_their_own_draft(app, runner, world, client):
    """A token copied from another member's page (or one the member used elsewhere) names
    nothing of theirs: the send makes a draft of its own, never leads to the other's."""
    from tests.staff_world import clerk_client

    sign_in(client, "sun_committee")
    token = _form_token(client.get("/committee/c/SUN/proposals/new").get_data(as_text=True))
    first = _save(client, once=token)
    other = clerk_client(app, runner)
    sent = other.post("/committee/c/SUN/proposals/new",
                      data={**FORM, "scope": "building:1", "action": "create", "once": token})
    assert sent.status_code == 302
    made = sent.headers["Location"]
    assert "/committee/p/" in made and not made.endswith(f"/committee/p/{first}")
    assert "已经提交过" not in other.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_wrong_item_amount_names_the_item_and_the_amount_as_typed(app, world, client):
    """The web form has a box for the name and one for the amount: the refusal names each,
    not the command line's 名称:金额 that the two were joined into."""
    sign_in(client, "sun_committee")
    r = client.post("/committee/c/SUN/proposals/new", data={
        **FORM, "scope": "building:1", "action": "create", "item_title": ["防水"],
        "item_amount": ["-20"]})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "维修项目“防水”的金额“-20”无效" in page, page
    assert "防水:-20" not in page


def test_starting_the_publicity_says_what_it_did(app, world, client):
    """立即开始公示 changed only the status badge: a member could not tell the click took."""
    sign_in(client, "sun_committee")
    pid = _save(client, publicity_start="")
    r = client.post(f"/committee/p/{pid}/move/start-publicity", data={"confirm": "1"},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert _proposal(app, pid).state == "publicity", page
    assert "已开始公示" in page and "自动开始表决" in page
