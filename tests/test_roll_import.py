"""Owner roll import through the `votes` CLI: every bad row named, nothing half-applied."""

from __future__ import annotations

import io
import random

import pytest
from sqlalchemy import func, select

from tests.factories import HEADER_EN, HEADER_ZH, make_roll_csv, make_roll_xlsx, make_row, resident_id, sample_rows


def _create(runner, code="SUN"):
    result = runner.invoke(args=["community", "create", code, "--name", "阳光花园",
                                 "--jurisdiction", "350502"])
    assert result.exit_code == 0, result.output
    return code


def _count(app, model) -> int:
    from votes.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_and_show_counts_as_the_law_counts(app, runner, tmp_path):
    _create(runner)
    path = make_roll_csv(tmp_path / "roll.csv")
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    # Said as the web preview says it: owners on the roll (by ID number) and the voters the
    # law counts are two numbers; "5 位业主" said neither.
    assert ("已导入业主名册：7 户；名册登记业主 5 名（按证件号码计）；表决人数按法定规则计 5 人"
            in result.output), result.output
    assert "总面积 654.75 m²" in result.output and "位业主" not in result.output
    again = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace", str(path)],
                          env={"VOTES_LANG": "en"})
    assert again.exit_code == 0, again.output
    assert "Owner roll replaced: 7 units; the roll names 5 owners (by ID number)" in again.output
    assert "the law counts 5 voters" in again.output, again.output

    shown = runner.invoke(args=["roll", "show", "--community", "SUN"])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "房屋：7 户" in out
    assert "专有部分总面积：654.75 m²" in out
    # 张三's two units are one voter; 李四+王五 co-own one; the developer's units are one;
    # 李四's own unit is a voter apart from the co-owned one.
    assert "业主人数（表决人数）：5" in out
    assert "登记：5" in out and "实测：1" in out and "合同：1" in out
    english = runner.invoke(args=["roll", "show", "--community", "SUN"],
                            env={"VOTES_LANG": "en"}).output
    assert "Total area: 654.75 m²" in english and "Voters (headcount): 5" in english
    assert "Registered: 5" in english and "登记" not in english


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_with_chinese_headers(app, runner, tmp_path, encoding):
    _create(runner)
    path = make_roll_csv(tmp_path / "roll.csv", header=HEADER_ZH, encoding=encoding)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    from votes.models import Owner
    from votes.services import privacy
    from votes.extensions import db

    with app.app_context():
        names = {privacy.decrypt(o.name_enc) for o in db.session.scalars(select(Owner))}
    assert "阳光地产有限公司" in names and "张三" in names


def test_excel_tab_separated_text_is_read_by_its_tabs(app, runner, client, tmp_path):
    """Excel's and WPS's "文本文件(制表符分隔)(*.txt)" is the roll with tabs between the
    cells, in GB18030: a .txt upload is accepted, but its header was read as one cell and
    the roll refused as 缺少必填列 楼栋 … for a file whose first line names them all."""
    from tests.factories import HEADER_EN
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    lines = ["\t".join(HEADER_ZH)] + ["\t".join(r[n] for n in HEADER_EN)
                                      for r in sample_rows()]
    data = ("\r\n".join(lines) + "\r\n").encode("gb18030")
    path = tmp_path / "名册.txt"
    path.write_bytes(data)
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 0, result.output
    assert "7 户；名册登记业主 5 名（按证件号码计）；表决人数按法定规则计 5 人" in result.output
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview",
                       data={"file": (io.BytesIO(data), "名册.txt")}).get_data(as_text=True)
    assert "将导入 7 户；名册登记业主 5 名（按证件号码计）；表决人数按法定规则计 5 人" in page, page
    # A cell may still hold a tab in a comma-separated file: the first line decides.
    rows = sample_rows()
    rows[4]["owner_name"] = "赵\t六"
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 0 and "7 户" in result.output, result.output


def test_xlsx_first_sheet(app, runner, tmp_path):
    _create(runner)
    path = make_roll_xlsx(tmp_path / "roll.xlsx")
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["roll", "show", "--community", "SUN"])
    assert "专有部分总面积：654.75 m²" in shown.output


BAD_ROWS = {
    "two areas for one unit": (
        [make_row(room="101"), make_row(room="101", owner_id=resident_id(9), owner_name="钱七",
                                        area="90.00")],
        3, "面积或面积依据不同"),
    "two bases for one unit": (
        [make_row(room="101"), make_row(room="101", owner_id=resident_id(9), owner_name="钱七",
                                        area_basis="合同")],
        3, "面积或面积依据不同"),
    "area with three decimals": ([make_row(area="89.555")], 2, "面积"),
    "zero area": ([make_row(area="0")], 2, "面积"),
    "negative area": ([make_row(area="-5")], 2, "面积"),
    "area not a number": ([make_row(area="八十")], 2, "面积"),
    "bad ID checksum": ([make_row(owner_id=resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1"))],
                        2, "校验位"),
    "one ID two names": (
        [make_row(room="101"), make_row(room="102", owner_name="张叁")], 3, "姓名不同"),
    "unknown kind": ([make_row(owner_kind="租户")], 2, "业主类型"),
    "unknown area basis": ([make_row(area_basis="估算")], 2, "面积依据"),
    "bad phone": ([make_row(phone="12345")], 2, "手机号"),
    "landline too short": ([make_row(phone="010-123456")], 2, "手机号"),
    "landline without area code": ([make_row(phone="12345678")], 2, "手机号"),
    "international prefix": ([make_row(phone="0086-12345678")], 2, "手机号"),
    "letters in a phone": ([make_row(phone="010-1234abcd")], 2, "手机号"),
}


def test_landlines_are_accepted_and_the_import_says_they_get_no_sms(app, runner, client,
                                                                    tmp_path):
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    rows = sample_rows()
    rows[0] = dict(rows[0], phone="010-12345678")
    rows[1] = dict(rows[1], phone="0755 1234 5678")
    rows[2] = dict(rows[2], phone="021-1234567")
    rows[7] = dict(rows[7], phone="（0591）87654321")
    path = make_roll_csv(tmp_path / "r.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 0, result.output
    # 李四 (rows 1 and 7) is one owner, with the number of the first row: three owners.
    assert "3 位业主的联系电话是固定电话" in result.output and "短信" in result.output
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), "r.csv")}).get_data(as_text=True)
    assert "将导入 7 户" in page and "3 位业主的联系电话是固定电话" in page
    # The page after confirming says it too, as the CLI does; it said only 已导入业主名册.
    token = page.split('name="token" value="')[1].split('"')[0]
    page = client.post("/committee/c/SUN/roll/confirm", data={"token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "已替换业主名册" in page and "3 位业主的联系电话是固定电话" in page, page
    english = client.get("/committee/c/SUN?lang=en")  # the flash was shown once, and is gone
    assert "固定电话" not in english.get_data(as_text=True)


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_rows_are_named_and_nothing_changes(app, runner, tmp_path, case):
    from votes.models import Owner, Unit

    rows, bad_row, words = BAD_ROWS[case]
    _create(runner)
    good = make_roll_csv(tmp_path / "good.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(good)]).exit_code == 0
    before = (_count(app, Unit), _count(app, Owner))

    # A good row first so a half-applied import would show.
    rows = [make_row(building="9", room="901", owner_id=resident_id(50), owner_name="孙八")] + rows
    path = make_roll_csv(tmp_path / "bad.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace", str(path)])
    assert result.exit_code == 1
    assert f"第 {bad_row + 1} 行" in result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert (_count(app, Unit), _count(app, Owner)) == before


def test_every_problem_is_listed_at_once(app, runner, tmp_path):
    _create(runner)
    rows = [make_row(area="x"), make_row(room="102", owner_kind="?"), make_row(room="103")]
    result = runner.invoke(args=["roll", "import", "--community", "SUN",
                                 str(make_roll_csv(tmp_path / "r.csv", rows))])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "第 3 行" in result.output
    assert "2 处错误" in result.output


def test_missing_required_column(app, runner, tmp_path):
    _create(runner)
    path = tmp_path / "roll.csv"
    path.write_text("楼栋,房号,面积,业主姓名,证件号码,业主类型\n1,101,80,张三,X1,个人\n",
                    encoding="utf-8")
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1
    assert "第 1 行：缺少必填列 面积依据" in result.output


def test_reimport_needs_explicit_replace(app, runner, tmp_path):
    _create(runner)
    path = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(path)]).exit_code == 0
    again = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert again.exit_code == 1 and "--replace" in again.output
    smaller = make_roll_csv(tmp_path / "small.csv", sample_rows()[:2])
    replaced = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                                   str(smaller)])
    assert replaced.exit_code == 0, replaced.output
    shown = runner.invoke(args=["roll", "show", "--community", "SUN"])
    assert "房屋：2 户" in shown.output


def test_personal_data_is_encrypted_at_rest_and_matched_by_keyed_hash(app, runner, tmp_path):
    from votes.extensions import db
    from votes.models import Owner
    from votes.services import privacy

    _create(runner)
    runner.invoke(args=["roll", "import", "--community", "SUN",
                        str(make_roll_csv(tmp_path / "roll.csv"))])
    with app.app_context():
        owners = list(db.session.scalars(select(Owner)))
        blob = b"".join(o.name_enc + o.id_enc + (o.phone_enc or b"") for o in owners)
        assert "张三".encode() not in blob and resident_id(1).encode() not in blob
        assert b"13912345678" not in blob
        match = db.session.scalar(select(Owner).where(Owner.id_hash == privacy.id_hash(resident_id(1))))
        assert privacy.decrypt(match.name_enc) == "张三"


def test_unknown_community_and_unreadable_file(app, runner, tmp_path):
    result = runner.invoke(args=["roll", "import", "--community", "NOPE", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "NOPE" in result.output
    _create(runner)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "无法读取" in result.output
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "CSV" in result.output


def test_community_create_rejects_duplicates_and_bad_codes(app, runner):
    _create(runner)
    again = runner.invoke(args=["community", "create", "SUN", "--name", "x"])
    assert again.exit_code == 1 and "已存在" in again.output
    bad = runner.invoke(args=["community", "create", "a b", "--name", "x"])
    assert bad.exit_code == 1 and "无效" in bad.output


def test_show_units_lists_area_basis_and_masked_owners(app, runner, tmp_path):
    _create(runner)
    runner.invoke(args=["roll", "import", "--community", "SUN",
                        str(make_roll_csv(tmp_path / "roll.csv"))])
    out = runner.invoke(args=["roll", "show", "--community", "SUN", "--units"]).output
    lines = [line for line in out.splitlines() if line.startswith("1-1-")]
    assert len(lines) == 4
    assert lines[0].startswith("1-1-101\t89.50\t登记\t#")
    assert "张*（3505**********" in lines[0]
    assert resident_id(1) not in out and "张三" not in out
    # 张三's two units carry the same voter number.
    assert lines[0].split("\t")[3] == next(x for x in lines if x.startswith("1-1-201")).split("\t")[3]


def test_xlsx_ids_stored_as_numbers_are_explained(app, runner, tmp_path):
    from openpyxl import Workbook

    _create(runner)
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER_ZH)
    ws.append(["1", "1", 101, 89.5, "登记", "张三", 350502198001011234, "个人", "", ""])
    path = tmp_path / "numbers.xlsx"
    wb.save(path)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "文本" in result.output


def test_a_first_deposit_of_0_is_imported_with_a_warning(app, runner, client, tmp_path):
    """A first deposit of 0 leaves settlement unable to judge 需续筹 (30 % of 0 is 0): it
    was stored with no word. The file is still accepted, and the CLI, the browser's preview
    and the page after confirming name the units (at most ten)."""
    from tests.staff_world import build, sign_in
    from votes.models import Unit

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    rows = [dict(r, first_deposit="0") for r in sample_rows()]
    rows[0] = dict(rows[0], first_deposit="5000.00")  # 1-1-101: a deposit on record
    rows[5] = dict(rows[5], first_deposit="0.00")
    path = make_roll_csv(tmp_path / "r.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 0, result.output
    assert "7 户" in result.output
    assert "6 户首期交存额为 0" in result.output and "需续筹" in result.output, result.output
    assert "1-1-102" in result.output and "1-1-101" not in result.output, result.output
    with app.app_context():
        from votes.extensions import db

        from votes.models import Community

        assert sorted(db.session.scalars(select(Unit.first_deposit).join(
            Community, Community.id == Unit.community_id).where(Community.code == "MOON"))) \
            == [0] * 6 + [500000]
    english = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                  str(path)], env={"VOTES_LANG": "en"})
    assert english.exit_code == 0 and "首期交存" not in english.output, english.output
    assert "first deposit" in english.output.lower(), english.output

    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), "r.csv")}).get_data(as_text=True)
    assert "6 户首期交存额为 0" in page and "1-1-102" in page and "roll-confirm" in page, page
    token = page.split('name="token" value="')[1].split('"')[0]
    page = client.post("/committee/c/SUN/roll/confirm", data={"token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "已替换业主名册" in page and "6 户首期交存额为 0" in page, page
    assert "1-1-102" in page and "需续筹" in page, page
    # An import with no zero deposit says nothing of it.
    plain = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                str(make_roll_csv(tmp_path / "plain.csv"))])
    assert plain.exit_code == 0 and "首期交存" not in plain.output, plain.output


def test_at_most_ten_units_with_a_first_deposit_of_0_are_named(app, runner, tmp_path):
    _create(runner)
    rows = [make_row(room=f"{100 + i}", owner_id=resident_id(1), first_deposit="0")
            for i in range(1, 13)]
    result = runner.invoke(args=["roll", "import", "--community", "SUN",
                                 str(make_roll_csv(tmp_path / "r.csv", rows))])
    assert result.exit_code == 0, result.output
    assert "12 户首期交存额为 0" in result.output, result.output
    assert "1-1-110" in result.output and "1-1-111" not in result.output, result.output


def test_the_zero_deposit_warning_stays_small_whatever_the_labels(app, runner, client,
                                                                 tmp_path):
    """The warning after confirming is flashed, so it travels in the signed session cookie;
    ten labels of 64 + 64 + 64 CJK characters made it about 7 KB, past the browser's 4 KB, and
    the browser dropped the cookie (and the warning with it). Each named label is shortened,
    keeping its start and its room."""
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    # Varied characters: the session cookie is compressed, and "东" * 64 would shrink to nothing.
    pick = random.Random(8).choice
    plain = [chr(c) for c in range(0x4E00, 0x9FA5) if chr(c) not in "第号楼栋幢座单元室"
             "零〇一二三四五六七八九十百千万两"]

    def text(n: int) -> str:
        return "东" + "".join(pick(plain) for _ in range(n - 1))

    rows = [make_row(building=text(64), entrance=text(64), room=text(61) + f"{i:03d}",
                     owner_id=resident_id(1), first_deposit="0") for i in range(1, 13)]
    path = make_roll_csv(tmp_path / "long.csv", rows)
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), "long.csv")}).get_data(as_text=True)
    assert "12 户首期交存额为 0" in page and "roll-confirm" in page, page
    token = page.split('name="token" value="')[1].split('"')[0]
    confirmed = client.post("/committee/c/SUN/roll/confirm", data={"token": token})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    cookies = confirmed.headers.getlist("Set-Cookie")
    assert cookies and all(len(c.encode()) < 4000 for c in cookies), \
        [len(c.encode()) for c in cookies]
    page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "已替换业主名册" in page and "12 户首期交存额为 0" in page, page
    said = page.split("12 户首期交存额为 0")[1].split("</p>")[0]
    assert rows[0]["building"][:10] in said and "…" in said and "010 等" in said, said
    assert rows[0]["building"] not in said and "011" not in said, said


@pytest.mark.parametrize("spelling", [
    "\u00a0",  # a no-break space, pasted from a web page or a Word table
    "\u3000",  # an ideographic space, typed with a Chinese input method
    "\u200b",  # a zero-width space: invisible in every sheet
    "fullwidth",  # the digits typed with the input method in full-width mode
])
def test_one_id_however_spaced_or_typed_is_one_owner(app, runner, tmp_path, spelling):
    """The roll hashed an ID as typed, less ASCII spaces: 张三's two flats, his ID written
    once with a no-break space in it, were two owners, and the headcount of the double
    majority counted him twice. A full-width ID was refused as a wrong check digit."""
    _create(runner)
    plain = resident_id(1)
    if spelling == "fullwidth":
        other = "".join(chr(ord(c) + 0xFEE0) for c in plain)
    else:
        other = plain[:6] + spelling + plain[6:14] + spelling + plain[14:]
    company = "91350500MA2XXXXX1A"
    rows = [make_row(room="101"), make_row(room="102", owner_id=other),
            make_row(room="201", owner_name="阳光物业", owner_kind="单位", owner_id=company),
            make_row(room="202", owner_name="阳光物业", owner_kind="单位",
                     owner_id=company.lower().replace("ma", "ｍａ"))]
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 户；名册登记业主 2 名" in result.output, result.output
    shown = runner.invoke(args=["roll", "show", "--community", "SUN"]).output
    assert "业主人数（表决人数）：2" in shown, shown


def test_a_mobile_written_with_spaces_or_full_width_digits_is_kept_as_its_digits(app, runner,
                                                                                tmp_path):
    """A mobile number written 139 1234 5678 or 139-1234-5678, as rolls often group it, or
    typed in full-width digits, was refused row by row (a landline may be written so), the
    full-width one quoted back as “１３９****５６７８”, which looks right; and one whose
    first digit alone was half-width passed, to be sent to the SMS gateway in full width."""
    from votes.extensions import db
    from votes.models import Owner
    from votes.services import privacy

    _create(runner)
    rows = [make_row(room="101", owner_id=resident_id(1), phone="139 1234 5678"),
            make_row(room="102", owner_id=resident_id(2), owner_name="李四",
                     phone="139-1234-5679"),
            make_row(room="103", owner_id=resident_id(3), owner_name="王五",
                     phone="１３９１２３４５６８０"),
            make_row(room="104", owner_id=resident_id(4), owner_name="赵六",
                     phone="1３９１２３４５６８１")]
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 0, result.output
    assert "固定电话" not in result.output, result.output
    with app.app_context():
        phones = sorted(privacy.decrypt(o.phone_enc) for o in db.session.scalars(select(Owner)))
    assert phones == ["13912345678", "13912345679", "13912345680", "13912345681"]


@pytest.mark.parametrize("first", ["empty", "hidden"])
def test_a_roll_on_another_sheet_than_the_first_is_said_so(app, runner, tmp_path, first):
    """The roll is read from the workbook's first sheet. A workbook whose first sheet is
    empty (an instructions tab left blank) was refused as 文件是空的, with the roll in plain
    sight on the next tab; one whose first sheet is hidden (a lookup table) was refused as
    missing every column, or, had it held a roll, imported rows the committee never saw."""
    from openpyxl import Workbook

    _create(runner)
    wb = Workbook()
    cover = wb.active
    cover.title = "说明"
    if first == "hidden":
        cover.append(["楼栋", "房号"])
        cover.sheet_state = "hidden"
    roll = wb.create_sheet("名册")
    roll.append(HEADER_ZH)
    roll.append([make_row()[name] for name in HEADER_EN])
    wb.active = 1
    path = tmp_path / "roll.xlsx"
    wb.save(path)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1
    assert "第一个工作表“说明”" in result.output and "文件是空的" not in result.output, \
        result.output
    assert "缺少必填列" not in result.output


def test_the_preview_of_a_wrong_file_lists_its_first_problems_not_all(app, runner, client,
                                                                      tmp_path):
    """A file of another kind uploaded as the roll (columns shifted, a whole city's export)
    has problems on every row: the preview listed them all, a page of tens of MB for a
    city's 100,000 rows, as the ballots file's did before it listed the first 100."""
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)
    rows = [make_row(room=str(1000 + i), owner_id=resident_id(i), owner_name=f"业主{i}",
                     area="x" * 200) for i in range(300)]
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), "roll.csv")}).get_data(as_text=True)
    assert "名册有 300 处错误，未导入任何数据" in page
    assert page.count("x" * 20 + "…") == 100  # each problem quotes the row's area, cut
    assert "x" * 21 not in page
    assert "另有 200 个问题未列出；请先改正以上各行" in page, page[-2000:]
    assert 'name="token"' not in page


@pytest.mark.parametrize("name, words", [
    ("张" * 40_000, "业主姓名超过 100 个字"),
    ("张三\x07", "业主姓名含有控制字符"),
    ("张三\n李四", "业主姓名含有换行：共有人请每人填写一行"),
    ("张三\r\n李四", "业主姓名含有换行"),
])
def test_an_owner_name_is_held_to_what_a_proxys_name_is(app, runner, tmp_path, name, words):
    """A proxy's or buyer's name is at most 100 characters without control characters; the
    roll took any owner name: a 40,000-character cell, or one with a bell or line break,
    went into the frozen roll, the notices and the lobby poster. Two co-owners typed into
    one cell on two lines were imported as one owner named "张三\\n李四"."""
    from votes.models import Owner

    _create(runner)
    path = make_roll_csv(tmp_path / "r.csv", [make_row(owner_name=name)])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1, result.output
    assert f"第 2 行：{words}" in result.output, result.output[:2000]
    assert len(result.output) < 2000
    assert _count(app, Owner) == 0


@pytest.mark.parametrize("id_number, words", [
    ("1" * 40_000, "证件号码超过 64 个字"),
    ("91110000MA00\x07X1234", "证件号码含有控制字符"),
])
def test_an_owner_id_is_held_to_what_a_proxys_id_is(app, runner, tmp_path, id_number, words):
    """The roll took any ID: a 40,000-character cell, or one with a control character, went
    encrypted into the frozen roll (and its mask into every message naming it), where a
    proxy's or buyer's ID is refused past 64 characters or with a control character."""
    from votes.models import Owner

    _create(runner)
    path = make_roll_csv(tmp_path / "r.csv", [make_row(owner_id=id_number,
                                                       owner_kind="单位")])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1, result.output
    assert f"第 2 行：{words}" in result.output, result.output[:2000]
    assert len(result.output) < 2000
    assert _count(app, Owner) == 0


@pytest.mark.parametrize("made, named", [("xlsx", "roll.csv"), ("xlsx", "roll.txt"),
                                         ("csv", "roll.xlsx"), ("csv", "roll.xlsm")])
def test_a_roll_is_read_by_what_it_holds_not_by_its_name(app, runner, client, tmp_path, made,
                                                         named):
    """A workbook saved under a .csv name was refused as 无法识别文件编码 (an encoding the
    committee had not chosen), and a CSV under a .xlsx name as 无法打开 XLSX 文件: both
    sent the committee after the wrong fix, for a file the app can read."""
    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    source = (make_roll_xlsx(tmp_path / "made.xlsx") if made == "xlsx"
              else make_roll_csv(tmp_path / "made.csv"))
    path = tmp_path / named
    path.write_bytes(source.read_bytes())
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 0 and "7 户" in result.output, result.output
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), named)}).get_data(as_text=True)
    assert "将导入 7 户" in page, page[-3000:]
    token = page.split('name="token" value="')[1].split('"')[0]
    page = client.post("/committee/c/SUN/roll/confirm", data={"token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "已替换业主名册" in page


@pytest.mark.parametrize("named", ["roll.csv", "roll.xlsx"])
def test_an_old_excel_or_wps_workbook_is_told_to_be_saved_as_xlsx_or_csv(app, runner, tmp_path,
                                                                        named):
    _create(runner)
    path = tmp_path / named
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # .xls / .et (OLE2)
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1
    assert "Excel" in result.output and "另存为" in result.output, result.output
    assert "编码" not in result.output and "无法打开" not in result.output


@pytest.mark.parametrize("field, words", [
    ("area", "面积"), ("area_basis", "面积依据"), ("owner_kind", "业主类型"),
    ("fund_balance", "分户账余额"), ("first_deposit", "首期交存额"), ("unit_kind", "房屋类型"),
    ("phone", "手机号")])
def test_a_bad_value_is_quoted_cut_short(app, runner, tmp_path, field, words):
    """A cell holds up to 32,767 characters: a wrong area, basis, kind or balance was
    quoted whole in its message, and a wrong phone masked whole (the type and the deposit
    were cut at 20), so one bad cell made a page, or a CLI output, of 32 KB per row."""
    _create(runner)
    cell = "八" * 32_767
    path = make_roll_csv(tmp_path / "r.csv", [make_row(**{field: cell})])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and words in result.output, result.output[:500]
    cut = "八" * 20 if field != "phone" else "八八八" + "*" * 17
    assert cut + "…" in result.output and "八" * 21 not in result.output
    assert len(result.output) < 500


def test_merged_cells_are_said_to_be_merged_not_empty(app, runner, client, tmp_path):
    """A roll kept in Excel often merges a building's cell over its rooms' rows. The file
    holds the value in the first row only: the rows below were refused as 楼栋为空, for
    cells the committee sees filled in. (Filling them down is not done: see roll_file.)"""
    from openpyxl import Workbook

    from tests.staff_world import build, sign_in

    build(app, runner, tmp_path)  # SUN and MOON, each with the sample roll, and their staff
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER_ZH + ["备注"])
    for i, room in enumerate(("101", "102", "103")):
        ws.append([make_row(room=room, owner_id=resident_id(60 + i), owner_name=f"业主{i}")[n]
                   for n in HEADER_EN] + [""])
    ws.merge_cells("A2:A4")  # 楼栋
    ws.merge_cells("B3:C3")  # 单元 over 房号 in one row
    ws.merge_cells("K2:K4")  # 备注, a column the roll does not read
    path = tmp_path / "roll.xlsx"
    wb.save(path)
    result = runner.invoke(args=["roll", "import", "--community", "MOON", "--replace",
                                 str(path)])
    assert result.exit_code == 1
    out = result.output
    assert "为空" not in out, out
    assert "A2:A4" in out and "B3:C3" in out and "K2" not in out, out
    assert "取消合并" in out
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(path.read_bytes()), "roll.xlsx")}).get_data(as_text=True)
    assert "A2:A4" in page and "取消合并" in page and "为空" not in page


@pytest.mark.parametrize("column, value, words", [
    ("building", "䶮园1号楼", "楼栋含有印不出的字“䶮”"),
    ("room", "1☐01", "房号含有印不出的字“☐”"),
])
def test_a_unit_label_the_printed_font_cannot_draw_is_refused(app, runner, tmp_path, column,
                                                             value, words):
    """A building, entrance or room is printed on every notice, the result notice and the
    settlement notice: a 䶮 or ☐ in it printed as an empty box, so the lobby sheet could not
    say which flat a line was. Refused at the import, naming the row and the character."""
    from votes.models import Unit

    _create(runner)
    path = make_roll_csv(tmp_path / "r.csv", [make_row(**{column: value})])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1, result.output
    assert f"第 2 行：{words}" in result.output, result.output[:2000]
    assert _count(app, Unit) == 0
