"""Issue 9.15: bad input gets a clear refusal — never a 500, a traceback or a hung worker."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from tests.factories import HEADER_EN, make_open_proposal, make_roll_csv, make_row
from tests.staff_world import build, clerk_client, sign_in

HUGE = "99999999999999999999"  # 20 digits: more than a 64-bit integer holds


def _create(runner, code="SUN"):
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0


def _refused(result, *words):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output, result.output


def test_csv_field_over_the_limit_is_refused(app, runner, tmp_path):
    _create(runner)
    path = tmp_path / "roll.csv"
    # An unclosed quote swallows the rest of the file into one enormous field.
    path.write_text(",".join(HEADER_EN) + "\n1,1,\"101" + "x" * 200_000 + "\n",
                    encoding="utf-8")
    _refused(runner.invoke(args=["roll", "import", "--community", "SUN", str(path)]),
             "字符")
    vote = make_open_proposal(app, runner, tmp_path, code="MOON")
    ballots = tmp_path / "ballots.csv"
    ballots.write_text("building,entrance,room,choice,channel,evidence,entered_by\n\"1"
                       + "y" * 200_000, encoding="utf-8")
    _refused(runner.invoke(args=["ballots", "import", str(vote["id"]), str(ballots)]), "字符")


@pytest.mark.parametrize("header, row", [
    # 房号 twice (an English and a Chinese column): which flat is the ballot for?
    ("building,entrance,room,choice,channel,evidence,entered_by,房号",
     "1,1,101,agree,paper,a.pdf,clerk,202"),
    ("楼栋,单元,房号,表决意见,意见,方式,凭证,录入人", "1,1,202,同意,反对,纸质,a.pdf,clerk"),
])
def test_a_ballots_file_naming_a_column_twice_is_refused(app, runner, tmp_path, header, row):
    """The roll refuses a column named twice; a ballots file took the last one, silently
    entering the ballot for another flat or with another choice than the first column."""
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4 signed form")
    ballots = tmp_path / "ballots.csv"
    ballots.write_text(header + "\n" + row + "\n", encoding="utf-8")
    _refused(runner.invoke(args=["ballots", "import", str(vote["id"]), str(ballots)]), "重复")
    page = clerk_client(app, runner).post(f"/committee/p/{vote['id']}/paper", data={
        "csv": (io.BytesIO(ballots.read_bytes()), "ballots.csv"),
        "evidence": (io.BytesIO(b"%PDF-1.4 signed form"), "a.pdf")})
    assert page.status_code == 400 and "重复" in page.get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db
        from votes.models import Ballot

        assert db.session.query(Ballot).count() == 0


@pytest.mark.parametrize("workbook", ["xlsx", "xls"])
def test_an_excel_workbook_as_a_ballots_file_is_told_to_be_saved_as_csv(app, runner, tmp_path,
                                                                       workbook):
    """Committees keep their sheets in Excel/WPS; the ballots file is CSV only. An .xlsx
    was refused as a file in an unknown text encoding, which sent the clerk after the
    wrong fix."""
    vote = make_open_proposal(app, runner, tmp_path)
    data = _xlsx([["楼栋", "单元", "房号", "意见", "方式", "凭证"], ["1", "1", "101", "同意",
                                                              "纸质", "a.pdf"]]) \
        if workbook == "xlsx" else b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    path = tmp_path / f"ballots.{workbook}"
    path.write_bytes(data)
    _refused(runner.invoke(args=["ballots", "import", str(vote["id"]), str(path)]),
             "Excel", "CSV")
    page = clerk_client(app, runner).post(f"/committee/p/{vote['id']}/paper", data={
        "csv": (io.BytesIO(data), path.name),
        "evidence": (io.BytesIO(b"%PDF-1.4 signed form"), "a.pdf")})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "Excel" in text and "编码" not in text


@pytest.mark.parametrize("field", ["area", "fund_balance"])
def test_numbers_beyond_64_bits_are_refused_in_the_roll(app, runner, tmp_path, field):
    _create(runner)
    path = make_roll_csv(tmp_path / "roll.csv", [make_row(**{field: HUGE}),
                                                 make_row(room="102", **{field: "9" * 5000})])
    _refused(runner.invoke(args=["roll", "import", "--community", "SUN", str(path)]),
             "第 2 行", "第 3 行", "上限")


def test_budget_and_amounts_beyond_64_bits_are_refused(app, runner, tmp_path):
    _create(runner)
    assert runner.invoke(args=["roll", "import", "--community", "SUN",
                               str(make_roll_csv(tmp_path / "roll.csv"))]).exit_code == 0
    base = ["proposal", "create", "--community", "SUN", "--title", "t", "--matter", "use_fund",
            "--scope", "all", "--voting-start", "2026-12-08T09:00",
            "--voting-end", "2026-12-15T09:00"]
    _refused(runner.invoke(args=[*base, "--budget", HUGE]), "上限")
    _refused(runner.invoke(args=[*base, "--budget", "100", "--item", f"a:{HUGE}"]), "上限")
    _refused(runner.invoke(args=[*base, "--budget", "100", "--title", "长" * 201]), "200")


def test_huge_ids_are_not_found(app, runner, client, tmp_path):
    world = build(app, runner, tmp_path)
    sign_in(client, "admin1")
    for url in (f"/committee/p/{HUGE}", f"/committee/p/{HUGE}/non-voters",
                f"/committee/p/{HUGE}/bundle.zip", f"/regulator/p/{HUGE}",
                f"/p/{world['sun']['uid']}/doc/{HUGE}", "/committee/p/2147483648"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/regulator/p/{HUGE}/verify").status_code == 404
    page = client.get(f"/committee/c/SUN/scope-preview?scope=all&budget={HUGE}").get_json()
    assert page["ok"] is False and "上限" in page["error"]
    _refused(runner.invoke(args=["proposal", "show", HUGE]), HUGE)
    _refused(runner.invoke(args=["proposal", "show", "²"]))


def test_overlong_text_is_refused_not_a_database_error(app, runner, client, tmp_path):
    world = build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    r = client.post(f"/committee/p/{world['sun']['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "s" * 300 + ".jpg")})
    # A scan's name is only a label: kept shortened, as for a correction (plain_text.file_label)
    assert r.status_code == 302
    _refused(runner.invoke(args=["community", "create", "X", "--name", "名" * 201]))


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bomb() -> bytes:
    """A valid-looking XLSX whose sheet XML expands a thousandfold."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["楼栋"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row r=\"2\">"
                                    + b"<c><v>1</v></c>" * 1_000_000 + b"</row></sheetData>")
            z.writestr(info, data)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_parsing(app, runner, client, tmp_path):
    bomb = _bomb()
    assert len(bomb) < 300_000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    _create(runner)
    started = time.process_time()
    _refused(runner.invoke(args=["roll", "import", "--community", "SUN", str(path)]), "CSV")
    assert time.process_time() - started < 2

    # A tiny sheet that claims a cell at XFD1048576 is read within bounds, not padded out.
    far = _xlsx([HEADER_EN])
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(far))
    wb.active["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    started = time.process_time()
    _refused(runner.invoke(args=["roll", "import", "--community", "SUN", str(path)]))
    assert time.process_time() - started < 10


def test_damaged_csv_in_the_browser_is_a_page_not_a_500(app, runner, client, tmp_path):
    build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    data = (",".join(HEADER_EN) + "\n\"" + "z" * 200_000).encode()
    r = client.post("/committee/c/SUN/roll/preview", data={"file": (io.BytesIO(data), "r.csv")})
    assert r.status_code == 200 and "字符" in r.get_data(as_text=True)
    r = client.post("/committee/c/SUN/roll/preview",
                    data={"file": (io.BytesIO(_bomb()), "r.xlsx")})
    assert r.status_code == 200 and "XLSX" in r.get_data(as_text=True)


@pytest.mark.parametrize("uid", ["x' OR '1'='1", "a\x00b", "u" * 5000, "é😀"])
def test_a_strangers_proposal_id_or_link_is_a_page_not_a_500(app, runner, tmp_path, uid):
    """The owner pages read the proposal and the link on the driver's cursor
    (votes/services/rows.py): a hostile value is a bound parameter, and a value the
    database refuses (a NUL byte on PostgreSQL) is the same clear page as anywhere else;
    the next request is served as usual."""
    vote = make_open_proposal(app, runner, tmp_path)
    client = app.test_client()
    from urllib.parse import quote

    value = quote(uid, safe="")
    for method, path in (("GET", f"/p/{value}/verify"), ("GET", f"/p/{value}/ballot"),
                         ("POST", f"/p/{value}/confirm"), ("GET", f"/v/{value}"),
                         ("GET", f"/p/{value}/receipt/{'0' * 64}")):
        r = client.open(path, method=method, data={"choice": "agree"})
        assert r.status_code in (400, 404), (path[:40], r.status_code)
        page = r.get_data(as_text=True)
        # The app's own page (the link's dead end, or the error page) saying why.
        assert "Traceback" not in page and "<h1>" in page and '<p class="lead"' in page, \
            page[-300:]
    assert client.get(f"/p/{vote['uid']}").status_code == 200


def test_non_ascii_digits_and_an_overlong_receipt_are_refused_not_a_500(app, client, runner, tmp_path):
    # "²" and "٣" pass str.isdigit(); int() refuses the first.
    from tests.factories import make_open_proposal
    from votes.core.roll import natural_key

    vote = make_open_proposal(app, runner, tmp_path)
    for start in ("²", "٣", "１"):
        assert client.get(f"/api/proposals/{vote['uid']}/chain?from={start}").status_code == 400
    assert natural_key("²") == ((1, 0, "²"),) and natural_key("10") == ((0, 2, "10"),)
    # With a ballot on the board, a 50,001-digit "receipt" was SQLite's "LIKE pattern too
    # complex": a 500 for anyone. A receipt is at most a digest's 64 digits.
    from tests.test_witness_servers import _cast

    _cast(app, vote, ["101"])
    page = client.get(f"/p/{vote['uid']}?receipt={'a' * 50_001}")
    assert page.status_code in (200, 404)


# A year-1 time east of UTC, or a year-9999 one west of it, parses but has no UTC time
# (datetime's range ends at years 1 and 9999).
OFF_THE_CALENDAR = ("0001-01-01T00:00", "9999-12-31T23:59-14:00")


@pytest.mark.parametrize("when", OFF_THE_CALENDAR)
def test_a_time_past_the_calendars_ends_is_refused_not_a_500(app, runner, client, tmp_path,
                                                             when):
    build(app, runner, tmp_path)
    sign_in(client, "sun_committee")
    form = {"title": "外墙维修", "matter": "use_fund", "scope": "all", "budget": "10.00",
            "item_title": "外墙", "item_amount": "10.00", "publicity_start": "2027-01-01T09:00",
            "voting_start": "2027-01-10T09:00", "voting_end": "2027-01-17T09:00",
            "action": "create"}
    for field in ("publicity_start", "voting_start", "voting_end"):
        r = client.post("/committee/c/SUN/proposals/new", data={**form, field: when})
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "不是有效时间" in page and when in page, field
    assert "外墙维修" not in client.get("/committee/c/SUN").get_data(as_text=True)
    sign_in(client, "district")
    for name in ("since", "until"):
        assert client.get("/regulator/", query_string={name: when}).status_code == 200
    _refused(runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "t", "--matter", "use_fund",
        "--scope", "all", "--budget", "1", "--voting-start", when,
        "--voting-end", "2027-01-17T09:00"]), "不是有效时间")


def test_an_answer_to_an_objection_past_the_chains_integers_is_not_found(app, runner,
                                                                         tmp_path):
    """`votes proposal answer ID SEQ` with a SEQ past the column's integers was SQLite's
    OverflowError (a traceback), as `ballots correct --entry` and `withdraw` were before."""
    from tests.procedure_world import close_at_end, open_vote, vote

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {"A": "agree"})
    close_at_end(app, runner, pid)
    for seq in (HUGE, str(2 ** 31)):
        _refused(runner.invoke(args=["proposal", "answer", pid, seq, "--decision", "noted",
                                     "--text", "已核实"]), f"没有第 {seq} 条异议")


def test_rules_of_an_unknown_matter_are_refused_not_a_traceback(app, runner):
    """`votes community rules CODE --matter X` without --set shows the rules: an unknown
    matter was Python's ValueError; with --set it was already refused in these words."""
    _create(runner)
    for args in ([], ["--set", "approval_area=>=3/4"]):
        _refused(runner.invoke(args=["community", "rules", "SUN", "--matter", "fund",
                                     *args]), "表决事项类型“fund”无效")


def test_a_threshold_past_the_chains_integers_is_refused(app, runner, client, tmp_path):
    """A threshold of ≥N/N (everyone must agree) with N past 2^53 was accepted, frozen into
    the proposal's genesis, and every bundle of that vote then failed verification (1.4:
    an integer out of range): the vote could never be proved."""
    from tests.factories import make_open_proposal

    huge = f">={HUGE}/{HUGE}"
    make_open_proposal(app, runner, tmp_path)
    _refused(runner.invoke(args=["community", "rules", "SUN", "--set",
                                 f"approval_area={huge}"]), "门槛", "无效")
    build_admin = runner.invoke(args=["users", "create", "--no-must-change", "root", "--role", "admin",
                                      "--password", "correct horse battery"])
    assert build_admin.exit_code == 0, build_admin.output
    r = client.post("/staff/login", data={"login": "root", "password": "correct horse battery"})
    assert r.status_code == 302
    page = client.post("/admin/", data={"action": "rules", "code": "SUN", "matter": "use_fund",
                                        "rule": "approval_headcount", "threshold": huge},
                       follow_redirects=True).get_data(as_text=True)
    assert "门槛" in page and "无效" in page
    with app.app_context():
        from votes.services.communities import get_community

        assert "use_fund" not in (get_community("SUN").rules or {})
    # Everyone agreeing, written with the denominators people use, is still a rule.
    ok = runner.invoke(args=["community", "rules", "SUN", "--set", "approval_area=>=100/100"])
    assert ok.exit_code == 0, ok.output


def test_a_publicity_period_past_any_calendar_is_refused(app, runner, tmp_path):
    """publicity_days=3000000 was accepted as a rule, and every proposal of the community
    was then Python's OverflowError (a traceback from `votes proposal create`, a 500 on the
    committee's form) while counting that many days back from the voting start."""
    from tests.factories import make_draft

    make_draft(app, runner, tmp_path)
    for days in ("3000000", "366"):
        _refused(runner.invoke(args=["community", "rules", "SUN", "--set",
                                     f"publicity_days={days}"]), "公示期", "365")
    ok = runner.invoke(args=["community", "rules", "SUN", "--set", "publicity_days=365"])
    assert ok.exit_code == 0 and "公示期至少 365 天" in ok.output, ok.output


@pytest.mark.parametrize("setting", ["approval_area=>=3/2", "quorum_area=>=0/0",
                                     "approval_base=all"])
def test_a_rule_out_of_its_range_is_refused_in_chinese(app, runner, client, setting):
    """A fraction above 1 or over 0, or an approval base other than the two, was refused in
    Python's English ("threshold must be a fraction between 0 and 1: 3/2"), on the command
    line and on the administrator's page alike."""
    _create(runner)
    result = runner.invoke(args=["community", "rules", "SUN", "--set", setting])
    _refused(result)
    assert "must be" not in result.output and "无效" in result.output, result.output
    assert runner.invoke(args=["users", "create", "--no-must-change", "root", "--role", "admin", "--password",
                               "correct horse battery"]).exit_code == 0
    client.post("/staff/login", data={"login": "root", "password": "correct horse battery"})
    page = client.post("/admin/", data={"action": "rules", "code": "SUN", "matter": "use_fund",
                                        "settings": setting},
                       follow_redirects=True).get_data(as_text=True)
    assert "must be" not in page and "无效" in page
