"""Emergency use (应急使用) without an owner vote, end to end: applied with evidence,
published at once saying no vote was held and why, works done and settled, the bundle
verifying with the emergency entry and every money entry (§18.6)."""

from __future__ import annotations

import io
import zipfile

from tests.browser import pdf_text
from tests.factories import make_roll_csv
from tests.money_world import evidence, works_done


def _community(app, runner, tmp_path):
    from datetime import datetime, timezone

    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0


def _apply(runner, tmp_path, *extra, category="elevator"):
    return runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "1号楼电梯抢修",
        "--scope", "building:1", "--budget", "18000.00", "--category", category,
        "--applicant", "property_company", "--reason", "1号楼电梯曳引机故障，困人两次，需立即停用抢修",
        "--evidence", evidence(tmp_path, "inspection.pdf", b"%PDF-1.4 special equipment report"),
        *extra])


def test_emergency_use_end_to_end(app, runner, tmp_path, client):
    _community(app, runner, tmp_path)
    applied = _apply(runner, tmp_path)
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        p = get_proposal(pid)
        uid, state = p.uid, p.state
    assert state == "emergency"

    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="emergency"' in board and "未经业主表决" in board
    assert "1号楼电梯曳引机故障" in board and "电梯故障" in board and "物业服务企业" in board
    assert "表决结果" not in board and "参与情况" not in board and "通过条件" not in board
    assert "应急维修方案" in board and "核验回执" not in board and "表决时间" not in board

    works_done(runner, tmp_path, pid, contract="17000.00", payments=("5000.00",))
    settled = runner.invoke(args=["works", "settle", pid, "--final-cost", "17500.00"])
    assert settled.exit_code == 0, settled.output

    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.services.keys import keyring

        report = verify_bundle(bundle.read_bytes(), trusted_keys=keyring())
    assert report.outcome == "verified", report.render()
    assert report.ballots == 0 and report.entries == 2 + 4  # genesis, emergency, 4 works
    assert "emergency use" in report.render()
    # The reason the close and tally were not checked was English only, in a report whose
    # other lines say each thing in Chinese first: a fund office clerk could not read it.
    skipped = [line for line in report.render().splitlines() if "[7.1–8.1]" in line]
    assert skipped and "应急使用" in skipped[0] and "未经业主表决" in skipped[0], skipped

    package = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(package)])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(package).namelist()
    assert "result-notice.pdf" not in names and "application-form.pdf" in names
    # Its README listed result-notice.pdf (表决结果公告), a file an emergency use has not: the
    # fund office looked for a vote's result that was never held.
    readme = zipfile.ZipFile(package).read("README.txt").decode("utf-8")
    assert "result-notice.pdf" not in readme and "表决结果公告" not in readme
    assert "未经业主表决" in readme and "no owners' vote" in readme
    notice = client.get(f"/p/{uid}/settlement.pdf")
    assert notice.status_code == 200
    assert "未经业主表决" in pdf_text(notice.data)
    form = zipfile.ZipFile(package).read("application-form.pdf")
    text = pdf_text(form)
    assert "应急使用：未经业主表决" in text and "电梯故障" in text and "表决结果公告" not in text


def test_emergency_refusals(app, runner, tmp_path):
    _community(app, runner, tmp_path)
    no_reason = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "x", "--scope", "all",
        "--budget", "1.00", "--category", "leak", "--applicant", "committee", "--reason", " ",
        "--evidence", evidence(tmp_path)])
    assert no_reason.exit_code == 1 and "不能等待业主表决" in no_reason.output
    bad = _apply(runner, tmp_path, category="roof")
    assert bad.exit_code == 2  # not a category the Ministry's rules name
    for budget in ("0", "0.00", "０"):  # nothing to spend: a board entry never withdrawn
        nothing = runner.invoke(args=[
            "works", "emergency", "--community", "SUN", "--title", "x", "--scope", "all",
            "--budget", budget, "--category", "leak", "--applicant", "committee", "--reason",
            "屋面渗漏", "--evidence", evidence(tmp_path)])
        assert nothing.exit_code == 1 and "预算必须大于 0" in nothing.output, budget
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_an_emergency_use_takes_no_delivery_and_no_objection(app, runner, tmp_path):
    """Even where the rules adopt 从多 and an objection period: there is no vote (§18.6)."""
    _community(app, runner, tmp_path)
    ruled = runner.invoke(args=["community", "rules", "SUN", "--set", "follow_majority=full",
                                "--set", "objection_days=3"])
    assert ruled.exit_code == 0, ruled.output
    applied = _apply(runner, tmp_path)
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    scan = evidence(tmp_path, "receipt.jpg", b"signed receipt")
    unit = ["--building", "1", "--entrance", "1", "--room", "101"]
    delivery = runner.invoke(args=["proposal", "delivery", pid, *unit, "--method", "hand",
                                   "--at", "2026-12-01T09:30", "--evidence", scan])
    assert delivery.exit_code == 1 and "应急使用不经业主表决" in delivery.output
    objection = runner.invoke(args=["proposal", "objection", pid, *unit, "--text", "不同意",
                                    "--evidence", scan])
    assert objection.exit_code == 1 and "应急使用不经业主表决" in objection.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        assert get_proposal(pid).chain_length == 2  # genesis and the emergency entry only


def _emergency_with_contract(amount: int):
    """A story of an emergency use (fire) and its contract of `amount` fen, no tolerance."""
    from tests.bundles import Story
    from tests.core.test_works_chain import EV
    from votes.core import works

    story = Story()
    story.proposal = dict(story.proposal, emergency=True)
    story.genesis()
    story.entries.append({"kind": "emergency", "time": "2026-12-01T01:00:00Z",
                          "body": works.emergency_body(category="fire", applicant="committee",
                                                       reason="消防泵损坏", evidence=EV)})
    story.entries.append({"kind": "works", "time": "2026-12-02T01:00:00Z", "body":
                          works.contract_body(contractor="甲", amount=amount, tolerance_bp=0,
                                              evidence=EV)})
    return story


def test_emergency_chain_rules_in_the_verifier():
    from tests.core.test_works_chain import EV, bundle
    from tests.core.tamper_tools import steps as failed_steps
    from tests.core.tamper_tools import verify
    from votes.core import follow

    story = _emergency_with_contract(600000)
    assert verify(bundle(story)).outcome == "verified"
    with_ballot = story.copy().paper("v-a", "agree", "2026-12-03T01:00:00Z")
    assert failed_steps(bundle(with_ballot)) >= {"18.8"}
    delivered = story.copy()
    delivered.entries.append({"kind": "delivery", "time": "2026-12-03T01:00:00Z", "body":
                              follow.delivery_body(voter="v-a", method="hand",
                                                   delivered_at="2026-12-02T01:00:00Z",
                                                   evidence=EV[0], entered_by="clerk1")})
    assert failed_steps(bundle(delivered)) == {"18.8"}
    late = story.copy()
    late.entries[1], late.entries[2] = late.entries[2], late.entries[1]
    late.entries[1]["time"] = late.entries[2]["time"] = "2026-12-01T01:00:00Z"
    assert {"18.2", "18.8"} <= failed_steps(bundle(late))
    not_flagged = story.copy()
    not_flagged.proposal["emergency"] = False
    not_flagged.entries[0]["body"] = __import__("votes.core.chain", fromlist=["x"]).genesis_body(
        not_flagged.proposal, not_flagged.roll, not_flagged.rules)
    assert failed_steps(bundle(not_flagged)) == {"18.8"}


def test_committee_applies_for_an_emergency_use_on_the_web(app, runner, tmp_path, client):
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    assert 'id="new-emergency"' in client.get("/committee/c/SUN").get_data(as_text=True).replace("\u00a0", " ")
    form = {"title": "消防泵更换", "category": "fire", "applicant": "committee",
            "reason": "消防泵无法启动，消防检查责令立即整改", "scope": "all", "budget": "9000.00"}
    unconfirmed = client.post("/committee/c/SUN/emergency", data=dict(
        form, evidence=[(io.BytesIO(b"%PDF-1.4 fire report"), "fire.pdf")]),
        content_type="multipart/form-data")
    assert "请勾选确认" in unconfirmed.get_data(as_text=True).replace("\u00a0", " ")
    done = client.post("/committee/c/SUN/emergency", data=dict(
        form, confirm="1", evidence=[(io.BytesIO(b"%PDF-1.4 fire report"), "fire.pdf")]),
        content_type="multipart/form-data", follow_redirects=True)
    text = done.get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用已公布在公示栏" in text and 'id="record-contract"' in text


def test_the_emergency_form_reads_the_scope_in_words(app, runner, tmp_path, client):
    """The proposal form reads "1号楼" or "1号楼1单元"; the emergency form refused them (表决
    范围“1号楼”无效，应为 all、building:3,5 …) and asked for the internal syntax."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    form = {"title": "电梯抢修", "category": "elevator", "applicant": "committee",
            "reason": "电梯困人，厂家要求立即更换主板", "budget": "9000.00", "confirm": "1"}
    assert "building:" not in client.get("/committee/c/SUN/emergency").get_data(as_text=True).replace("\u00a0", " ")
    for scope, report in (("1号楼1单元", b"%PDF-1.4 board 1-1"), ("9号楼", b"%PDF-1.4 board 9")):
        r = client.post("/committee/c/SUN/emergency", data=dict(
            form, scope=scope, evidence=[(io.BytesIO(report), "report.pdf")]),
            content_type="multipart/form-data", follow_redirects=True)
        text = r.get_data(as_text=True).replace("\u00a0", " ")
        if scope == "9号楼":  # not on the roll: said in words, nothing published
            assert "9号楼" in text and "应急使用已公布" not in text
        else:
            assert "应急使用已公布在公示栏" in text, text
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import Proposal

        assert db.session.scalars(select(Proposal.scope).where(
            Proposal.state == "emergency")).all() == ["entrance:1-1"]


def test_no_voting_notices_or_ballots_for_an_emergency_use(app, runner, tmp_path, client):
    _community(app, runner, tmp_path)
    pid = _apply(runner, tmp_path).output.strip()
    notices = runner.invoke(args=["notices", pid, "-o", str(tmp_path / "n.pdf")])
    assert notices.exit_code == 1 and not (tmp_path / "n.pdf").exists()
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    path = tmp_path / "ballots.csv"
    path.write_text("building,entrance,room,choice,channel,evidence,entered_by\n"
                    "1,1,101,agree,paper,scan.pdf,clerk\n", encoding="utf-8")
    ballots = runner.invoke(args=["ballots", "import", pid, str(path)])
    assert ballots.exit_code == 1
    assert "1号楼电梯抢修" in client.get("/").get_data(as_text=True).replace("\u00a0", " ")  # listed on the start page


def test_staff_pages_say_no_vote_was_held(app, runner, tmp_path, client):
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="emergency-note"' in page and 'id="works-link"' in page
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="emergency-note"' in page and "门槛" not in page
    assert 'id="download-application"' in page
    overview = client.get("/regulator/").get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用（未经表决）" in overview


def test_the_money_pages_never_call_an_emergency_budget_voted(app, runner, tmp_path, client):
    """The board and the committee's works page of an emergency use name its budget as the
    emergency's: no owner approved it, and "表决通过的预算" on the board said one had."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    contract = runner.invoke(args=["works", "contract", pid, "--contractor", "福州电梯工程有限公司",
                                   "--amount", "17000.00", "--evidence", evidence(tmp_path)])
    assert contract.exit_code == 0, contract.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "合同金额 17,000.00 元（应急使用预算 18,000.00 元，未经业主表决）" in board
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}/works").get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用预算" in page
    for text in (board, page):
        assert "表决通过的预算" not in text
    # The steps' word on the application package: no vote passed, no result notice in it.
    steps = page.split('id="works-steps"')[1].split("</ol>")[0]
    assert "表决通过后" not in steps and "表决结果公告" not in steps and "公告后" in steps


def test_the_emergency_confirmation_is_no_payment_voucher(app, runner, tmp_path):
    _community(app, runner, tmp_path)
    pid = _apply(runner, tmp_path).output.strip()
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "17000.00", "--evidence", evidence(tmp_path)]).exit_code == 0
    pay = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                              str(tmp_path / "inspection.pdf")])
    assert pay.exit_code == 1 and "与已登记的应急使用证明材料是同一文件" in pay.output, pay.output


def test_beyond_the_tolerance_an_emergency_use_is_not_told_to_vote_again(app, runner, tmp_path,
                                                                         client):
    """No vote was held, so none can be held "again": the excess cannot be spent as this
    emergency use, and only an owner vote on using the fund can let it out (§18.6). The
    emergency's budget was never approved by anyone, and the message said it was."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    told = "超出部分不能作为应急使用列支"
    over = runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "18000.01", "--evidence", evidence(tmp_path)])
    assert over.exit_code == 1 and told in over.output, over.output
    assert "应急使用预算 18,000.00 元" in over.output
    for wrong in ("重新表决", "表决通过的预算"):
        assert wrong not in over.output
    sign_in(client, "sun_committee")
    page = client.post(f"/committee/p/{pid}/works/contract", data={
        "contractor": "甲", "amount": "18000.01",
        "evidence": [(io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")]},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert told in page and "重新表决" not in page and 'id="record-contract"' in page

    works_done(runner, tmp_path, pid, contract="17000.00", payments=("5000.00",))
    settled = runner.invoke(args=["works", "settle", pid, "--final-cost", "18000.01"])
    assert settled.exit_code == 1 and told in settled.output, settled.output
    for wrong in ("重新表决", "表决通过的预算"):
        assert wrong not in settled.output
    english = client.post(f"/committee/p/{pid}/works/settle?lang=en", data={
        "final_cost": "18000.01", "confirm": "1"}, follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "the excess cannot be paid as an emergency use" in english
    assert "vote again" not in english


def test_the_verifier_tells_no_emergency_use_to_vote_again():
    from tests.core.test_works_chain import bundle
    from tests.core.tamper_tools import verify

    report = verify(bundle(_emergency_with_contract(654751)))
    said = [str(f) for f in report.failures if f.step == "18.4"]
    assert said and "emergency use's budget" in said[0] and "new vote" not in said[0], said


def test_an_emergency_uses_owner_pages_do_not_speak_of_a_vote(app, runner, tmp_path, client):
    """The lobby poster's address of an emergency use said 表决已结束 … 截止，链接已失效:
    no vote was held, so none ended, and no link was ever handed out. It is the owners'
    read-only sign-in to what the use takes from their flats (tests/test_emergency_owner.py)."""
    from votes.services.lifecycle import get_proposal

    _community(app, runner, tmp_path)
    pid = _apply(runner, tmp_path).output.strip()
    with app.app_context():
        uid = get_proposal(pid).uid
    for lang, words, untrue in (("zh_CN", "不经业主表决", ("表决已结束", "链接已失效", "截止")),
                                ("en", "without an owner vote", ("ended", "expired"))):
        page = client.get(f"/p/{uid}/pick?lang={lang}")
        html = page.get_data(as_text=True).replace("\u00a0", " ")
        assert page.status_code == 200 and words in html, html
        assert not [w for w in untrue if w in html], html


def test_the_regulators_csv_and_the_cli_name_the_emergency_state_in_words(app, runner, tmp_path,
                                                                           client):
    """The regulator's CSV and `votes proposal show` printed the internal name "emergency"
    where the overview reads 应急使用（未经表决）: a spreadsheet filtered on the state column
    missed every emergency use."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    sign_in(client, "district")
    row = client.get("/regulator/?format=csv").get_data(as_text=True).replace("\u00a0", " ").splitlines()[1]
    assert row.split(",")[2] == "应急使用（未经表决）", row
    english = client.get("/regulator/?format=csv&lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "Emergency use (no vote)" in english.splitlines()[1]
    shown = runner.invoke(args=["proposal", "show", pid])
    assert "状态：应急使用（未经表决）" in shown.output, shown.output


def test_the_regulators_overview_gives_an_emergency_use_no_vote_figures(app, runner, tmp_path,
                                                                        client):
    """No vote was held, yet the regulator's CSV gave an emergency use a 表决截止 (the
    genesis's technical window, a day after publication), 0 participants and 达到法定人数
    否, as if a vote had failed its quorum; the screen showed the same deadline."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    _apply(runner, tmp_path)
    sign_in(client, "district")
    lines = client.get("/regulator/?format=csv").get_data(as_text=True).replace("\u00a0", " ").splitlines()
    head, row = lines[0].lstrip("\ufeff").split(","), lines[1].split(",")
    cells = dict(zip(head, row))
    for column in ("表决截止（北京时间）", "参与表决面积（m²）", "参与表决人数", "达到法定人数"):
        assert cells[column] == "", (column, cells)
    assert cells["专有部分总面积（m²）"] == "344.75" and cells["预算（元）"] == "18000.00"
    html = client.get("/regulator/").get_data(as_text=True).replace("\u00a0", " ")
    assert "2026-12-02 09:00" not in html and "0/3" not in html


def test_the_regulator_and_the_committee_see_why_no_vote_was_held(app, runner, tmp_path, client):
    """The regulator's page of an emergency use said only 未经业主表决: not the danger, the
    applicant, the reason nor the evidence digests it must match against the files of the
    application package; only the public board named them."""
    import hashlib

    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    digest = hashlib.sha256(b"%PDF-1.4 special equipment report").hexdigest()
    for login, path in (("district", f"/regulator/p/{pid}"), ("sun_committee", f"/committee/p/{pid}")):
        sign_in(client, login)
        page = client.get(path).get_data(as_text=True).replace("\u00a0", " ")
        note = page[page.index('id="emergency-note"'):]
        note = note[:note.index("</section>")]
        for words in ("电梯故障", "物业服务企业", "1号楼电梯曳引机故障，困人两次", digest):
            assert words in note, (login, words, note)
    sign_in(client, "district")
    english = client.get(f"/regulator/p/{pid}?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "Evidence (SHA-256)" in english and "Applicant: " in english


def test_proposal_show_says_no_vote_was_held(app, runner, tmp_path):
    """`votes proposal show` of an emergency use listed the thresholds as 尚未达到 and
    法定人数：尚未达到, as if a vote were still to be counted; it says no vote was held,
    and why."""
    _community(app, runner, tmp_path)
    pid = _apply(runner, tmp_path).output.strip()
    shown = runner.invoke(args=["proposal", "show", pid])
    assert shown.exit_code == 0, shown.output
    for untrue in ("门槛", "法定人数", "参与表决："):
        assert untrue not in shown.output, shown.output
    for words in ("未经业主表决", "电梯故障", "物业服务企业", "1号楼电梯曳引机故障"):
        assert words in shown.output, shown.output


def _count_emergencies(app) -> int:
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        return db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.state == "emergency"))


def test_a_community_may_cap_the_budget_of_an_emergency_use(app, runner, tmp_path, client):
    """Nothing bounded what the committee could spend without a vote by calling it an
    emergency: a community's rules may now set emergency_max_budget (empty: no cap, as
    before). Above it the emergency use is refused, saying the cap; the board and the
    committee's rules page show it."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    capped = runner.invoke(args=["community", "rules", "SUN", "--set",
                                 "emergency_max_budget=10000"])
    assert capped.exit_code == 0, capped.output
    assert "应急使用预算上限 10,000.00 元" in capped.output, capped.output
    over = _apply(runner, tmp_path)
    assert over.exit_code == 1 and "10,000.00 元" in over.output, over.output
    assert "18,000.00 元" in over.output and _count_emergencies(app) == 0
    bad = runner.invoke(args=["community", "rules", "SUN", "--set", "emergency_max_budget=-5"])
    assert bad.exit_code == 1 and "应急使用预算上限" in bad.output, bad.output

    sign_in(client, "sun_committee")
    page = client.get("/committee/c/SUN").get_data(as_text=True).replace("\u00a0", " ")
    assert 'name="emergency_max_budget"' in page and 'value="10000.00"' in page
    assert "应急使用预算上限 10,000.00 元" in client.get(
        "/committee/c/SUN/emergency").get_data(as_text=True).replace("\u00a0", " ")
    saved = client.post("/committee/c/SUN/procedure", data={"emergency_max_budget": "20000"},
                        follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用预算上限 20,000.00 元" in saved, saved
    applied = _apply(runner, tmp_path)
    assert applied.exit_code == 0, applied.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        p = get_proposal(applied.output.strip())
        uid, rules = p.uid, p.rules
    assert "emergency_max_budget" not in rules  # the server's rule: not in the genesis
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用（不经业主表决）的预算不得超过 20,000.00 元" in board, board
    english = client.get(f"/p/{uid}?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "may budget at most 20,000.00 yuan" in english, english
    cleared = client.post("/committee/c/SUN/procedure?lang=zh_CN", data={"emergency_max_budget": ""},
                          follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用预算不设上限" in cleared
    with app.app_context():
        from votes.services.communities import get_community

        assert "emergency_max_budget" not in get_community("SUN").rules


def test_an_emergency_use_over_a_running_vote_on_the_same_buildings_names_it(
        app, runner, tmp_path, client):
    """A vote on the same buildings (or any, for the whole community) in publicity or voting:
    the emergency use must acknowledge it by id, and the board says it was running. Not
    refused: a lift that traps people cannot wait weeks for another vote's end (a vote once
    begun cannot be withdrawn). Another building's vote is not named."""
    from tests.factories import make_draft

    draft = make_draft(app, runner, tmp_path, scope="building:1", extra=())
    assert runner.invoke(args=["proposal", "start-publicity", str(draft)]).exit_code == 0
    asked = _apply(runner, tmp_path)
    assert asked.exit_code == 1 and "电梯更换" in asked.output, asked.output
    assert "正在公示或表决中" in asked.output and f"--acknowledge-failed {draft}" in asked.output
    assert _count_emergencies(app) == 0
    other = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "2号楼渗漏抢修", "--scope",
        "building:2", "--budget", "900.00", "--category", "leak", "--applicant", "committee",
        "--reason", "屋面渗漏", "--evidence", evidence(tmp_path, "leak2.pdf", b"leak 2")])
    assert other.exit_code == 0, other.output
    done = _apply(runner, tmp_path, "--acknowledge-failed", str(draft))
    assert done.exit_code == 0, done.output
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import Proposal

        uid = db.session.scalar(select(Proposal.uid).where(
            Proposal.state == "emergency", Proposal.scope == "building:1"))
    # Still said after that vote has moved on (recomputed from the times, not the state).
    from datetime import timedelta

    app.config["VOTES_NOW"] = app.config["VOTES_NOW"] + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "withdraw", str(draft), "--reason",
                               "改为应急维修"]).exit_code == 0
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "公布时本小区范围重叠的表决正在进行：电梯更换" in board, board
    assert "A vote on an overlapping scope was running when this was published: " \
        '<span lang="zh-CN">电梯更换</span>' in client.get(f"/p/{uid}?lang=en").get_data(as_text=True).replace("\u00a0", " ")


def test_a_vote_in_progress_is_named_for_an_emergency_use_of_the_whole_community(
        app, runner, tmp_path):
    from tests.factories import make_open_proposal

    opened = make_open_proposal(app, runner, tmp_path, scope="building:2", code="SUN")
    asked = _apply(runner, tmp_path, "--scope", "all")
    assert asked.exit_code == 1 and "电梯更换" in asked.output, asked.output
    assert f"--acknowledge-failed {opened['id']}" in asked.output
    assert _apply(runner, tmp_path, "--scope", "all", "--acknowledge-failed",
                  str(opened["id"])).exit_code == 0


def test_an_emergency_use_after_a_failed_vote_must_acknowledge_it(app, runner, tmp_path,
                                                                  client):
    """The owners voted the repair down; the committee then called the same works an
    emergency. It must now tick that it knows of the failed vote (named), the tick is
    audited, and the board and the regulator's page say so."""
    from datetime import timedelta

    from tests.factories import make_open_proposal
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    opened = make_open_proposal(app, runner, tmp_path, scope="building:1")
    pid = str(opened["id"])
    app.config["VOTES_NOW"] = opened["t0"] + timedelta(days=7, hours=1)
    closed = runner.invoke(args=["proposal", "close", pid])  # no ballot: quorum missed
    assert closed.exit_code == 0, closed.output
    app.config["VOTES_NOW"] = opened["t0"] + timedelta(days=60)
    staff_accounts(app, runner)
    asked = _apply(runner, tmp_path)
    assert asked.exit_code == 1 and "电梯更换" in asked.output, asked.output
    assert "--acknowledge-failed" in asked.output and _count_emergencies(app) == 0
    sign_in(client, "sun_committee")
    form = {"title": "电梯抢修", "category": "elevator", "applicant": "committee",
            "reason": "电梯困人，厂家要求立即更换主板", "budget": "9000.00", "confirm": "1",
            "scope": "1号楼"}
    page = client.post("/committee/c/SUN/emergency", data=dict(
        form, evidence=[(io.BytesIO(b"%PDF-1.4 board 1"), "report.pdf")]),
        content_type="multipart/form-data").get_data(as_text=True).replace("\u00a0", " ")
    assert f'name="acknowledge_failed" value="{pid}"' in page and "电梯更换" in page, page
    assert _count_emergencies(app) == 0
    done = client.post("/committee/c/SUN/emergency", data=dict(
        form, acknowledge_failed=pid, evidence=[(io.BytesIO(b"%PDF-1.4 board 1"), "report.pdf")]),
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "应急使用已公布在公示栏" in done, done
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry, Proposal

        p = db.session.scalar(select(Proposal).where(Proposal.state == "emergency"))
        uid, eid = p.uid, p.id
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "proposal.emergency"))
        assert entry.details["acknowledged_failed"] == [int(pid)], entry.details
    said = "本小区 2 个月内曾表决未通过：电梯更换"
    assert said in client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    english = client.get(f"/p/{uid}?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "A vote in this community failed within 2 months: " \
        '<span lang="zh-CN">电梯更换</span>' in english, english
    sign_in(client, "district")
    assert said in client.get(f"/regulator/p/{eid}?lang=zh_CN").get_data(as_text=True).replace("\u00a0", " ")
    # From the command line, naming the vote.
    cli = _apply(runner, tmp_path, "--acknowledge-failed", pid)
    assert cli.exit_code == 0, cli.output


def test_the_tolerance_never_takes_an_emergency_use_above_the_communitys_cap(
        app, runner, tmp_path, client):
    """A cap on an emergency use's budget (emergency_max_budget) bounds what is spent without
    an owner vote; the tolerance over the budget let a contract and a settlement go past it:
    an emergency use budgeted at the cap, 10,000.00, with a 10 % tolerance was contracted and
    settled at 11,000.00, the board saying no more than 10,000.00 may be spent so. Above the
    cap (or the published budget, if the cap was lowered since) it is refused."""
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    assert runner.invoke(args=["community", "rules", "SUN", "--set",
                               "emergency_max_budget=10000"]).exit_code == 0
    assert runner.invoke(args=["works", "tolerance", "SUN", "10"]).exit_code == 0
    applied = _apply(runner, tmp_path, "--budget", "10000.00")
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    sign_in(client, "sun_committee")
    page = client.post(f"/committee/p/{pid}/works/contract", data={
        "contractor": "甲", "amount": "11000.00",
        "evidence": [(io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")]},
        content_type="multipart/form-data")
    assert page.status_code == 400, page.status_code
    assert "10,000.00" in page.get_data(as_text=True).replace("\u00a0", " ")
    works_done(runner, tmp_path, pid, contract="10000.00", payments=("5000.00",))
    settled = runner.invoke(args=["works", "settle", pid, "--final-cost", "10500.00"])
    assert settled.exit_code == 1 and "10,000.00" in settled.output, settled.output
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "10000.00"]).exit_code == 0


def test_a_phone_or_id_number_in_an_emergency_reason_is_masked_on_the_board(app, runner,
                                                                           tmp_path, client):
    """The reason is published on the board and signed into the chain for good: a contact's
    mobile or ID number typed in it was published as typed, where an objection's is masked."""
    _community(app, runner, tmp_path)
    applied = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "1号楼电梯抢修",
        "--scope", "building:1", "--budget", "18000.00", "--category", "elevator",
        "--applicant", "property_company", "--reason",
        "电梯困人，维修联系人 13800138000，身份证 350502198001010011",
        "--evidence", evidence(tmp_path, "inspection.pdf", b"%PDF-1.4 report")])
    assert applied.exit_code == 0, applied.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(applied.output.strip()).uid
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "138****8000" in board, board
    assert "13800138000" not in board and "350502198001010011" not in board
