"""Committee and regulator flows over HTTP."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest

from tests.factories import make_roll_csv, make_row, resident_id, sample_rows
from tests.staff_world import build, enter_paper, own_password, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def test_roll_upload_previews_then_replaces(app, world, client, tmp_path):
    sign_in(client, "sun_committee")
    bad = make_roll_csv(tmp_path / "bad.csv", [make_row(area="0")])
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(bad.read_bytes()), "bad.csv")})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "面积" in page and ">2<" in page
    good = make_roll_csv(tmp_path / "good.csv", sample_rows()[:3])
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(good.read_bytes()), "good.csv")})
    page = r.get_data(as_text=True)
    assert "将导入 2 户" in page
    # Nothing replaced yet.
    assert "<strong>7</strong>" in client.get("/committee/c/SUN").get_data(as_text=True)
    token = page.split('name="token" value="')[1].split('"')[0]
    r = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert r.status_code == 302
    community = client.get("/committee/c/SUN").get_data(as_text=True)
    assert "<strong>2</strong>" in community
    assert "3505**********" in community and resident_id(1) not in community
    # Sent again, it leads back to the roll, saying it was imported (not that it expired).
    again = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("#roll")


def test_wizard_creates_and_runs_a_vote(app, world, client):
    sign_in(client, "sun_committee")
    live = client.get("/committee/c/SUN/scope-preview?scope=building:1&budget=100").get_json()
    assert live == {"ok": True, "error": None, "units": 4, "headcount": 3, "area": "344.75",
                    "scope": "building:1", "words": "1号楼",
                    "summary": "1号楼：4 户，3 人，面积 344.75 m²"}
    assert client.get("/committee/c/SUN/scope-preview?scope=floor:1").get_json()["ok"] is False
    form = {"title": "屋面防水", "matter": "use_fund", "scope": "building:1", "budget": "1000.00",
            "item_title": ["防水", ""], "item_amount": ["1000.00", ""],
            "publicity_start": "2026-12-01T10:00", "voting_start": "2026-12-08T10:00",
            "voting_end": "2026-12-15T10:00"}
    preview = client.post("/committee/c/SUN/proposals/new", data={**form, "action": "preview"})
    assert "费用分摊预览" in preview.get_data(as_text=True)
    bad = client.post("/committee/c/SUN/proposals/new",
                      data={**form, "budget": "999", "action": "create"})
    assert "与预算 999.00 元不一致" in bad.get_data(as_text=True)
    r = client.post("/committee/c/SUN/proposals/new",
                    data={**form, "action": "create", "documents": (io.BytesIO(b"%PDF-1.4 quote"), "q.pdf")})
    assert r.status_code == 302
    url = r.headers["Location"]
    pid = int(url.rsplit("/", 1)[1])
    assert client.post(f"{url}/move/start-publicity", data={"confirm": "1"}).status_code == 302
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=7, hours=2)
    client.post(f"{url}/move/open", data={"confirm": "1"})
    page = client.get(url).get_data(as_text=True)
    assert ">表决中<" in page and "<svg" in page
    assert client.get(f"{url}/notices.pdf").data.startswith(b"%PDF")

    one = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "101",
                                            "choice": "agree", "channel": "paper",
                                            "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    assert one.status_code == 302
    again = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "201",
                                              "choice": "agree", "channel": "paper",
                                              "evidence": (io.BytesIO(b"\xff\xd8\xff scan2"), "s2.jpg")})
    assert again.status_code == 400 and "该业主已经表决" in again.get_data(as_text=True)
    csv_text = ("楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书\n"
                "1,1,102,反对,委托,a.jpg,clerk,钱七,110101199003070011,letter.jpg\n"
                "1,1,202,同意,纸质,b.jpg,clerk,,,\n")
    batch = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff a"), "a.jpg"), (io.BytesIO(b"\xff\xd8\xff b"), "b.jpg"),
                     (io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg")]})
    assert batch.status_code == 302

    nonvoters = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    assert "1号楼" not in nonvoters or "全部" not in nonvoters
    assert "所有业主都已表决" in nonvoters
    xlsx = client.get(f"/committee/p/{pid}/non-voters?format=xlsx")
    assert xlsx.data[:2] == b"PK"

    closed = client.post(f"{url}/move/close", data={"confirm": "1"})  # all voted: early close
    assert closed.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert ">已结束<" in page and "表决通过" in page
    pdf = client.get(f"{url}/result-notice.pdf")
    assert pdf.data.startswith(b"%PDF")
    assert "张三".encode("utf-16-be") not in pdf.data and b"\xe5\xbc\xa0\xe4\xb8\x89" not in pdf.data
    assert client.post(f"{url}/move/publish-result", data={"confirm": "1"}).status_code == 302
    assert ">结果已公布<" in client.get(url).get_data(as_text=True)


def test_visits_are_recorded_for_follow_up(app, world, client):
    sign_in(client, "sun_committee")
    pid = world["sun"]["id"]
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    voter = page.split('name="voter" value="')[1].split('"')[0]
    r = client.post(f"/committee/p/{pid}/visits", data={"voter": voter, "outcome": "not_home",
                                                         "note": "晚上再来"})
    assert r.status_code == 302
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    assert "不在家" in page and "晚上再来" in page and "sun_committee" in page
    bad = client.post(f"/committee/p/{pid}/visits", data={"voter": voter, "outcome": "x"})
    assert bad.status_code == 400


def test_no_visit_is_recorded_once_voting_has_ended(app, world, client):
    """A door knock after the end (e.g. "paper collected") would record what can no longer
    be counted: refused, nothing written, and the page offers no form."""
    sign_in(client, "sun_committee")
    pid = world["sun"]["id"]
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    voter = page.split('name="voter" value="')[1].split('"')[0]
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=7, hours=2)  # after the end
    r = client.post(f"/committee/p/{pid}/visits", data={"voter": voter,
                                                         "outcome": "paper_collected"})
    assert r.status_code == 400 and "不能记录走访" in r.get_data(as_text=True)
    page = client.get(f"/committee/p/{pid}/non-voters").get_data(as_text=True)
    assert 'name="outcome"' not in page and "已收纸质票 ·" not in page


def test_regulator_overview_download_and_verify(app, world, client):
    sign_in(client, "district")
    page = client.get("/regulator/").get_data(as_text=True)
    assert "阳光花园" in page and "未验证" in page
    assert f"/regulator/p/{world['moon']['id']}" not in page  # another district's
    csv_data = client.get("/regulator/?format=csv").data.decode("utf-8-sig")
    assert "电梯更换" in csv_data and len(csv_data.strip().splitlines()) == 2
    assert "<th>法定人数</th>" in page and _quorum_shown(client) == "尚未达到"  # voting
    assert client.get("/regulator/?state=closed").get_data(as_text=True).count("/regulator/p/") == 0
    for key in ("community", "end", "turnout"):
        assert "阳光花园" in client.get(f"/regulator/?sort={key}").get_data(as_text=True)
    pid = world["sun"]["id"]
    bundle = client.get(f"/committee/p/{pid}/bundle.zip")
    assert bundle.status_code == 200 and zipfile.ZipFile(io.BytesIO(bundle.data)).namelist()
    # During voting the bundle is interim: intact so far, never "failed".
    r = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "vote in progress" in text and "验证失败" not in text and "FAILED" not in text
    overview = client.get("/regulator/").get_data(as_text=True)
    assert "链完整，表决进行中" in overview and "验证失败" not in overview
    assert "链完整，表决进行中" in client.get("/regulator/?format=csv").data.decode("utf-8-sig")
    app.config["VOTES_NOW"] = world["t0"] + timedelta(days=8)
    r = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert "验证通过 / VERIFIED" in r.get_data(as_text=True)
    assert "已验证" in client.get("/regulator/").get_data(as_text=True)
    assert _quorum_shown(client) == "未达到"  # closed


def _quorum_shown(client) -> str:
    """The overview's quorum word, after checking it says what the CSV's column says."""
    csv_data = client.get("/regulator/?format=csv").data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(csv_data)))
    page = client.get("/regulator/").get_data(as_text=True)
    shown = re.search(r'<td class="quorum"><span class="\w+">([^<]+)</span>', page).group(1)
    assert (shown == "达到") == (row[header.index("达到法定人数")] == "是")
    return shown


def test_audit_log_is_chained_and_visible(app, world, client):
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "user", "login": "clerk2", "password": "fresh-start-pass",
                                 "role": "committee", "communities": "SUN"})
    page = client.get("/admin/audit").get_data(as_text=True)
    for action in ("新建账号", "导入业主名册", "新建表决事项", "开始表决"):  # in words
        assert action in page
    assert "校验失败" not in page
    csv_data = client.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    assert "clerk2" in csv_data and "account.create" in csv_data  # the export keeps codes
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry
        from votes.services.audit import verify_log

        assert verify_log() == []
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.seq == 1))
        entry.actor = "someone-else"
        db.session.commit()
        assert any("entry 1" in p for p in verify_log())


def test_committee_sees_locked_links(app, world, client):
    from tests.factories import voter_token

    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, world['sun'], '202')}")
    for _ in range(5):
        owner.post(f"/p/{world['sun']['uid']}/verify", data={"answer": "000000"})
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{world['sun']['id']}/non-voters").get_data(as_text=True)
    assert "链接已锁定至" in page


def test_admin_changes_accounts_and_districts_with_an_audit_trail(app, world, client):
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "disable", "login": "sun_committee"})
    other = app.test_client()
    r = other.post("/staff/login", data={"login": "sun_committee", "password": "correct horse battery"})
    assert r.status_code == 200 and "错误" in r.get_data(as_text=True)
    client.post("/admin/", data={"action": "enable", "login": "sun_committee"})
    client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                 "password": "a-new-password-1"})
    r = other.post("/staff/login", data={"login": "sun_committee", "password": "a-new-password-1"})
    assert r.status_code == 302
    short = client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                         "password": "short"}, follow_redirects=True)
    assert "至少 10 个字符" in short.get_data(as_text=True)
    self_disable = client.post("/admin/", data={"action": "disable", "login": "admin1"},
                               follow_redirects=True)
    assert "不能停用自己的账号" in self_disable.get_data(as_text=True)
    # Moving MOON into the regulator's district makes it visible to them.
    client.post("/admin/", data={"action": "jurisdiction", "code": "MOON",
                                 "jurisdiction": "350502"})
    regulator = app.test_client()
    sign_in(regulator, "district")
    assert f"/regulator/p/{world['moon']['id']}" in regulator.get("/regulator/").get_data(
        as_text=True)
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "修改账号" in log and "修改辖区" in log


def test_a_district_code_typed_with_spaces_is_the_district(app, world, client, runner):
    """A district code pasted with a space around it: a regulator created with "350502 "
    saw nothing of district 350502, and a community created in " 350502" was out of its
    regulator's sight, both without a word (moving a community already trimmed the code).
    A district of spaces only is no district."""
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "user", "login": "district2", "role": "regulator",
                                 "password": "correct horse battery",
                                 "jurisdiction": "350502 "})
    client.post("/admin/", data={"action": "community", "code": "STAR", "name": "星河湾",
                                 "jurisdiction": " 350502"})
    regulator = app.test_client()
    sign_in(regulator, "district2")
    own_password(regulator)  # an administrator chose it
    assert regulator.get(f"/regulator/p/{world['sun']['id']}").status_code == 200
    sign_in(regulator, "district")
    assert "STAR" in regulator.get("/admin/audit").get_data(as_text=True)
    blank = runner.invoke(args=["users", "create", "--no-must-change", "nobody", "--role", "regulator",
                                "--jurisdiction", " ", "--password", "correct horse battery"])
    assert blank.exit_code == 1 and "监管账号需要指定辖区" in blank.output


def test_a_committee_account_names_its_communities_as_typed(app, world, client, runner):
    """A community named twice ("SUN,SUN", or --community SUN twice) was the database's
    unique constraint: an HTTP 500 on the administrator's page, a traceback from `votes
    users create`; "SUN, MOON" (a space after the comma) was 没有编码为 MOON 的小区."""
    sign_in(client, "admin1")
    for login, codes in (("twice", "SUN,SUN"), ("spaced", "SUN, MOON")):
        r = client.post("/admin/", data={"action": "user", "login": login, "role": "committee",
                                         "password": "correct horse battery",
                                         "communities": codes}, follow_redirects=True)
        assert r.status_code == 200 and "已创建账号" in r.get_data(as_text=True), login
    result = runner.invoke(args=["users", "create", "--no-must-change", "twice2", "--role", "committee",
                                 "--community", "SUN", "--community", "SUN",
                                 "--password", "correct horse battery"])
    assert result.exit_code == 0, result.output
    member = app.test_client()
    sign_in(member, "spaced")
    own_password(member)  # an administrator chose it
    for p in (world["sun"], world["moon"]):
        assert member.get(f"/committee/p/{p['id']}").status_code == 200
    sign_in(member, "twice")
    own_password(member)
    assert member.get(f"/committee/p/{world['moon']['id']}").status_code == 404


def test_oversized_upload_gets_a_clear_page(app, world, client):
    sign_in(client, "sun_committee")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(b"x" * 5000), "big.csv")})
    assert r.status_code == 413 and "文件太大" in r.get_data(as_text=True)


def test_admin_sets_stricter_rules_and_never_looser(app, world, client):
    sign_in(client, "admin1")
    ok = client.post("/admin/", data={"action": "rules", "code": "SUN", "matter": "use_fund",
                                      "settings": "approval_area=>=2/3; publicity_days=10"},
                     follow_redirects=True)
    assert "已更新议事规则" in ok.get_data(as_text=True)
    loose = client.post("/admin/", data={"action": "rules", "code": "SUN", "matter": "use_fund",
                                         "settings": "quorum_area=>=1/2"}, follow_redirects=True)
    assert "低于法定的" in loose.get_data(as_text=True)
    with app.app_context():
        from votes.services.communities import get_community

        rules = get_community("SUN").rules
        assert rules["use_fund"] == {"approval_area": ">=2/3"} and rules["publicity_days"] == 10


def test_a_login_differing_only_in_letter_case_is_refused(app, runner):
    """"Admin" beside "admin" would read as one person in the audit log and on the chain."""
    made = runner.invoke(args=["users", "create", "--no-must-change", "clerk.wang", "--role", "admin",
                               "--password", "long-enough-1"])
    assert made.exit_code == 0, made.output
    again = runner.invoke(args=["users", "create", "--no-must-change", "Clerk.Wang", "--role", "admin",
                                "--password", "long-enough-1"])
    assert again.exit_code == 1 and "已存在" in again.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "clerk.wang" in listed and "Clerk.Wang" not in listed


def test_a_login_with_a_line_break_after_it_is_refused(app, world, client):
    """The name pattern's "$" also matched before a final line break: "admin1\n" was made
    beside admin1 and listed as admin1, could never sign in (the sign-in strips the name),
    and the buttons of its row in the list disabled or reset admin1 instead."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import StaffUser

    sign_in(client, "admin1")
    page = client.post("/admin/", data={"action": "user", "login": "admin1\n", "role": "admin",
                                        "password": "long-enough-1"}, follow_redirects=True)
    assert "登录名只能包含" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(StaffUser.login)
                                  .where(StaffUser.login.like("admin1%"))).all() == ["admin1"]


@pytest.mark.parametrize("login", ["system", "CLI", "demo"])
def test_a_login_cannot_take_a_name_the_audit_log_gives_the_machine(app, world, client, login):
    """The audit log names the server itself "system" (the clock, the sign-in's pauses), the
    command line "cli" and the demo's set-up "demo": an account of that name would have its
    member's actions read as no one's."""
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import StaffUser

    sign_in(client, "admin1")
    page = client.post("/admin/", data={"action": "user", "login": login, "role": "admin",
                                        "password": "long-enough-1"}, follow_redirects=True)
    assert "保留" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser).where(
            func.lower(StaffUser.login) == login.lower())) == 0


def test_a_ballots_file_never_names_who_entered_it(app, world, client):
    """The chain names the signed-in member as the clerk of each ballot of an uploaded file:
    its 录入人 column is free text anyone can fill with another member's (or a stranger's)
    name, and a file without the column is entered all the same."""
    import json

    from sqlalchemy import select

    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    forged = ("楼栋,单元,房号,意见,方式,凭证,录入人\n"
              "1,1,101,同意,纸质,a.jpg,李主任\n")
    r = client.post(f"{url}/paper", data={"csv": (io.BytesIO(forged.encode()), "b.csv"),
                                          "evidence": [(io.BytesIO(b"\xff\xd8\xff a"), "a.jpg")]})
    assert r.status_code == 302, r.get_data(as_text=True)
    plain = "楼栋,单元,房号,意见,方式,凭证\n1,1,202,反对,纸质,b.jpg\n"
    r = client.post(f"{url}/paper", data={"csv": (io.BytesIO(plain.encode()), "c.csv"),
                                          "evidence": [(io.BytesIO(b"\xff\xd8\xff b"), "b.jpg")]})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        entries = [json.loads(line)["entry"] for line in db.session.scalars(
            select(ChainEntry.line).where(ChainEntry.proposal_id == world["sun"]["id"])
            .order_by(ChainEntry.seq))]
    assert [e["body"]["entered_by"] for e in entries if e["kind"] == "ballot"] == \
        ["sun_committee", "sun_committee"]


def test_every_audited_action_is_named_in_words_on_the_audit_page(app, runner, tmp_path):
    """The audit page names each action in words, in both languages: the works, the
    emergency use, deliveries, objections and their answers, scans opened, ballots corrected
    or withdrawn, notices reprinted … were shown as their codes (works.contract,
    proposal.objection), which the CSV export keeps but a reader of the page should not get."""
    from tests import procedure_world as pw
    from tests.money_world import fire_pump_emergency, passed_vote, works_done
    from tests.staff_world import PASSWORD

    vote = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"], "--final-cost",
                               "6400.00"]).exit_code == 0
    assert runner.invoke(args=["works", "tolerance", "SUN", "5"]).exit_code == 0
    fire_pump_emergency(runner, tmp_path)
    pid = pw.open_vote(app, runner, tmp_path, "follow_majority=full", "objection_days=3",
                       code="STAR")
    result = runner.invoke(args=["proposal", "delivery", pid, *pw.unit_args("B"), "--method",
                                 "hand", "--at", "2026-12-01T10:00", "--evidence",
                                 pw.scan(tmp_path, "delivery.pdf")])
    assert result.exit_code == 0, result.output
    pw.vote(runner, tmp_path, pid, {"A": "agree", "C": "agree", "D": "disagree"})
    result = runner.invoke(args=["ballots", "correct", pid, "--entry", "3", "--choice", "agree",
                                 "--reason", "录入时勾错了意见", "--entered-by", "clerk"])
    pw.close_at_end(app, runner, pid)
    result = runner.invoke(args=["proposal", "objection", pid, *pw.unit_args("E"), "--text",
                                 "计票有误", "--evidence", pw.scan(tmp_path, "objection.pdf",
                                                                 b"%PDF-1.4 letter")])
    assert result.exit_code == 0, result.output
    from tests.procedure_world import entry_seq

    seq = str(entry_seq(result.output))
    result = runner.invoke(args=["proposal", "answer", pid, seq, "--decision", "rejected",
                                 "--text", "已复核"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "--no-must-change", "admin1", "--role", "admin", "--password",
                                 PASSWORD])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    sign_in(client, "admin1")
    codes = set(re.findall(r",(works\.\w+|proposal\.[\w.]+|community\.\w+|ballots\.\w+),",
                           client.get("/admin/audit?format=csv").data.decode("utf-8-sig")))
    assert {"works.contract", "works.settlement", "proposal.emergency", "proposal.delivery",
            "proposal.objection", "proposal.answer", "community.tolerance"} <= codes
    for lang in ("zh_CN", "en"):
        page = client.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
        shown = set(re.findall(r"<td>([a-z_]+\.[a-z_.]+)</td>", page))
        assert shown == set(), (lang, shown)


def test_a_refused_entry_keeps_what_the_clerk_typed(app, world, client):
    """A refused paper/proxy or transfer entry sent the clerk to a page whose 返回 opened an
    empty form: the flat, the choice, the proxy's name and the buyer's name typed again.
    The refusal is now said above the same form, filled in (ID numbers excepted)."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    assert enter_paper(client, url, "202").status_code == 302
    again = client.post(f"{url}/paper", data={
        "building": "1", "entrance": "1", "room": "202", "choice": "abstain", "channel": "proxy",
        "proxy_name": "孙八", "proxy_id": resident_id(9), "company_staff": "否",
        "evidence": (io.BytesIO(b"\xff\xd8\xff another"), "form.jpg"),
        "authorisation": (io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg")})
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "该业主已经表决" in page
    assert 'id="p-room" name="room" value="202"' in page
    assert '<option value="abstain" selected>' in page
    assert '<option value="proxy" selected>' in page
    assert 'value="孙八"' in page and '<option value="否" selected>' in page
    assert resident_id(9) not in page  # an ID number is typed again, never echoed
    sold = client.post(f"{url}/transfer", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "disagree",
        "buyer_name": "钱七", "buyer_id": resident_id(9), "confirm": "1",
        "transfer_evidence": (io.BytesIO(b"%PDF-1.4 certificate"), "cert.pdf"),
        "ballot_form": (io.BytesIO(b"\xff\xd8\xff buyer form"), "form.jpg")})
    page = sold.get_data(as_text=True)
    assert sold.status_code == 400 and "计为一人" in page
    assert 'id="t-room" name="room" value="101"' in page and 'value="钱七"' in page
    assert 'id="p-room" name="room" required>' in page  # the other form stays empty


def test_refusal_counts_rows_not_problems(app, runner, tmp_path, client):
    """One proxy ballot missing both the proxy's ID and the written authorisation was
    "有 2 行被拒绝": the clerk entered one form and looked for a second row that was never
    there. A CSV row with two faults is likewise one refused row."""
    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    one = client.post(f"{url}/paper", data={"building": "1", "entrance": "1", "room": "101",
                                            "choice": "agree", "channel": "proxy",
                                            "proxy_name": "陈明",
                                            "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")})
    page = one.get_data(as_text=True)
    assert one.status_code == 400
    assert "委托表决须填写受托人证件号码" in page and "委托表决须附书面授权委托书" in page
    assert "这张表决票有 2 处需要改正" in page and "行被拒绝" not in page
    csv_text = ("楼栋,单元,房号,意见,方式,凭证\n"
                "1,1,101,随便,纸质,missing.jpg\n"
                "1,1,202,同意,纸质,b.jpg\n"
                "1,1,999,同意,纸质,b2.jpg\n")
    batch = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff b"), "b.jpg"), (io.BytesIO(b"\xff\xd8\xff b2"), "b2.jpg")]})
    text = batch.get_data(as_text=True)
    assert batch.status_code == 400 and "有 2 行被拒绝" in text, text


def test_two_scans_of_one_name_are_named_without_direction_controls(app, world, client):
    """Two different uploads of one file name holding U+202E were refused with the raw name:
    "scan‮gpj.exe" reads as "scanexe.jpg" on the page, not the name the clerk must change."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    rows = "楼栋,单元,房号,意见,方式,凭证\n1,1,101,同意,纸质,scan\u202egpj.jpg\n"
    r = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(rows.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff one"), "a/scan\u202egpj.jpg"),
                     (io.BytesIO(b"\xff\xd8\xff two"), "b/scan\u202egpj.jpg")]})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "同名但内容不同的扫描件" in page, page
    assert "\u202e" not in page and "scangpj.jpg" in page
    # The name that reads "scanexe.jpg" is an .exe: not a scan, said with its real name.
    r = client.post(f"{url}/paper", data={
        "csv": (io.BytesIO(rows.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff one"), "a/scan\u202egpj.exe")]})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "\u202e" not in page and "scangpj.exe" in page, page


def test_the_regulator_reads_what_was_done_to_its_districts_committee_accounts(app, world,
                                                                               client, runner):
    """An administrator who resets a committee member's password and signs in as them acts
    under the member's name; the account's creation, reset and sign-ins carry no community, so
    the district's regulator, reading the audit log, saw the member's acts and not the reset
    that came just before them. It sees them now, for its district's accounts only."""
    runner.invoke(args=["users", "create", "--no-must-change", "moon_committee", "--role", "committee",
                        "--community", "MOON", "--password", "correct horse battery"])
    sign_in(client, "admin1")
    for login in ("sun_committee", "moon_committee"):
        client.post("/admin/", data={"action": "password", "login": login,
                                     "password": "admin-knows-it-1"})
        member = app.test_client()
        r = member.post("/staff/login", data={"login": login, "password": "admin-knows-it-1"})
        assert r.status_code == 302
    regulator = app.test_client()
    sign_in(regulator, "district")
    csv_data = regulator.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(csv_data))]
    sun = [(r["actor"], r["action"]) for r in rows if r["target"] == "sun_committee"]
    assert ("admin1", "account.change") in sun
    assert ("sun_committee", "account.signin") in sun
    assert ("cli", "account.create") in sun
    assert not [r for r in rows if r["target"] == "moon_committee"]
    page = regulator.get("/admin/audit").get_data(as_text=True)
    assert "sun_committee" in page and "moon_committee" not in page


def test_the_audit_page_says_what_an_account_change_was_and_where_a_sign_in_came_from(
        app, world, client):
    """Every account change read 修改账号 on the audit page: a password reset, a disabling and
    an enabling alike (the CSV's details alone told them apart), and a sign-in did not say
    from where. A reader looking for an administrator who reset a member's password and
    signed in as them could not see the reset, nor that the member's sign-in came from the
    administrator's address."""
    sign_in(client, "admin1")
    client.post("/admin/", data={"action": "disable", "login": "district"})
    client.post("/admin/", data={"action": "enable", "login": "district"})
    client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                 "password": "admin-knows-it-1"})
    member = app.test_client()
    member.post("/staff/login", data={"login": "sun_committee", "password": "admin-knows-it-1"},
                environ_base={"REMOTE_ADDR": "198.51.100.7"})
    page = client.get("/admin/audit").get_data(as_text=True)
    for words in ("修改账号（密码已重设）", "修改账号（账号已停用）", "修改账号（账号已启用）",
                  "登录（来自 198.51.100.7）"):
        assert words in page, words
    english = client.get("/admin/audit?lang=en").get_data(as_text=True)
    for words in ("Account changed (password reset)", "Account changed (disabled)",
                  "Account changed (enabled)", "Sign in (from 198.51.100.7)"):
        assert words in english, words


def test_the_regulator_is_told_when_the_audit_log_was_altered(app, world, client):
    """The audit page checked the log's chain for an administrator only: a regulator, who
    reads the log to check on the administrator and the committee, was shown an altered
    entry as if the log were intact."""
    sign_in(client, "district")
    assert "校验失败" not in client.get("/admin/audit").get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.seq == 1))
        entry.actor = "someone-else"
        db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "审计日志校验失败" in page and "entry 1" in page


def test_a_member_sets_their_own_password_which_the_administrator_does_not_know(
        app, world, client):
    """A member could not change their password: the administrator chose it and knew it for
    good, and could sign in as the member, untraceably, at any time. A member now sets their
    own (the one they had, then the new one twice); it ends their sessions elsewhere (the
    old password's), not the one they changed it in, and is audited as theirs."""
    sign_in(client, "sun_committee")
    elsewhere = app.test_client()
    sign_in(elsewhere, "sun_committee")
    wrong = client.post("/staff/password", data={"current": "not the password",
                                                 "password": "mine-alone-123",
                                                 "again": "mine-alone-123"})
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.get_data(as_text=True)
    differ = client.post("/staff/password", data={"current": "correct horse battery",
                                                  "password": "mine-alone-123",
                                                  "again": "mine-alone-124"})
    assert "两次输入的新密码不一致" in differ.get_data(as_text=True)
    short = client.post("/staff/password", data={"current": "correct horse battery",
                                                  "password": "short", "again": "short"})
    assert "至少 10 个字符" in short.get_data(as_text=True)
    done = client.post("/staff/password", data={"current": "correct horse battery",
                                                 "password": "mine-alone-123",
                                                 "again": "mine-alone-123"})
    assert done.status_code == 302
    assert client.get("/committee/").status_code == 200  # still signed in here
    assert elsewhere.get("/committee/").status_code == 302  # not there
    old = app.test_client().post("/staff/login", data={"login": "sun_committee",
                                                       "password": "correct horse battery"})
    assert old.status_code == 200
    new = app.test_client().post("/staff/login", data={"login": "sun_committee",
                                                       "password": "mine-alone-123"})
    assert new.status_code == 302
    admin = app.test_client()
    sign_in(admin, "admin1")
    csv_data = admin.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    assert any(r["actor"] == "sun_committee" and r["action"] == "account.change"
               and "changed" in r["details"] for r in csv.DictReader(io.StringIO(csv_data)))
    assert "修改账号（密码已由本人修改）" in admin.get("/admin/audit").get_data(as_text=True)


def test_an_administrator_changes_their_own_password_where_the_current_one_is_asked(
        app, world, client):
    """The accounts page reset any account's password, the administrator's own too, without
    the current one, which /staff/password asks for: someone at an administrator's
    unattended browser took the account for good. Their own is refused there, in words;
    another's reset still works."""
    from tests.staff_world import PASSWORD

    sign_in(client, "admin1")
    own = client.post("/admin/", data={"action": "password", "login": "admin1",
                                       "password": "taken-over-for-good"},
                      follow_redirects=True)
    assert "修改密码" in own.get_data(as_text=True) and "当前密码" in own.get_data(as_text=True)
    assert app.test_client().post("/staff/login", data={
        "login": "admin1", "password": "taken-over-for-good"}).status_code == 200
    assert app.test_client().post("/staff/login", data={
        "login": "admin1", "password": PASSWORD}).status_code == 302
    other = client.post("/admin/", data={"action": "password", "login": "sun_committee",
                                         "password": "a-new-password-1"},
                        follow_redirects=True)
    assert "已重设密码" in other.get_data(as_text=True)
