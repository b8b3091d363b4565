"""The documents printed after a vote (result notice, settlement notice, the fund
application package) say one thing in one way: units, dates, and which money is which."""

from __future__ import annotations

import re

from tests.browser import pdf_text
from tests.money_world import low_balance_rows, passed_vote


def _flat(pdf) -> str:
    return re.sub(r"\s+", "", pdf_text(pdf))


def _result_notice(app, pid) -> bytes:
    with app.app_context():
        from votes.services.lifecycle import get_proposal
        from votes.services.result_notice import result_notice_pdf

        return result_notice_pdf(get_proposal(pid))


def test_the_result_notice_gives_areas_in_square_metres_and_heads_in_people(
        app, runner, tmp_path):
    """The result notice printed its figures bare ("594.75 / 654.75"), where the settlement
    notice, the application form and the screens say m²: an owner could not tell an area
    from a count. Every area has its m², every headcount its 人, as on the form."""
    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    text = _flat(_result_notice(app, pid))
    assert "参与表决专有面积：594.75m²/654.75m²，门槛≥2/3，需436.50m²，达到" in text, text
    assert "参与表决人数：4人/5人，门槛≥2/3，需4人，达到" in text, text
    assert "同意的专有面积：394.75m²/594.75m²" in text, text


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _settled_package(app, runner, tmp_path) -> dict:
    """A passed vote, its works done and settled at 6,400.00; every printed document."""
    import zipfile

    from tests.money_world import works_done

    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid = vote["pid"]
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    docs = {"result-notice": _result_notice(app, pid)}
    for name, args in (("settlement", []), ("settlement-balances", ["--balances"])):
        out = tmp_path / f"{name}.pdf"
        result = runner.invoke(args=["works", "settlement-notice", pid, *args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        docs[name] = out.read_bytes()
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        docs.update({n: z.read(n) for n in z.namelist()})
    return docs


def test_every_printed_document_writes_its_dates_one_way(app, runner, tmp_path):
    """The result notice was dated 2026年12月08日, the settlement notice 2026-12-08, its
    acceptance 2026-12-08 and the form's vote 2026-12-01 09:00: three ways on papers the fund
    office reads side by side, two of them on the result notice alone. Every printed
    document writes a day as a posted notice does, 2026年12月8日, and a time after it."""
    docs = _settled_package(app, runner, tmp_path)
    texts = {name: _flat(docs[name]) for name in ("result-notice", "settlement",
                                                  "settlement-balances", "application-form.pdf")}
    for name, text in texts.items():
        assert not ISO_DAY.search(text), (name, ISO_DAY.search(text).group(0), text)
        assert "2026年12月08日" not in text, name
    assert "表决时间：2026年12月1日09:00至2026年12月8日09:00（北京时间）" in texts["result-notice"]
    assert "日期：2026年12月8日" in texts["result-notice"]
    for name in ("settlement", "settlement-balances"):
        assert "验收日期：2026年12月8日" in texts[name], texts[name]
        assert "日期：2026年12月8日" in texts[name]
    assert "业主表决：2026年12月1日09:00至2026年12月8日09:00（北京时间）" in \
        texts["application-form.pdf"]


def test_the_voting_notice_and_poster_write_dates_as_the_other_documents(app, runner, tmp_path):
    """The voting notice gave its periods as 2026-12-01 09:00 and its own date as
    2026年12月01日, the poster its end as 2026-12-08 09:00: the same helper as the result
    and settlement notices now writes them all."""
    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path)
    notices = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(notices)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.notices import poster_pdf

        poster = poster_pdf(str(vote["id"]))
    for text in (_flat(notices), _flat(poster)):
        assert not ISO_DAY.search(text), text
        assert "2026年12月8日09:00" in text, text
    assert "日期：2026年12月1日" in _flat(notices)


def _committee_notice_rows(pdf: bytes) -> dict[str, list[str]]:
    """The settlement notice's (committee copy) table: unit -> its cells after the unit."""
    rows = {}
    for line in pdf_text(pdf).splitlines():
        cells = line.split()
        if cells and re.fullmatch(r"\d号楼\d单元\d{3}室", cells[0]):
            rows[cells[0]] = cells[1:]
    return rows


def test_a_settled_package_carries_the_settlement_beside_the_budget(app, runner, tmp_path):
    """After the settlement the package still split the approved budget (1-1-101: 895.00)
    where the settlement notice split the final cost (874.84), its 分户账不足合计 was the
    budget's, and the form never gave the final cost: the fund office reading both saw two
    figures for one flat. Once settled, the form gives the final cost and the shortfall of
    its apportionment, the tables the settlement's shares, debits and shortfalls as the
    settlement notice prints them, beside the budget's, each labelled, and the README says
    which is which."""
    import csv
    import io

    from openpyxl import load_workbook

    docs = _settled_package(app, runner, tmp_path)
    notice = _committee_notice_rows(docs["settlement-balances"])
    assert len(notice) == 7, notice

    rows = list(csv.reader(io.StringIO(docs["apportionment.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["building", "entrance", "room", "area_m2", "share_yuan", "balance_yuan",
                       "shortfall_yuan", "settled_share_yuan", "debited_yuan",
                       "settled_shortfall_yuan"]
    body = {f"{r[0]}号楼{r[1]}单元{r[2]}室": r for r in rows[1:]}
    assert body["1号楼1单元101室"][4] == "895.00" and body["1号楼1单元101室"][7] == "874.84"
    assert sum(int(r[4].replace(".", "")) for r in rows[1:]) == 654750  # the budget
    assert sum(int(r[7].replace(".", "")) for r in rows[1:]) == 640000  # the final cost
    for unit, cells in notice.items():
        # 面积, 分摊, 已扣减, 扣减后余额, 不足 as the notice prints them
        area, share, debited, _after, shortfall = [c.replace(",", "") for c in cells[:5]]
        r = body[unit]
        assert (r[3], r[7], r[8], r[9]) == (area, share, debited, shortfall), (unit, r, cells)

    ws = load_workbook(io.BytesIO(docs["apportionment.xlsx"])).active
    header = [c.value for c in ws[2]]
    assert "预算分摊(元)" in header and "结算分摊(元)" in header, header
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "合计"
    assert round(total[header.index("预算分摊(元)")] * 100) == 654750
    assert round(total[header.index("结算分摊(元)")] * 100) == 640000
    assert round(total[header.index("结算不足(元)")] * 100) == 259049  # the notice's total

    form = _flat(docs["application-form.pdf"])
    assert "预算金额6,547.50元" in form, form
    assert "结算金额6,400.00元" in form, form
    assert "结算分摊不足合计2,590.49元" in form, form
    assert "652.50" not in form  # the budget's shortfall, which the settlement replaced

    readme = docs["README.txt"].decode("utf-8")
    for text in ("settled_share_yuan", "结算金额 6,400.00 元", "预算 6,547.50 元"):
        assert text in readme, text


def test_a_package_before_the_settlement_has_no_settlement_in_it(app, runner, tmp_path):
    import csv
    import io
    import zipfile

    from tests.money_world import works_done

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)
    out = tmp_path / "application.zip"
    assert runner.invoke(args=["works", "application", pid, "-o", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as z:
        files = {n: z.read(n) for n in z.namelist()}
    header = next(csv.reader(io.StringIO(files["apportionment.csv"].decode("utf-8-sig"))))
    assert header == ["building", "entrance", "room", "area_m2", "share_yuan", "balance_yuan",
                      "shortfall_yuan"]
    form = _flat(files["application-form.pdf"])
    assert "结算" not in form and "分户账不足合计652.50元" in form, form
    assert "settled_share_yuan" not in files["README.txt"].decode("utf-8")


def test_a_settled_emergency_use_names_its_budget_as_such(app, runner, tmp_path):
    import zipfile

    from tests.money_world import fire_pump_emergency

    passed_vote(app, runner, tmp_path, rows=low_balance_rows())  # the community and its roll
    pid = fire_pump_emergency(runner, tmp_path)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6000.00"]).exit_code == 0
    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        form = _flat(z.read("application-form.pdf"))
        readme = z.read("README.txt").decode("utf-8")
    assert "6,547.50元（应急使用预算" in form and "结算金额6,000.00元" in form, form
    assert "应急使用预算 6,547.50 元" in readme, readme
