"""`votes verify` on the exported bundle of a vote with works states the works figures it
checked, and the regulator's 验证导出包 shows the same (docs/verification.md §7, §18).

The report printed no contract, payment or settlement amount: a regulator or the fund
office saw them only on the regulator's pages, read from the database, never as figures the
verifier had checked on the chain.
"""

from __future__ import annotations

import html
import json

from click.testing import CliRunner

from tests.money_world import passed_vote, staff_accounts, today, works_done
from tests.staff_world import sign_in
from votes.cli import main as votes_command

FIGURES = ("施工单位 contractor 福州电梯工程有限公司, 金额 amount 6,000.00 元 yuan",
           "付款 payment", "2,000.00 元 yuan（预付款1）", "3,000.00 元 yuan（预付款2）",
           "已付款合计 total paid: 5,000.00 元 yuan（2 笔 payments）",
           "结算金额 final cost 6,200.00 元 yuan, 已付款 paid 5,000.00 元 yuan, "
           "尚需支付 still to pay 1,200.00 元 yuan",
           "各户应摊合计 the units' shares total 6,200.00 元 yuan")


def _settled(app, runner, tmp_path) -> str:
    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00", "3000.00"))
    settled = runner.invoke(args=["works", "settle", pid, "--final-cost", "6200.00"])
    assert settled.exit_code == 0, settled.output
    return pid


def test_votes_verify_states_the_checked_works_figures(app, runner, tmp_path):
    pid = _settled(app, runner, tmp_path)
    bundle = tmp_path / "bundle.zip"
    assert runner.invoke(args=["export", pid, "-o", str(bundle)]).exit_code == 0
    keys = tmp_path / "votes-keys.json"
    with app.app_context():
        from votes.services.keys import keyring

        keys.write_text(json.dumps(keyring().to_json_obj()))

    text = CliRunner().invoke(votes_command, ["verify", str(bundle), "--keys", str(keys)])
    assert text.exit_code == 0, text.output
    for figure in FIGURES:
        assert figure in text.output, text.output
    assert f"验收 acceptance（第 9 条 entry 9）: {today(app)}" in text.output, text.output
    assert "NOT verified" not in text.output

    as_json = CliRunner().invoke(votes_command, ["verify", str(bundle), "--keys", str(keys),
                                                 "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.stdout)["works"]  # progress lines are on stderr
    assert figures["not_verified"] is False
    assert figures["contract"]["amount_fen"] == 600000
    assert [p["amount_fen"] for p in figures["payments"]] == [200000, 300000]
    assert figures["paid_fen"] == 500000 and figures["acceptance"]["date"] == today(app)
    assert figures["settlement"]["final_cost_fen"] == 620000
    assert figures["settlement"]["shares_total_fen"] == 620000
    assert figures["settlement"]["units"] == 7
    # The same total as the shares the server charged the units' sub-ledgers.
    with app.app_context():
        from sqlalchemy import func, select

        from votes.models.money import FundDebit
        from votes.extensions import db

        charged = db.session.scalar(select(func.sum(FundDebit.share))
                                    .where(FundDebit.proposal_id == int(pid)))
    assert charged == figures["settlement"]["shares_total_fen"]


def test_the_regulator_s_verification_shows_the_same_figures(app, runner, tmp_path, client):
    pid = _settled(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "district")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    report = html.unescape(page.split('id="verify-report">', 1)[1].split("</pre>", 1)[0])
    assert "验证通过 / VERIFIED" in report
    for figure in FIGURES:
        assert figure in report, report
