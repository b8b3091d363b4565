"""The works and the settlement through the CLI: each stage on the chain in order, refusals
clear and all-or-nothing, each unit's sub-ledger debited, the bundle verifying (§18)."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from tests.browser import pdf_text
from tests.factories import assert_limited_per_address
from tests.money_world import evidence, low_balance_rows, passed_vote, today, works_done


def _bundle_report(app, runner, tmp_path, pid):
    out = tmp_path / "bundle.zip"
    result = runner.invoke(args=["export", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.core.verifier import verify_bundle
        from votes.services.keys import keyring

        return verify_bundle(out.read_bytes(), trusted_keys=keyring())


def _kinds(app, pid):
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        return [json.loads(line)["entry"] for line in db.session.scalars(
            select(ChainEntry.line).where(ChainEntry.proposal_id == int(pid))
            .order_by(ChainEntry.seq))]


def test_settled_proposal_debits_every_unit_and_its_bundle_verifies(app, runner, tmp_path,
                                                                   monkeypatch):
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid = vote["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00", "1000.00"))
    result = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert result.exit_code == 0, result.output
    entries = _kinds(app, pid)
    assert [e["body"]["stage"] for e in entries if e["kind"] == "works"] == \
        ["contract", "payment", "payment", "acceptance", "settlement"]
    assert entries[-1]["body"]["data"]["final_cost"] == 640000
    assert entries[-1]["body"]["data"]["paid"] == 300000
    report = _bundle_report(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()

    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit, Unit

        debits = {(d.building, d.room): d for d in db.session.scalars(select(FundDebit))}
        units = {(u.building, u.room): u for u in db.session.scalars(select(Unit))}
    assert sum(d.share for d in debits.values()) == 640000
    small, tiny, rich = debits[("1", "202")], debits[("1", "201")], debits[("1", "101")]
    # 1-202 had 700.00: its share is taken in full and leaves it below 30% → 续筹.
    assert small.debited == small.share and small.balance_after == 70000 - small.share
    assert small.low and units[("1", "202")].fund_balance == small.balance_after
    assert units[("1", "202")].first_deposit == 70000
    # 1-201 had 100.00, less than its share: all of it is taken, the rest is a shortfall.
    assert tiny.debited == 10000 and tiny.balance_after == 0 and tiny.low
    assert tiny.shortfall == tiny.share - 10000 > 0
    assert not rich.low and rich.balance_after == 500000 - rich.share
    # The developer's units have no known balance: nothing taken, all of it a shortfall.
    dev = debits[("2", "101")]
    assert dev.balance_before is None and dev.debited == 0 and dev.shortfall == dev.share

    # Chinese first like every command (the labels were English only, `final_cost:`).
    shown = runner.invoke(args=["works", "show", pid])
    assert "阶段：结算" in shown.output and "结算金额：6,400.00 元" in shown.output, shown.output
    assert "stage" not in shown.output and "final_cost" not in shown.output
    monkeypatch.setenv("VOTES_LANG", "en")
    shown = runner.invoke(args=["works", "show", pid])
    assert "Stage: Settlement" in shown.output, shown.output
    assert "Final cost: 6,400.00 yuan" in shown.output, shown.output
    monkeypatch.delenv("VOTES_LANG")
    again = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert again.exit_code == 1 and "已结算" in again.output


def test_stages_out_of_order_are_refused_and_nothing_changes(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    before = len(_kinds(app, pid))
    pay = runner.invoke(args=["works", "payment", pid, "--amount", "1.00", "--evidence",
                              evidence(tmp_path)])
    assert pay.exit_code == 1 and "请先登记施工合同" in pay.output
    settle = runner.invoke(args=["works", "settle", pid, "--final-cost", "1.00"])
    assert settle.exit_code == 1 and "Traceback" not in settle.output
    assert len(_kinds(app, pid)) == before


def test_contract_above_budget_beyond_tolerance_needs_a_new_vote(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    over = runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "6547.51", "--evidence", evidence(tmp_path)])
    assert over.exit_code == 1 and "需要重新表决" in over.output
    # Raising the tolerance after the vote changes nothing for this proposal: the rule it
    # froze when it was created applies (§18.4).
    assert runner.invoke(args=["works", "tolerance", "SUN", "50"]).output.strip() == "50.00%"
    later = runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                                "6547.51", "--evidence", evidence(tmp_path)])
    assert later.exit_code == 1 and "需要重新表决" in later.output


def test_the_tolerance_frozen_with_the_proposal_applies(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path, code="MOON", tolerance="5")["pid"]
    assert runner.invoke(args=["works", "tolerance", "MOON", "0"]).exit_code == 0  # later
    # 6547.50 × 1.05 = 6874.875: 6874.87 is within, 6874.88 is not.
    over = runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "6874.88", "--evidence", evidence(tmp_path)])
    assert over.exit_code == 1 and "需要重新表决" in over.output
    # The most it may be, as the settlement's refusal says it: no budget × 1.05 by hand.
    assert "合同金额最高 6,874.87 元" in over.output, over.output
    ok = runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                             "6874.87", "--evidence", evidence(tmp_path)])
    assert ok.exit_code == 0, ok.output


def test_owners_are_told_the_tolerance_before_they_vote(app, runner, tmp_path, client):
    """A 5 % tolerance lets the committee contract and settle above the budget the owners
    approve without asking them again: the notice and the board say so, or an owner who
    voted for 6,547.50 yuan learns only from the settlement that up to 6,874.87 was meant."""
    import re

    from tests.factories import make_open_proposal

    vote = make_open_proposal(app, runner, tmp_path, code="MOON", tolerance="5")
    said = "合同金额或结算金额超出预算不超过5.00%的，无需重新表决；超出更多须重新表决。"
    board = re.sub(r"\s+", "", client.get(f"/p/{vote['uid']}").get_data(as_text=True).replace("\u00a0", " "))
    assert said in board
    pdf = tmp_path / "notices.pdf"
    result = runner.invoke(args=["notices", str(vote["id"]), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert said in re.sub(r"\s+", "", pdf_text(pdf, 1))
    english = client.get(f"/p/{vote['uid']}?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "5.00%" in re.search(r'<p id="plan-rule">(.*?)</p>', english, re.S).group(1)


def test_payments_never_exceed_the_contract(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "3000.00", "--evidence", evidence(tmp_path)]).exit_code == 0
    ok = runner.invoke(args=["works", "payment", pid, "--amount", "3000.00", "--evidence",
                             evidence(tmp_path, "v1.pdf", b"v1")])
    assert ok.exit_code == 0, ok.output
    over = runner.invoke(args=["works", "payment", pid, "--amount", "0.01", "--evidence",
                               evidence(tmp_path, "v2.pdf", b"v2")])
    assert over.exit_code == 1 and "超过合同金额" in over.output


def test_works_refused_before_the_close_and_after_a_failed_vote(app, runner, tmp_path):
    from tests.factories import make_open_proposal

    open_vote = make_open_proposal(app, runner, tmp_path, code="OPEN")
    early = runner.invoke(args=["works", "contract", str(open_vote["id"]), "--contractor", "甲",
                                "--amount", "1.00", "--evidence", evidence(tmp_path)])
    assert early.exit_code == 1 and "表决结束且通过后" in early.output


def test_the_low_balance_boundary_is_thirty_percent():
    from votes.services.money.settlement import is_low

    assert is_low(2999, 10000) and not is_low(3000, 10000)
    # An unknown balance is no figure either: it was "not low", a flat shown as needing no
    # top-up when no one could say.
    assert is_low(None, 10000) is None
    # 30 % of an unknown first deposit is no figure: neither low nor not.
    assert is_low(0, None) is None and is_low(0, 0) is None and is_low(5000, 0) is None


def test_settlement_notice_pdf_lists_every_unit_and_the_top_ups(app, runner, tmp_path):
    import subprocess

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    missing = runner.invoke(args=["works", "settlement-notice", pid, "-o",
                                  str(tmp_path / "n.pdf")])
    assert missing.exit_code == 1 and "尚未结算" in missing.output
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    out = tmp_path / "settlement.pdf"
    import os
    if os.environ.get("MONEY_KEEP"):
        out = __import__("pathlib").Path(os.environ["MONEY_KEEP"]) / "settlement.pdf"
    result = runner.invoke(args=["works", "settlement-notice", pid, "--balances", "-o",
                                 str(out)])  # the committee's copy, with the balances
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "维修资金使用结算公告" in text and "6,400.00" in text and "福州电梯工程有限公司" in text
    assert "需续筹" in text and "共 2 户" in text
    for room in ("1号楼1单元101室", "1号楼1单元202室", "2号楼1单元201室"):
        assert room in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts and " yes " in fonts  # embedded


def test_the_public_board_shows_the_works_and_links_the_settlement_notice(app, runner,
                                                                           tmp_path, client):
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid, uid = vote["pid"], vote["uid"]
    page = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="works"' not in page
    assert client.get(f"/p/{uid}/settlement.pdf").status_code == 404
    works_done(runner, tmp_path, pid)
    page = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "福州电梯工程有限公司" in page and "6,000.00" in page and today(app) in page
    assert 'id="settlement"' not in page
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    page = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="settlement"' in page and "6,400.00" in page and "续筹" in page
    pdf = client.get(f"/p/{uid}/settlement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_the_public_settlement_notice_is_limited_per_address(app, runner, tmp_path, client):
    # Drawn anew for every request, a row per flat, and open to anyone.
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"],
                               "--final-cost", "6400.00"]).exit_code == 0
    assert_limited_per_address(app, client, f"/p/{vote['uid']}/settlement.pdf", 10)


def test_settlement_refused_when_a_unit_left_the_roll_and_nothing_is_debited(app, runner,
                                                                              tmp_path):
    from tests.factories import make_roll_csv

    rows = low_balance_rows()
    pid = passed_vote(app, runner, tmp_path, rows=rows)["pid"]
    works_done(runner, tmp_path, pid)
    # The roll is replaced without 1-202 (e.g. merged into 1-201 by a re-survey).
    smaller = make_roll_csv(tmp_path / "smaller.csv", [r for r in rows if r["room"] != "202"])
    assert runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                               str(smaller)]).exit_code == 0
    refused = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert refused.exit_code == 1 and "1号楼1单元202室" in refused.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit, Unit

        assert db.session.scalar(select(FundDebit.id)) is None
        assert {u.fund_balance for u in db.session.scalars(select(Unit))} >= {500000}
        assert all(u.first_deposit is None for u in db.session.scalars(select(Unit)))
    assert [e["body"]["stage"] for e in _kinds(app, pid) if e["kind"] == "works"][-1] == \
        "acceptance"


def test_share_lookup_shows_the_settled_share_and_nothing_of_the_balance(app, runner, client,
                                                                          tmp_path):
    import re

    from votes.core.numbers import format_yuan

    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    pid, url = vote["pid"], f"/p/{vote['uid']}/share"
    asked = {"building": "1", "entrance": "1", "room": "201"}

    def result(**lang) -> str:
        page = client.get(url, query_string={**asked, **lang}).get_data(as_text=True).replace("\u00a0", " ")
        return re.search(r'id="share-result">([^<]*)<', page).group(1)

    # Before the settlement: the share of the budget, as in publicity.
    assert result() == "1号楼1单元201室：专有面积 75.25 m²，分摊 752.50 元。"
    works_done(runner, tmp_path, pid)
    assert result() == "1号楼1单元201室：专有面积 75.25 m²，分摊 752.50 元。"
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        debit = db.session.scalar(select(FundDebit).where(FundDebit.room == "201"))
    # 1-201 had 100.00 of a larger share: what was taken, the balance left and the shortfall
    # are the household's own (the committee's copy of the notice), never on the board.
    assert debit.debited == 10000 and debit.shortfall > 0 and debit.balance_after == 0
    assert result() == (f"1号楼1单元201室：专有面积 75.25 m²，按结算金额分摊 {format_yuan(debit.share)}"
                        " 元（按预算分摊 752.50 元）。")
    # A flat outside the roll still finds nothing.
    missing = client.get(url, query_string={"building": "9", "room": "901"})
    assert "列支范围内没有这个房屋" in missing.get_data(as_text=True).replace("\u00a0", " ")
    english = result(lang="en")
    assert "share by the settled cost" in english and "share by the budget 752.50" in english


def test_an_older_roll_never_restores_the_balances_a_settlement_debited(app, runner, client,
                                                                          tmp_path):
    import io

    from tests.factories import make_roll_csv
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    rows = low_balance_rows()
    old = make_roll_csv(tmp_path / "last-year.csv", rows)
    pid = passed_vote(app, runner, tmp_path, rows=rows)["pid"]
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0

    def balances():
        with app.app_context():
            from votes.extensions import db
            from votes.models import Unit

            return {(u.building, u.room): u.fund_balance for u in db.session.scalars(select(Unit))}

    settled = balances()
    # Last year's file, uploaded again: its balances are the ones the settlement drew on.
    refused = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace", str(old)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "结算" in refused.output and "1-1-202" in refused.output
    assert balances() == settled
    # The browser's preview says so before anyone confirms.
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.post("/committee/c/SUN/roll/preview", data={
        "file": (io.BytesIO(old.read_bytes()), "last-year.csv")}).get_data(as_text=True).replace("\u00a0", " ")
    assert "结算扣减前的余额" in page and "1-1-202" in page and "roll-confirm" not in page
    # A roll carrying the balances after the settlement (or the fund office's newer ones)
    # replaces the roll as before.
    newer = [dict(r, fund_balance="" if settled[r["building"], r["room"]] is None else
                  f"{settled[r['building'], r['room']] / 100:.2f}") for r in rows]
    newer[0] = dict(newer[0], fund_balance="4321.00")
    ok = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                             str(make_roll_csv(tmp_path / "newer.csv", newer))])
    assert ok.exit_code == 0, ok.output
    assert balances()[("1", "101")] == 432100


def test_the_settlement_is_dated_as_its_chain_entry(app, runner, tmp_path):
    """The debits (and the notice's date, read from them) carry the settlement entry's time:
    with a clock behind the acceptance entry (another machine, a clock stepped back) the
    chain dates the settlement at the acceptance, and the notice said the day before."""
    from datetime import timedelta

    vote = passed_vote(app, runner, tmp_path)
    pid = vote["pid"]
    accepted = vote["t0"] + timedelta(days=9, hours=2)  # 10:00 Beijing
    app.config["VOTES_NOW"] = accepted
    works_done(runner, tmp_path, pid)
    app.config["VOTES_NOW"] = accepted - timedelta(days=1)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    settled = _kinds(app, pid)[-1]
    assert settled["body"]["stage"] == "settlement"
    with app.app_context():
        from votes.core.canonical import format_time
        from votes.extensions import db
        from votes.models import FundDebit

        times = set(db.session.scalars(select(FundDebit.created_at)))
        assert {format_time(t) for t in times} == {settled["time"]}
    out = tmp_path / "settlement.pdf"
    assert runner.invoke(args=["works", "settlement-notice", pid, "-o", str(out)]).exit_code == 0
    day = (accepted + timedelta(hours=8)).date()
    assert f"日期：{day.year}年{day.month}月{day.day}日" in pdf_text(out)


def test_the_contracts_scan_is_no_payment_voucher(app, runner, tmp_path):
    """A payment's evidence is its own voucher (§18.1): the contract's PDF uploaded again,
    or the acceptance's report, names no payment, and the payment was recorded without one."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    contract = evidence(tmp_path)
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "6000.00", "--evidence", contract]).exit_code == 0
    before = len(_kinds(app, pid))
    # The same bytes under another name: the digest is what the chain compares.
    copy = evidence(tmp_path, "付款凭证.pdf", (tmp_path / "contract.pdf").read_bytes())
    for scan in (contract, copy):
        pay = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                                  scan])
        assert pay.exit_code == 1 and "Traceback" not in pay.output
        assert "与已登记的合同是同一文件" in pay.output, pay.output
    assert len(_kinds(app, pid)) == before
    # With a voucher of its own, the contract may go along with it.
    voucher = evidence(tmp_path, "voucher.pdf", b"%PDF-1.4 bank slip")
    ok = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                             voucher, "--evidence", contract])
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(args=["works", "acceptance", pid, "--date", today(app),
                               "--participant", "业委会", "--evidence",
                               evidence(tmp_path, "report.pdf", b"%PDF report")]).exit_code == 0
    late = runner.invoke(args=["works", "payment", pid, "--amount", "500.00", "--evidence",
                               str(tmp_path / "report.pdf")])
    assert late.exit_code == 1 and "与已登记的验收材料是同一文件" in late.output, late.output
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "works.payment")) == 1


def test_a_file_recorded_for_another_purpose_is_no_payment_voucher(app, runner, tmp_path):
    """A ballot's scan, or one of the proposal's published documents, uploaded as a payment's
    only voucher was accepted: only the works' own files and the emergency's were compared.
    Every file already on record for the proposal is now, and such a payment is refused."""
    plan = evidence(tmp_path, "plan.pdf", b"%PDF-1.4 published repair plan")
    pid = passed_vote(app, runner, tmp_path, extra=("--doc", plan))["pid"]
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "6000.00", "--evidence", evidence(tmp_path)]).exit_code == 0
    before = len(_kinds(app, pid))
    ballot = str(tmp_path / "scan-1-101.pdf")  # 1-1-101's paper ballot, imported by passed_vote
    document = evidence(tmp_path, "付款凭证.pdf", (tmp_path / "plan.pdf").read_bytes())
    for scan, said in ((ballot, "与本表决已登记的其他材料是同一文件"),
                       (document, "与本议案公布的附件“plan.pdf”是同一文件")):
        pay = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                                  scan])
        assert pay.exit_code == 1 and "Traceback" not in pay.output, pay.output
        assert said in pay.output and "付款凭证" in pay.output, pay.output
    english = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                                  ballot, "--evidence", document], env={"VOTES_LANG": "en"})
    assert english.exit_code == 1 and "voucher" in english.output, english.output
    assert "付款" not in english.output, english.output
    assert len(_kinds(app, pid)) == before
    # A voucher of its own, with the ballot's scan alongside, is a voucher.
    ok = runner.invoke(args=["works", "payment", pid, "--amount", "1000.00", "--evidence",
                             evidence(tmp_path, "slip.pdf", b"%PDF-1.4 bank slip"), "--evidence",
                             ballot])
    assert ok.exit_code == 0, ok.output
    assert len(_kinds(app, pid)) == before + 1


def test_works_texts_the_printed_font_cannot_draw_are_refused_at_entry(app, runner, tmp_path):
    """The contractor, a payment's note, the acceptance's participants and an emergency
    use's reason are printed on the settlement notice and the application form: a 䶮 or a
    𠮷 in them printed as an empty box on a notice posted to every owner. Refused where
    they are typed, naming the character, as a community's name or a title is."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    refused = runner.invoke(args=["works", "contract", pid, "--contractor", "福州𠮷祥电梯有限公司",
                                  "--amount", "6000.00", "--evidence", evidence(tmp_path)])
    assert refused.exit_code == 1 and "𠮷" in refused.output and "打印" in refused.output, \
        refused.output
    works_done(runner, tmp_path, pid, accepted=False)
    refused = runner.invoke(args=["works", "payment", pid, "--amount", "1.00", "--note",
                                  "☐ 进度款", "--evidence",
                                  evidence(tmp_path, "v9.pdf", b"voucher 9")])
    assert refused.exit_code == 1 and "☐" in refused.output and "打印" in refused.output
    refused = runner.invoke(args=["works", "acceptance", pid, "--date", today(app),
                                  "--participant", "䶮监理公司", "--evidence",
                                  evidence(tmp_path, "photo.jpg", b"\xff\xd8 photo")])
    assert refused.exit_code == 1 and "䶮" in refused.output and "打印" in refused.output
    refused = runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", "消防水泵抢修", "--scope", "all",
        "--budget", "100.00", "--category", "fire", "--applicant", "committee", "--reason",
        "𠮷祥路一侧消防水泵失效", "--evidence", evidence(tmp_path, "fire.pdf", b"%PDF fire")])
    assert refused.exit_code == 1 and "𠮷" in refused.output and "打印" in refused.output
    kinds = [e["body"]["stage"] for e in _kinds(app, pid) if e["kind"] == "works"]
    assert kinds == ["contract", "payment"]


def test_the_posted_settlement_notice_says_how_each_share_was_worked_out_and_whom_to_ask(
        app, runner, tmp_path, client):
    """The notice posted to every owner gave each flat's share but not the figures it was
    worked out from (the total area over which the cost was spread), no total to check the
    column against, and no one to ask: unlike the result notice, it carried no telephone."""
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    assert runner.invoke(args=["community", "contact", "SUN", "--committee", "阳光花园业主委员会",
                               "--phone", "0591-83000000"]).exit_code == 0
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"],
                               "--final-cost", "6400.00"]).exit_code == 0
    text = re.sub(r"\s+", "", pdf_text(client.get(f"/p/{vote['uid']}/settlement.pdf").data))
    # 1-1-101: 6,400.00 × 89.50 ÷ 654.75 = 874.84
    assert "本户分摊=结算金额6,400.00元×本户面积÷总面积654.75m²" in text, text
    assert "合计（7户）654.756,400.00" in text, text
    assert "联系电话：0591-83000000" in text and "阳光花园业主委员会（盖章）" in text
    assert "如对本户分摊有疑问" in text, text
    committee = runner.invoke(args=["works", "settlement-notice", vote["pid"], "--balances",
                                    "-o", str(tmp_path / "c.pdf")])
    assert committee.exit_code == 0, committee.output
    text = re.sub(r"\s+", "", pdf_text(tmp_path / "c.pdf"))
    assert "合计（7户）654.756,400.00" in text and "联系电话：0591-83000000" in text, text


def test_areas_people_read_are_grouped_like_money_and_machine_files_stay_plain(
        app, runner, tmp_path, client):
    import csv
    import io
    import zipfile

    rows = low_balance_rows()
    rows[7] = dict(rows[7], area="12000.00")  # 2-1-201, a shop: 12,544.75 m² in all
    vote = passed_vote(app, runner, tmp_path, rows=rows)
    pid, uid = vote["pid"], vote["uid"]
    works_done(runner, tmp_path, pid)
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0

    out = tmp_path / "settlement.pdf"
    assert runner.invoke(args=["works", "settlement-notice", pid, "-o", str(out)]).exit_code == 0
    notice = re.sub(r"\s+", "", pdf_text(out))
    assert "12,000.00" in notice and "12,544.75" in notice, notice  # the flat, and 合计
    assert "12544.75" not in notice and "12000.00" not in notice
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "12,544.75" in board and "12544.75" not in board

    package = tmp_path / "application.zip"
    assert runner.invoke(args=["works", "application", pid, "-o", str(package)]).exit_code == 0
    with zipfile.ZipFile(package) as z:
        table = z.read("apportionment.csv").decode("utf-8-sig")
        bundle = zipfile.ZipFile(io.BytesIO(z.read("bundle.zip")))
    shop = next(r for r in csv.reader(io.StringIO(table)) if r[:3] == ["2", "1", "201"])
    assert shop[3] == "12000.00"  # a number a spreadsheet reads
    report = bundle.read(next(n for n in bundle.namelist() if n.endswith("report.txt")))
    assert "12544.75 m²" in report.decode("utf-8") and "12,544.75" not in report.decode("utf-8")
    verified = _bundle_report(app, runner, tmp_path, pid).render()
    assert "12544.75 m²" in verified and "12,544.75" not in verified
