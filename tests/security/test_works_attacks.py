"""Attacks on works and money input: amounts (negative, zero, beyond 64 bits, not a number,
above the budget), text that is markup, a formula or spoofed direction, the application
package's member names, and emergency uses that would carry ballots or skip the evidence.
Each is a clear refusal with nothing recorded, or printed literally."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from tests.browser import pdf_text
from tests.money_world import evidence, passed_vote, staff_accounts, today, works_done
from tests.staff_world import sign_in

AMOUNTS = ["-1", "-0.01", "0", "0.00", "0.001", "1e5", "NaN", "inf", "",
           "99999999999999999999999999999", "9" * 5000, "1000000000000.01", " 12 34 ",
           "0x10", "1_000", "١٢٣"]


def _chain(app, pid) -> int:
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry, FundDebit

        return db.session.scalar(select(func.count()).select_from(ChainEntry).where(
            ChainEntry.proposal_id == int(pid))) + \
            db.session.scalar(select(func.count()).select_from(FundDebit))


@pytest.mark.parametrize("amount", AMOUNTS)
def test_odd_amounts_are_refused_on_the_web_and_nothing_is_recorded(app, runner, tmp_path,
                                                                    client, amount):
    vote = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    before = _chain(app, vote["pid"])
    page = client.post(f"/committee/p/{vote['id']}/works/contract", data={
        "contractor": "福州电梯工程有限公司", "amount": amount,
        "evidence": (io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")}, follow_redirects=True)
    assert page.status_code == 400  # the works page again, what was typed kept
    text = page.get_data(as_text=True)
    assert "请填写金额" in text or "金额必须大于 0" in text, amount
    assert _chain(app, vote["pid"]) == before


def test_odd_amounts_on_the_cli_and_budget_and_order_limits(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    before = _chain(app, pid)
    for amount in AMOUNTS + ["6547.51", "1000000000000.00"]:
        result = runner.invoke(args=["works", "contract", pid, "--contractor", "X",
                                     "--amount", amount, "--evidence", evidence(tmp_path)])
        assert result.exit_code == 1, (amount, result.output)
        assert "Traceback" not in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit), amount
    assert _chain(app, pid) == before
    for percent in ("-5", "100.01", "1e2", "5.555", "NaN", "9" * 400):
        result = runner.invoke(args=["works", "tolerance", "SUN", "--", percent])
        assert result.exit_code == 1 and "0 到 100" in result.output, percent
    works_done(runner, tmp_path, pid, contract="6547.50", payments=("6547.50",))
    over = runner.invoke(args=["works", "payment", pid, "--amount", "0.01", "--note", "x",
                               "--evidence", evidence(tmp_path, "v.pdf", b"v")])
    assert over.exit_code == 1 and "超过合同金额" in over.output
    for cost in ("6547.49", "6547.51", "0", "-6547.50"):
        result = runner.invoke(args=["works", "settle", pid, "--final-cost", cost])
        assert result.exit_code == 1, (cost, result.output)
    done = runner.invoke(args=["works", "settle", pid, "--final-cost", "6547.50"])
    assert done.exit_code == 0, done.output
    settled = _chain(app, pid)
    for args in (["settle", pid, "--final-cost", "6547.50"],
                 ["payment", pid, "--amount", "1.00", "--evidence", evidence(tmp_path)],
                 ["contract", pid, "--contractor", "Y", "--amount", "1.00", "--evidence",
                  evidence(tmp_path)]):
        result = runner.invoke(args=["works", *args])
        assert result.exit_code == 1 and "已结算" in result.output, args
    assert _chain(app, pid) == settled


HOSTILE = '<font name="x"><a href="http://127.0.0.1:9/">=HYPERLINK("http://x")</a><img src="/etc/passwd"/></font>'


def test_markup_and_formulas_in_works_text_print_literally(app, runner, tmp_path, client):
    vote = passed_vote(app, runner, tmp_path)
    pid = vote["pid"]
    steps = [["contract", pid, "--contractor", HOSTILE, "--amount", "6000.00"],
             ["payment", pid, "--amount", "100.00", "--note", "<b>=1+1</b>"],
             ["acceptance", pid, "--date", today(app), "--participant", "<i>@SUM(A1)</i>"]]
    for i, args in enumerate(steps):
        result = runner.invoke(args=["works", *args, "--evidence",
                                     evidence(tmp_path, f"e{i}.pdf", f"e{i}".encode())])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6000.00"]).exit_code == 0
    public = client.get(f"/p/{vote['uid']}/settlement.pdf")
    assert public.status_code == 200
    flat = "".join(pdf_text(public.data).split())
    assert '=HYPERLINK("http://x")' in flat and "<i>@SUM(A1)</i>" in flat
    assert b"/URI" not in public.data and b"/Annots" not in public.data  # text, not a link
    board = client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    assert "<font" not in board and "&lt;font" in board

    out = tmp_path / "application.zip"
    result = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert sorted(names) == ["README.txt", "application-form.pdf", "apportionment.csv",
                                 "apportionment.xlsx", "bundle.zip", "result-notice.pdf"]
        form = z.read("application-form.pdf")
    assert b"/Annots" not in form
    assert "<imgsrc" in "".join(pdf_text(form).split())


def test_direction_controls_are_refused_in_works_text(app, runner, tmp_path):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    before = _chain(app, pid)
    spoof = runner.invoke(args=["works", "contract", pid, "--contractor",
                                "福州\u202e司公限有程工梯电", "--amount", "6000.00",
                                "--evidence", evidence(tmp_path)])
    assert spoof.exit_code == 1 and "显示方向" in spoof.output
    assert _chain(app, pid) == before


def test_an_emergency_use_never_carries_a_vote(app, runner, tmp_path, client):
    from tests.test_emergency_use import _apply, _community

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    pid = _apply(runner, tmp_path).output.strip()
    before = _chain(app, pid)
    for args in (["proposal", "open", pid], ["proposal", "close", pid],
                 ["ballots", "correct", pid, "--entry", "1", "--choice", "agree", "--reason",
                  "x", "--entered-by", "c"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    assert client.get(f"/p/{uid}/ballot").status_code in (302, 403, 404)
    assert _chain(app, pid) == before
    sign_in(client, "sun_committee")
    entered = client.post(f"/committee/p/{pid}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff scan"), "scan.jpg")}, follow_redirects=True)
    assert entered.status_code in (200, 400, 404)  # a clear refusal, never a 500
    assert _chain(app, pid) == before


@pytest.mark.parametrize("change", [{"category": "party"}, {"applicant": "owner"},
                                    {"reason": "  "}, {"reason": "长" * 2001},
                                    {"reason": "\u202e急紧"}, {"evidence": None},
                                    {"budget": "-1"}, {"scope": "building:99"}])
def test_emergency_refusals_on_the_web_leave_nothing_behind(app, runner, tmp_path, client,
                                                           change):
    from tests.test_emergency_use import _community

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    form = {"title": "电梯抢修", "scope": "all", "budget": "1000.00", "category": "elevator",
            "applicant": "committee", "reason": "困人", "confirm": "1",
            "evidence": (io.BytesIO(b"%PDF-1.4 report"), "report.pdf")}
    form.update(change)
    form = {k: v for k, v in form.items() if v is not None}
    page = client.post("/committee/c/SUN/emergency", data=form)
    assert page.status_code == 200  # the form again, with the reason
    assert 'class="flash error" role="alert"' in page.get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db
        from votes.models import ChainEntry, Evidence, Proposal

        for model in (Proposal, ChainEntry, Evidence):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_emergency_of_another_community_or_by_a_regulator(app, runner, tmp_path):
    from tests.factories import make_open_proposal
    from tests.staff_world import PASSWORD

    make_open_proposal(app, runner, tmp_path, code="SUN")
    make_open_proposal(app, runner, tmp_path, code="MOON")
    staff_accounts(app, runner)
    assert runner.invoke(args=["users", "create", "--no-must-change", "moon_committee", "--role", "committee",
                               "--community", "MOON", "--password", PASSWORD]).exit_code == 0
    form = {"title": "x", "scope": "all", "budget": "1.00", "category": "fire",
            "applicant": "committee", "reason": "r", "confirm": "1"}
    for login, codes in (("moon_committee", (404,)), ("district", (403, 404))):
        client = app.test_client()
        sign_in(client, login)
        assert client.post("/committee/c/SUN/emergency", data=form).status_code in codes


def test_impossible_acceptance_dates_and_endless_participant_lists(app, runner, tmp_path):
    from datetime import datetime, timezone

    pid = passed_vote(app, runner, tmp_path)["pid"]
    assert runner.invoke(args=["works", "contract", pid, "--contractor", "X", "--amount",
                               "6000.00", "--evidence", evidence(tmp_path)]).exit_code == 0
    before = _chain(app, pid)
    proof = ["--evidence", evidence(tmp_path, "p.jpg", b"photo")]
    for date in ("2026-02-31", "2026-02-30", "2025-02-29", "2026-13-01", "26-12-30",
                 "2026-12-30T00:00", "２０２６-０２-３１"):  # read as 2026-02-31
        result = runner.invoke(args=["works", "acceptance", pid, "--date", date,
                                     "--participant", "业委会", *proof])
        assert result.exit_code == 1 and "YYYY-MM-DD" in result.output, date
    many = [x for i in range(51) for x in ("--participant", f"业主{i}")]
    result = runner.invoke(args=["works", "acceptance", pid, "--date", "2026-12-30", *many,
                                 *proof])
    assert result.exit_code == 1 and "最多 50 个" in result.output
    assert _chain(app, pid) == before
    app.config["VOTES_NOW"] = datetime(2028, 3, 1, 1, 0, tzinfo=timezone.utc)  # after it
    leap = runner.invoke(args=["works", "acceptance", pid, "--date", "2028-02-29",
                               *many[:100], *proof])
    assert leap.exit_code == 0, leap.output
