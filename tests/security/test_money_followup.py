"""Attacks on the steps after the vote, where money moves: amounts typed with a decimal
comma, works on a decision that was not to use the fund, a payment or an emergency use
submitted twice, and the application package's figures after the settlement."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.money_world import passed_vote, staff_accounts
from tests.races import held_race
from tests.staff_world import sign_in


def _count(app, model, **where) -> int:
    with app.app_context():
        from votes.extensions import db

        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


@pytest.mark.parametrize("text", ["6,4", "5,5", "12,34,5", "1,0000", ",5", "1234,567", "1，5",
                                  "1,000.1,5", "1,000.,15"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(text):
    from votes.core.numbers import parse_yuan

    # "6,4" was 64 yuan: ten times what a European-style decimal comma means.
    with pytest.raises(ValueError, match="千位分隔符"):
        parse_yuan(text)


@pytest.mark.parametrize("text, fen", [("1,000.50", 100050), ("1，000", 100000),
                                       ("12,345,678.9", 1234567890), (" 999 ", 99900)])
def test_thousands_separators_still_parse(text, fen):
    from votes.core.numbers import parse_yuan

    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["¥1,000", "￥6,547.50", "1,000元", "约1,000", "1,000 元"])
def test_an_amount_with_a_currency_sign_and_thousands_is_not_blamed_on_its_commas(text):
    """"¥1,000" was refused with 金额中的逗号只能用作千位分隔符: its comma is one, and the
    committee member was sent looking for a decimal comma that is not there."""
    from votes.core.numbers import parse_yuan

    with pytest.raises(ValueError) as refused:
        parse_yuan(text)
    assert "千位分隔符" not in str(refused.value) and "数字" in str(refused.value)


def test_a_tolerance_with_a_decimal_comma_is_not_fifty_five_percent(app, runner):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    result = runner.invoke(args=["works", "tolerance", "SUN", "5,5"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    with app.app_context():
        from votes.services.communities import get_community

        assert "budget_tolerance_bp" not in (get_community("SUN").rules or {})


def test_a_contract_amount_with_a_decimal_comma_is_refused_on_the_web(app, runner, tmp_path,
                                                                     client):
    from votes.models import ChainEntry

    vote = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    before = _count(app, ChainEntry, proposal_id=vote["id"])
    page = client.post(f"/committee/p/{vote['id']}/works/contract", data={
        "contractor": "福州电梯工程有限公司", "amount": "6547,5",
        "evidence": (io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")}, follow_redirects=True)
    assert page.status_code == 400  # the works page again, what was typed kept
    assert "千位分隔符" in page.get_data(as_text=True)
    assert _count(app, ChainEntry, proposal_id=vote["id"]) == before


def test_a_passed_vote_on_another_matter_never_lets_money_out(app, runner, tmp_path, client):
    """"Other" needs only the Civil Code's majority (a community may ask more for using the
    fund); with a budget typed in, its passed vote let the committee contract, settle and
    debit every unit's sub-ledger, and apply to the fund office for the money."""
    from tests.money_world import evidence
    from votes.models import ChainEntry, FundDebit

    vote = passed_vote(app, runner, tmp_path, matter="other")
    pid = vote["pid"]
    with app.app_context():
        from votes.services.figures import proposal_figures

        assert proposal_figures(pid).passed  # the vote itself passed
    before = _count(app, ChainEntry, proposal_id=vote["id"])
    result = runner.invoke(args=["works", "contract", pid, "--contractor", "甲公司",
                                 "--amount", "6000.00", "--evidence", evidence(tmp_path)])
    assert result.exit_code == 1 and "使用维修资金" in result.output, result.output
    package = runner.invoke(args=["works", "application", pid, "-o",
                                  str(tmp_path / "application.zip")])
    assert package.exit_code == 1 and "使用维修资金" in package.output, package.output
    assert _count(app, ChainEntry, proposal_id=vote["id"]) == before
    assert _count(app, FundDebit) == 0

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    assert 'id="works-link"' not in client.get(f"/committee/p/{pid}").get_data(as_text=True)
    page = client.post(f"/committee/p/{pid}/works/contract", data={
        "contractor": "甲公司", "amount": "6000",
        "evidence": (io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")}, follow_redirects=True)
    assert page.status_code == 400 and "使用维修资金" in page.get_data(as_text=True)
    zipped = client.get(f"/committee/p/{pid}/application.zip")
    assert zipped.status_code == 400 and "使用维修资金" in zipped.get_data(as_text=True)
    assert _count(app, ChainEntry, proposal_id=vote["id"]) == before


def _contract(runner, tmp_path, pid):
    from tests.money_world import evidence

    result = runner.invoke(args=["works", "contract", pid, "--contractor", "甲公司",
                                 "--amount", "6000.00", "--evidence", evidence(tmp_path)])
    assert result.exit_code == 0, result.output


def _paid(app, pid) -> int:
    with app.app_context():
        from votes.extensions import db
        from votes.services.lifecycle import get_proposal
        from votes.services.money.works import money_summary

        paid = money_summary(get_proposal(pid))["paid"]
        db.session.remove()
        return paid


def test_a_payment_sent_twice_is_recorded_once(app, runner, tmp_path, client):
    """A double click or a reload sends the payment form again: the chain cannot take the
    second back, and the fund would show 2,000 paid twice."""
    vote = passed_vote(app, runner, tmp_path)
    pid = vote["pid"]
    _contract(runner, tmp_path, pid)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")

    def pay(voucher: bytes, amount="2000"):
        return client.post(f"/committee/p/{pid}/works/payment", data={
            "amount": amount, "note": "预付款",
            "evidence": [(io.BytesIO(voucher), "voucher.pdf")]},
            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert "付款已登记" in pay(b"%PDF-1.4 voucher 1")
    again = pay(b"%PDF-1.4 voucher 1")
    assert "不能登记两次" in again and "Traceback" not in again
    assert _paid(app, pid) == 200000
    assert "付款已登记" in pay(b"%PDF-1.4 voucher 2", "1000")  # another payment, its own voucher
    assert _paid(app, pid) == 300000
    from tests.money_world import evidence

    cli = runner.invoke(args=["works", "payment", pid, "--amount", "2000.00", "--evidence",
                              evidence(tmp_path, "v.pdf", b"%PDF-1.4 voucher 1")])
    assert cli.exit_code == 1 and "不能登记两次" in cli.output
    assert _paid(app, pid) == 300000


@pytest.mark.postgresql_only
def test_a_payment_sent_twice_at_once_is_recorded_once(app, runner, tmp_path, monkeypatch):
    """Two clerks (or two tabs) send the same payment at the same moment: the second waits
    for the first's lock on the proposal, then sees its payment and is refused."""
    from votes.core import works as core_works
    from votes.services.money import works as money_works

    pid = passed_vote(app, runner, tmp_path)["pid"]
    _contract(runner, tmp_path, pid)
    def pay(who):
        money_works.record_payment(pid, amount=200000, note="预付款", actor=who,
                                   evidence=[money_works.EvidenceFile("voucher.pdf",
                                                                      b"%PDF-1.4 voucher 1")])
        return "paid"

    outcome = held_race(app, monkeypatch, core_works, "payment_body", pay)
    assert outcome["A"] == "paid" and "不能登记两次" in outcome["B"], outcome
    assert _paid(app, pid) == 200000


def _roll_only(app, runner, tmp_path):
    from datetime import datetime, timezone

    from tests.factories import make_roll_csv

    app.config["VOTES_NOW"] = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0


def _emergencies(app) -> int:
    from votes.models import Proposal

    return _count(app, Proposal, state="emergency")


def test_an_emergency_use_sent_twice_is_published_once(app, runner, tmp_path, client):
    """Published at once and never withdrawn: a second copy of the same application would
    stand on the board as a second emergency use, with its own apportionment."""
    _roll_only(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")

    def apply(report: bytes, scope="building:1"):
        return client.post("/committee/c/SUN/emergency", data={
            "title": "1号楼电梯抢修", "scope": scope, "budget": "18000.00",
            "category": "elevator", "applicant": "property_company",
            "reason": "曳引机故障，困人两次", "confirm": "1",
            "evidence": [(io.BytesIO(report), "inspection.pdf")]},
            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert "应急使用已公布在公示栏" in apply(b"%PDF-1.4 inspection 1")
    again = apply(b"%PDF-1.4 inspection 1")
    assert "不能重复申请" in again and "Traceback" not in again
    assert _emergencies(app) == 1
    assert "应急使用已公布在公示栏" in apply(b"%PDF-1.4 inspection 2")  # another danger
    assert "应急使用已公布在公示栏" in apply(b"%PDF-1.4 inspection 1", "building:2")
    assert _emergencies(app) == 3


@pytest.mark.postgresql_only
def test_an_emergency_use_sent_twice_at_once_is_published_once(app, runner, tmp_path,
                                                               monkeypatch):
    from votes.core import works as core_works
    from votes.services.money import emergency as em
    from votes.services.money.works import EvidenceFile

    _roll_only(app, runner, tmp_path)
    def apply(who):
        em.apply_emergency(em.EmergencyApplication(
            community="SUN", title="1号楼电梯抢修", scope="building:1", budget="18000.00",
            category="elevator", applicant="committee", reason="曳引机故障"),
            [EvidenceFile("r.pdf", b"%PDF-1.4 inspection")], actor=who)
        return "applied"

    outcome = held_race(app, monkeypatch, core_works, "emergency_body", apply)
    assert outcome["A"] == "applied" and "不能重复申请" in outcome["B"], outcome
    assert _emergencies(app) == 1


def test_the_application_package_after_the_settlement_counts_no_shortfall_twice(
        app, runner, tmp_path):
    """Downloaded again after the settlement (the fund office asks for it, the regulator
    checks it), the package read the balances this very settlement had just debited: a
    flat that paid its whole share showed the amount it paid as a shortfall, and the form's
    total shortfall grew by it."""
    import csv
    import zipfile

    from tests.browser import pdf_text
    from tests.money_world import low_balance_rows, works_done

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)

    def package(name):
        out = tmp_path / name
        result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
        assert result.exit_code == 0, result.output
        files = {n: zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist()}
        rows = list(csv.reader(io.StringIO(files["apportionment.csv"].decode("utf-8-sig"))))
        return rows, re.sub(r"\s+", "", pdf_text(files["application-form.pdf"]))

    before, form_before = package("before.zip")
    settled = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert settled.exit_code == 0, settled.output
    after, form_after = package("after.zip")
    # The budget's columns as before; the settlement's own follow them.
    assert [r[:7] for r in after] == before
    assert "分户账不足合计652.50元" in form_before
    # The settlement's shortfall, the settlement notice's: 635.55 of 1-1-201 and the
    # developer's two flats of unknown balance, 977.47 each; none of what was debited.
    assert "结算分摊不足合计2,590.49元" in form_after, form_after


def test_a_later_settlement_never_changes_a_settled_uses_package(app, runner, tmp_path):
    """Once a use is settled its package shows the balance its settlement drew on. Another
    use of the same flats settled later (an emergency repair) debited them again, and the
    first use's package, downloaded again for the fund office, counted that second debit
    against the first use: balances lower and shortfalls higher than the first settlement's
    own."""
    import csv
    import zipfile

    from tests.money_world import fire_pump_emergency, low_balance_rows, works_done

    pid = passed_vote(app, runner, tmp_path, rows=low_balance_rows())["pid"]
    works_done(runner, tmp_path, pid)
    other = fire_pump_emergency(runner, tmp_path)

    def table(name):
        out = tmp_path / name
        result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
        assert result.exit_code == 0, result.output
        data = zipfile.ZipFile(out).read("apportionment.csv").decode("utf-8-sig")
        return list(csv.reader(io.StringIO(data)))

    for cost, proposal in (("6400.00", pid), ("6000.00", other)):
        settled = runner.invoke(args=["works", "settle", proposal, "--final-cost", cost])
        assert settled.exit_code == 0, settled.output
        if proposal == pid:
            first = table("first.zip")
    assert table("again.zip") == first
    assert ["1", "1", "102", "120.00", "1200.00", "5000.00", "0.00", "1172.97", "1172.97",
            "0.00"] in first


def test_the_application_form_states_the_decision_not_the_ballots_alone(app, runner, tmp_path,
                                                                        client):
    """Where the rules adopt 从多 (follow the majority) a vote can pass although the ballots
    alone do not: the committee may use the fund, yet the form it signs for the fund office
    said "结果：未通过", and its proposal page hid the way to the works."""
    import zipfile

    from tests.browser import pdf_text
    from tests.procedure_world import close_at_end, open_vote, scan, unit_args, vote

    pid = open_vote(app, runner, tmp_path, "follow_majority=full")
    for voter in ("D", "E"):
        result = runner.invoke(args=[
            "proposal", "delivery", pid, *unit_args(voter), "--method", "hand", "--at",
            "2026-11-25T10:00", "--evidence", scan(tmp_path, f"r-{voter}.jpg", voter.encode()),
            "--by", "clerk1"])
        assert result.exit_code == 0, result.output
    vote(runner, tmp_path, pid, {"A": "agree", "B": "agree", "C": "disagree"})
    close_at_end(app, runner, pid)
    with app.app_context():
        from votes.services.figures import proposal_figures

        figures = proposal_figures(pid)
        assert figures.passed and not figures.tally.passed  # passed by 从多 only

    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    form = pdf_text(zipfile.ZipFile(out).read("application-form.pdf"))
    assert "结果：通过" in form and "结果：未通过" not in form
    assert "从多" in form  # and how: the ballots alone, then with 从多

    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    assert 'id="works-link"' in client.get(f"/committee/p/{pid}").get_data(as_text=True)


def _works_entries(app, pid) -> list[dict]:
    import json

    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry

        return [json.loads(line)["entry"]["body"] for line in db.session.scalars(
            select(ChainEntry.line).where(ChainEntry.proposal_id == int(pid),
                                          ChainEntry.kind == "works").order_by(ChainEntry.seq))]


def test_an_acceptance_is_dated_between_the_votes_close_and_today(app, runner, tmp_path):
    """"9999-12-31" went on the chain for good, and the settlement notice then showed an
    acceptance after its own date. Today is Beijing's: at 01:00 there it is already the
    next day in China, the day before in UTC. Nor before the day the vote closed: a date
    while it was open was taken, before any decision to spend."""
    from datetime import datetime, timezone

    from tests.money_world import evidence

    vote = passed_vote(app, runner, tmp_path)  # voting 2026-12-01 09:00 to the 8th, Beijing
    pid = vote["pid"]
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "6000.00", "--evidence", evidence(tmp_path)]).exit_code == 0
    app.config["VOTES_NOW"] = datetime(2026, 12, 8, 17, 0, tzinfo=timezone.utc)
    proof = ["--participant", "业委会", "--evidence",
             evidence(tmp_path, "report.pdf", b"%PDF-1.4 report")]
    for date, said in (("9999-12-31", "2026-12-09"), ("2026-12-10", "2026-12-09"),
                       ("2026-11-30", "2026-12-08"), ("2026-12-07", "2026-12-08")):
        refused = runner.invoke(args=["works", "acceptance", pid, "--date", date, *proof])
        assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
        assert said in refused.output, (date, refused.output)
    assert [b["stage"] for b in _works_entries(app, pid)] == ["contract"]
    ok = runner.invoke(args=["works", "acceptance", pid, "--date", "2026-12-09", *proof])
    assert ok.exit_code == 0, ok.output
    assert _works_entries(app, pid)[-1]["data"]["date"] == "2026-12-09"


def test_settlement_refusals_say_what_the_committee_can_do(app, runner, tmp_path):
    """Each refusal named the problem and stopped there: a flat gone from the roll (which
    flat, and no word on bringing it back), a final cost over the tolerance (not the most
    it may be), a final cost below what was paid (no word on the money paid too much,
    which nothing here can record)."""
    from tests.factories import make_roll_csv, sample_rows
    from tests.money_world import works_done

    vote = passed_vote(app, runner, tmp_path, tolerance="5")  # budget 6547.50
    pid = vote["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    before = _works_entries(app, pid)

    over = runner.invoke(args=["works", "settle", pid, "--final-cost", "7000.00"])
    assert over.exit_code == 1 and "需要重新表决" in over.output, over.output
    assert "6,874.87" in over.output, over.output  # 6547.50 × 1.05 = 6874.875

    below = runner.invoke(args=["works", "settle", pid, "--final-cost", "1500.00"])
    assert below.exit_code == 1 and "少于已付款" in below.output, below.output
    assert "500.00" in below.output and "维修资金管理部门" in below.output, below.output
    assert "退款" in below.output, below.output

    # The roll replaced by one without 1-1-202 and 2-1-201.
    rows = [r for r in sample_rows() if (r["building"], r["room"]) not in
            (("1", "202"), ("2", "201"))]
    replaced = runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                                   str(make_roll_csv(tmp_path / "new.csv", rows))])
    assert replaced.exit_code == 0, replaced.output
    gone = runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"])
    assert gone.exit_code == 1 and "Traceback" not in gone.output, gone.output
    assert "1号楼1单元202室" in gone.output and "2号楼1单元201室" in gone.output, gone.output
    assert "名册" in gone.output and "--replace" in gone.output, gone.output
    assert _works_entries(app, pid) == before


def test_an_acceptance_date_in_full_width_digits_is_read_as_amounts_are(app, runner, tmp_path):
    """"２０２６－１２－０８" (a Chinese input method's digits) was refused as not YYYY-MM-DD,
    while the amounts on the same forms read full-width digits; the chain keeps it in ASCII."""
    from tests.money_world import evidence

    pid = passed_vote(app, runner, tmp_path)["pid"]  # the clock: 2026-12-08 in Beijing
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "甲", "--amount",
                               "６０００．００", "--evidence", evidence(tmp_path)]).exit_code == 0
    ok = runner.invoke(args=["works", "acceptance", pid, "--date", " ２０２６－１２－０８ ",
                             "--participant", "业委会", "--evidence",
                             evidence(tmp_path, "report.pdf", b"%PDF-1.4 report")])
    assert ok.exit_code == 0, ok.output
    assert _works_entries(app, pid)[-1]["data"]["date"] == "2026-12-08"
