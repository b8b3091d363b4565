"""Issue 12, second pass: what the first pass of the rules of procedure left — the seller's
page after a transfer, proxies and transfers in ballots.csv, notices for owners who do not
vote, the rules on the result notice, the first deposit on the roll, the stored scans for
staff, the regulator's quorum column."""

from __future__ import annotations

import re

import pytest

from tests.bundles import ballot_rows
from tests.factories import make_open_proposal, resident_id
from tests.test_owner_http import cast, verified
from tests.test_procedure import _transfer


def test_the_sellers_page_says_the_unit_was_transferred_and_hides_the_buyers_choice(
        app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])
    seller = app.test_client()
    verified(seller, app, vote, room="202", suffix=resident_id(4)[-6:])
    r, _ = cast(seller, vote, "disagree")
    own = r.headers["Location"]
    # A change is still allowed: a confirm page opened now stays open over the transfer.
    kept = seller.post(f"/p/{vote['uid']}/confirm", data={"choice": "abstain"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', kept.get_data(as_text=True)).group(1)
    assert _transfer(runner, vote, tmp_path, choice="agree").exit_code == 0
    # The seller comes back with their link: told, not offered a ballot.
    again = app.test_client()
    verified(again, app, vote, room="202", suffix=resident_id(4)[-6:])
    page = again.get(f"/p/{vote['uid']}/ballot")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="transferred"' in html
    assert "已在表决期间过户" in html and "新业主的表决" in html and "已被新业主的表决取代" in html
    assert 'name="choice"' not in html
    # The ballot form sent again (a tab kept open) shows the same page, not a confirm page
    # saying the choice will be recorded.
    again_form = again.post(f"/p/{vote['uid']}/confirm", data={"choice": "abstain"})
    assert again_form.status_code == 200 and 'id="transferred"' in again_form.get_data(
        as_text=True) and 'name="nonce"' not in again_form.get_data(as_text=True)
    # The confirm page kept open from before: refused, and the page after never shows the
    # buyer's choice — the buyer's receipt is not the seller's to open.
    r = seller.post(f"/p/{vote['uid']}/cast", data={"choice": "abstain", "nonce": nonce})
    follow = seller.get(r.headers["Location"]).get_data(as_text=True)
    assert "已在表决期间过户" in follow and "同意" not in follow.split('id="transferred"')[1]
    # The seller's own, superseded receipt still opens.
    assert seller.get(own).status_code == 200


def test_ballots_csv_and_the_units_page_mark_proxies_and_transfers_without_names(
        app, runner, tmp_path):
    import zipfile
    from datetime import timedelta

    from tests.test_procedure import PROXY_ID, _ballots_file, _proxy_row

    vote = make_open_proposal(app, runner, tmp_path)
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, [_proxy_row("1", "102")])])
    assert result.exit_code == 0, result.output
    assert _transfer(runner, vote, tmp_path, room="202").exit_code == 0
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    assert runner.invoke(args=["proposal", "close", str(vote["id"])]).exit_code == 0
    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", str(vote["id"]), "-o", str(bundle)]).exit_code == 0
    data = zipfile.ZipFile(bundle).read("ballots.csv")
    sheet = data.decode("utf-8-sig")
    rows = {(r["楼栋 building"], r["单元 entrance"], r["房号 room"]): r
            for ballot in ballot_rows(data).values() for r in ballot}
    assert rows[("1", "1", "102")]["方式 channel"] == "proxy 委托"
    assert rows[("1", "1", "202")]["方式 channel"] == "paper 过户 transfer"
    for secret in ("钱七", PROXY_ID, "周九", resident_id(10)):
        assert secret not in sheet
    page = app.test_client().get(f"/p/{vote['uid']}/units").get_data(as_text=True)
    line = {r.split("</td>")[0].split("<td>")[-1]: r for r in page.split("<tr>")[2:]}
    assert "委托" in line["1号楼1单元102室"] and "过户" not in line["1号楼1单元102室"]
    assert "纸质（过户后新业主）" in line["1号楼1单元202室"]
    assert "过户" not in line["1号楼1单元101室"] and "周九" not in page and "钱七" not in page


def test_an_owner_of_only_a_storeroom_gets_a_letter_of_their_share_not_a_voting_notice(
        app, runner, tmp_path):
    import re

    from tests.browser import need_tools, pdf_text
    from tests.test_procedure import parking_rows

    need_tools("pdftotext")
    vote = make_open_proposal(app, runner, tmp_path, rows=parking_rows(),
                              rules=["excluded_kinds=parking,storeroom"])
    pdf = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    pages = [re.sub(r"\s+", "", p) for p in pdf_text(pdf).split("\f") if p.strip()]
    assert len(pages) == 6  # the sample's five voters and 孙八, who votes on none of it
    letters = [p for p in pages if "费用分摊告知书" in p]
    assert len(letters) == 1
    letter = letters[0]
    assert "P座002室（不计入表决）" in letter and "车位、储藏室不计入表决" in letter
    assert "您无需表决" in letter and "/v/" not in letter and "如何表决" not in letter
    share = re.search(r"您应分摊([\d,.]+)元", letter).group(1)
    assert float(share.replace(",", "")) > 0  # 8 m² of 674.75 m² of 6547.50 yuan: 77.63
    # 张三 votes with his flats; his parking space is on his notice, marked, and charged.
    zhang = next(p for p in pages if "1号楼1单元101室" in p)
    assert "P座001室（不计入表决）" in zhang and "如何表决" in zhang and "/v/" in zhang
    # Without the rule, the storeroom's owner votes like everyone else.
    plain = make_open_proposal(app, runner, tmp_path, rows=parking_rows(), code="MOON")
    other = tmp_path / "plain.pdf"
    assert runner.invoke(args=["notices", str(plain["id"]), "-o", str(other)]).exit_code == 0
    text = re.sub(r"\s+", "", pdf_text(other))
    assert "费用分摊告知书" not in text and "不计入表决" not in text


def _pdf_text(data: bytes, tmp_path, name: str) -> str:
    import re

    from tests.browser import need_tools, pdf_text

    need_tools("pdftotext")
    path = tmp_path / name
    path.write_bytes(data)
    return re.sub(r"\s+", "", pdf_text(path))


def _committee(app, runner, code="SUN"):
    from tests.staff_world import clerk_client

    return clerk_client(app, runner, code, login=f"clerk-{code.lower()}")


def test_the_result_notice_says_which_rules_of_procedure_applied(app, runner, tmp_path):
    from tests.procedure_world import close_at_end, open_vote, vote

    pid = open_vote(app, runner, tmp_path, "proxy_limit=3", "proxy_staff_barred=on",
                    "excluded_kinds=parking,storeroom", "objection_days=5",
                    "follow_majority=quorum")
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree", "D": "agree"})
    close_at_end(app, runner, pid)
    staff = _committee(app, runner)
    r = staff.get(f"/committee/p/{pid}/result-notice.pdf")
    assert r.status_code == 200
    text = _pdf_text(r.data, tmp_path, "ruled.pdf")
    for sentence in ("按本小区议事规则，每名受托人在本次表决中最多代理3户业主。",
                     "按本小区议事规则，物业服务企业工作人员不得担任委托表决的受托人。",
                     "按本小区议事规则，车位、储藏室不计入表决的专有面积和人数，但仍按面积分摊费用。",
                     "按本小区议事规则，表决结束后设5日异议期",
                     "按本小区议事规则（从多），表决通知经证实送达而未表决的业主计入参与表决，另行统计"):
        assert sentence in text, sentence
    # Under the Civil Code's defaults the notice says nothing of rules of procedure.
    plain = open_vote(app, runner, tmp_path, code="MOON")
    vote(runner, tmp_path, plain, {"A": "agree"})
    close_at_end(app, runner, plain)
    moon = _committee(app, runner, "MOON")
    text = _pdf_text(moon.get(f"/committee/p/{plain}/result-notice.pdf").data, tmp_path, "p.pdf")
    assert "表决结果" in text and "议事规则" not in text and "受托人" not in text


def test_the_rolls_first_deposit_is_what_the_settlement_judges_30_percent_against(
        app, runner, tmp_path):
    from sqlalchemy import select

    from tests.factories import make_roll_csv
    from tests.money_world import low_balance_rows, passed_vote, works_done

    rows = low_balance_rows()
    rows[0] = dict(rows[0], first_deposit="20,000.00")  # 1-101 holds 5000.00 of 20000.00
    rows[4] = dict(rows[4], first_deposit="3000.50")  # 1-202 holds 700.00 of 3000.50
    # A first deposit with three decimals is refused with its row, nothing imported.
    bad = [dict(r) for r in rows]
    bad[2] = dict(bad[2], first_deposit="12.345")
    result = runner.invoke(args=["community", "create", "BAD", "--name", "坏名册"])
    result = runner.invoke(args=["roll", "import", "--community", "BAD",
                                 str(make_roll_csv(tmp_path / "bad.csv", bad))])
    assert result.exit_code != 0 and "第 4 行" in result.output and "首期交存额" in result.output
    # Co-owners' rows of one unit must agree on it.
    clash = [dict(r) for r in rows]
    clash[1], clash[2] = dict(clash[1], first_deposit="100.00"), dict(clash[2],
                                                                      first_deposit="200.00")
    result = runner.invoke(args=["roll", "import", "--community", "BAD",
                                 str(make_roll_csv(tmp_path / "clash.csv", clash))])
    assert result.exit_code != 0 and "首期交存额不同" in result.output

    vote = passed_vote(app, runner, tmp_path, rows=rows)
    with app.app_context():
        from votes.extensions import db
        from votes.models import Unit

        deposits = {(u.building, u.room): u.first_deposit for u in db.session.scalars(
            select(Unit).where(Unit.community.has(code="SUN")))}
    assert deposits[("1", "101")] == 2000000 and deposits[("1", "202")] == 300050
    assert deposits[("1", "102")] is None  # no figure: the balance at settlement stands in
    works_done(runner, tmp_path, vote["pid"])
    result = runner.invoke(args=["works", "settle", vote["pid"], "--final-cost", "6400.00"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.models import FundDebit, Unit

        debits = {(d.building, d.room): d for d in db.session.scalars(select(FundDebit))}
        after = {(u.building, u.room): u.first_deposit for u in db.session.scalars(select(Unit))}
    rich, small, plain = debits[("1", "101")], debits[("1", "202")], debits[("1", "102")]
    # 1-101 keeps about 4125 yuan: plenty against its balance, but below 30% of 20000.00.
    assert rich.balance_after * 10 < 2000000 * 3 and rich.low
    # 1-202 keeps about 113 yuan of a 3000.50 first deposit: 续筹.
    assert small.low
    # 1-102 had no first deposit on the roll: 5000.00 stands for it, ~4000 left is not low.
    assert not plain.low and after[("1", "102")] == 500000
    assert after[("1", "101")] == 2000000  # the roll's figure is never overwritten


def test_staff_open_the_scans_of_deliveries_and_objections_and_no_one_else(
        app, runner, tmp_path):
    import hashlib
    import re
    from datetime import timedelta

    from sqlalchemy import select

    from tests import procedure_world
    from tests.money_world import staff_accounts
    from tests.procedure_world import END, at, close_at_end, open_vote, scan, unit_args, vote
    from tests.staff_world import sign_in

    pid = open_vote(app, runner, tmp_path, "follow_majority=quorum", "objection_days=3")
    delivered = runner.invoke(args=[
        "proposal", "delivery", pid, *unit_args("E"), "--method", "hand", "--at",
        "2026-11-25T10:00", "--evidence", scan(tmp_path, "receipt-E.jpg", b"\xff\xd8 signed"),
        "--by", "clerk1"])
    assert delivered.exit_code == 0, delivered.output
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "agree"})  # paper forms
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=3))
    letter = b"%PDF-1.4 written objection of 1-1-102"
    filed = runner.invoke(args=["proposal", "objection", pid, *unit_args("B"), "--text",
                                "表决票不是我签的", "--evidence", scan(tmp_path, "o.pdf", letter)])
    assert filed.exit_code == 0, filed.output
    receipt_digest = hashlib.sha256(b"\xff\xd8 signed").hexdigest()
    letter_digest = hashlib.sha256(letter).hexdigest()
    form_digest = hashlib.sha256(procedure_world.ballot_form("A")).hexdigest()

    staff_accounts(app, runner)  # sun_committee, and district (regulator of 350502)
    runner.invoke(args=["community", "create", "MOON", "--name", "明月小区"])
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("MOON").jurisdiction = "350503"
    for args in (["moon_committee", "--role", "committee", "--community", "MOON"],
                 ["far", "--role", "regulator", "--jurisdiction", "350503"]):
        from tests.staff_world import PASSWORD

        assert runner.invoke(args=["users", "create", "--no-must-change", *args, "--password",
                                   PASSWORD]).exit_code == 0

    committee = app.test_client()
    sign_in(committee, "sun_committee")
    page = committee.get(f"/committee/p/{pid}").get_data(as_text=True)
    assert 'id="scans"' in page and "2号楼1单元201室" in page and "1号楼1单元102室" in page
    links = re.findall(r'href="(/committee/p/\d+/scans\?file=[0-9a-f]{64})"', page)
    assert len(links) == 2
    got = committee.get(f"/committee/p/{pid}/scans?file={receipt_digest}")
    assert got.status_code == 200 and got.data == b"\xff\xd8 signed"
    assert "attachment" in got.headers["Content-Disposition"]
    assert got.headers["Cache-Control"] == "no-store"
    assert committee.get(f"/committee/p/{pid}/scans?file={letter_digest}").data == letter
    # A paper ballot's form is stored evidence too, but not served here (it shows a choice).
    assert committee.get(f"/committee/p/{pid}/scans?file={form_digest}").status_code == 404
    assert committee.get(f"/committee/p/{pid}/scans?file=not-a-digest").status_code == 404

    regulator = app.test_client()
    sign_in(regulator, "district")
    page = regulator.get(f"/regulator/p/{pid}").get_data(as_text=True)
    assert 'id="scans"' in page and f"/regulator/p/{pid}/scans?file={letter_digest}" in page
    listing = regulator.get(f"/regulator/p/{pid}/scans").get_data(as_text=True)
    assert listing.count("scans?file=") == 2
    assert regulator.get(f"/regulator/p/{pid}/scans?file={letter_digest}").data == letter
    # The committee's route is not the regulator's, nor the other way round.
    assert regulator.get(f"/committee/p/{pid}/scans?file={letter_digest}").status_code == 403
    assert committee.get(f"/regulator/p/{pid}/scans?file={letter_digest}").status_code == 403
    # Another community's committee, another district's regulator: as if it did not exist.
    for login, url in (("moon_committee", f"/committee/p/{pid}/scans?file={letter_digest}"),
                       ("far", f"/regulator/p/{pid}/scans?file={letter_digest}")):
        other = app.test_client()
        sign_in(other, login)
        r = other.get(url)
        assert r.status_code == 404 and r.data != letter, login
    # Nobody signed in: to the sign-in page.
    anon = app.test_client().get(f"/committee/p/{pid}/scans?file={letter_digest}")
    assert anon.status_code == 302 and "login" in anon.headers["Location"]
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        opened = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "proposal.scan.open")).all()
    assert sorted(a.actor for a in opened) == ["district", "sun_committee", "sun_committee"]


def test_the_regulator_csv_judges_the_quorum_on_the_decisions_figures(app, runner, tmp_path):
    import csv
    import io

    from tests.money_world import staff_accounts
    from tests.procedure_world import close_at_end, open_vote, scan, unit_args, vote
    from tests.staff_world import sign_in

    pid = open_vote(app, runner, tmp_path, "follow_majority=quorum")
    for voter in ("C", "D", "E"):
        result = runner.invoke(args=[
            "proposal", "delivery", pid, *unit_args(voter), "--method", "hand", "--at",
            "2026-11-25T10:00", "--evidence", scan(tmp_path, f"r-{voter}.jpg", voter.encode()),
            "--by", "clerk1"])
        assert result.exit_code == 0, result.output
    # Two of five owners vote (284.75 of 654.75 m²): short of the quorum on ballots alone,
    # met once the three delivered non-voters count as taking part (从多).
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree"})
    close_at_end(app, runner, pid)
    plain = open_vote(app, runner, tmp_path, code="MOON")  # no 从多: the ballots decide
    vote(runner, tmp_path, plain, {"A": "agree", "B": "agree"})
    close_at_end(app, runner, plain)
    staff_accounts(app, runner)
    with app.app_context():
        from votes.services.communities import get_community
        from votes.services.tx import unit_of_work

        with unit_of_work():
            get_community("MOON").jurisdiction = "350502"
    regulator = app.test_client()
    sign_in(regulator, "district")
    r = regulator.get("/regulator/?format=csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][10] == "达到法定人数" and rows[0][11] == "表决结果"
    import json

    def head(ref):
        return json.loads(runner.invoke(args=["proposal", "show", ref, "--json"]).output)[
            "chain_head"]

    by_head = {row[12]: row for row in rows[1:]}
    sun, moon = by_head[head(pid)], by_head[head(plain)]
    assert sun[7] == moon[7] == "2"  # participating: the real ballots, in both
    assert sun[10] == "是" and sun[11] == "通过"  # quorum and passed: the decision (从多)
    assert moon[10] == "否" and moon[11] == "未通过"  # the same ballots without 从多
    shown = json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)
    assert shown["quorum_met"] is False and shown["outcome"]["passed"] is True


def test_the_demo_proposal_has_an_objection_period(app, runner):
    import json

    result = runner.invoke(args=["demo", "--no-run"])
    assert result.exit_code == 0, result.output
    assert "按本小区议事规则，表决结束后设 7 日异议期" in result.output
    pid = result.output.split("表决事项 ")[1].split("“")[0].strip()
    assert json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)[
        "state"] == "voting"
    from tests.test_procedure import _chain

    genesis = _chain(app, {"id": int(pid)})[0]
    assert genesis["body"]["rules"]["objection_days"] == 7  # bound at the opening


def test_the_buyers_receipt_card_and_signed_statement_are_not_the_sellers(app, runner,
                                                                          tmp_path):
    """After a transfer the seller's link keeps its own receipt image and signed statement,
    and gets 404 for the buyer's: whoever holds the seller's link learns nothing of it."""
    from tests.test_procedure import _chain

    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])
    seller = app.test_client()
    verified(seller, app, vote, room="202", suffix=resident_id(4)[-6:])
    r, _ = cast(seller, vote, "disagree")
    own = r.headers["Location"]
    assert _transfer(runner, vote, tmp_path, choice="agree").exit_code == 0
    buyer_digest = [e for e in _chain(app, vote) if e["kind"] == "ballot"][-1]
    from votes.core.chain import entry_digest

    buyer = f"/p/{vote['uid']}/receipt/{entry_digest(buyer_digest)}"
    for tail in ("", "/card.svg", "/signed.json"):
        assert seller.get(own + tail).status_code == 200, tail
        shown = seller.get(buyer + tail)
        assert shown.status_code in (200, 404)
        assert shown.status_code == 404 or "已在表决期间过户" in shown.get_data(as_text=True), tail
    assert seller.get(buyer + "/card.svg").status_code == 404
    assert seller.get(buyer + "/signed.json").status_code == 404


@pytest.mark.parametrize("extra", [[], ["--allow-change"]])
def test_the_sellers_own_receipt_after_a_transfer_says_the_buyers_ballot_counts(
        app, runner, tmp_path, extra):
    """The seller's receipt, opened after the transfer, said 这是您较早的一张选票，已被后来的
    选票替代 and then 每户只计一票，首次提交的表决为最终结果 (or 您已使用修改机会): the first
    ballot is not what counts, the seller used no change, and cannot vote again."""
    vote = make_open_proposal(app, runner, tmp_path, extra=extra)
    seller = app.test_client()
    verified(seller, app, vote, room="202", suffix=resident_id(4)[-6:])
    r, _ = cast(seller, vote, "disagree")
    assert _transfer(runner, vote, tmp_path, choice="agree").exit_code == 0
    html = seller.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="transferred"' in html and "以新业主的表决为准" in html
    assert "首次提交的表决为最终结果" not in html and "您已使用修改机会" not in html
    assert "截止前可修改" not in html and "已被后来的选票替代" not in html
