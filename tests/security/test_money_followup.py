"""Attacks on the steps after the vote, where money moves: amounts typed with a decimal
comma, works on a decision that was not to use the fund, a payment or an emergency use
submitted twice, and the application package's figures after the settlement."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in


def _count(app, model, **where) -> int:
    with app.app_context():
        from votes.extensions import db

        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


@pytest.mark.parametrize("text", ["6,4", "5,5", "12,34,5", "1,0000", ",5", "1234,567", "1，5"])
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
        "evidence": (io.BytesIO(b"%PDF contract"), "contract.pdf")}, follow_redirects=True)
    assert page.status_code == 200
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
        "evidence": (io.BytesIO(b"%PDF contract"), "contract.pdf")}, follow_redirects=True)
    assert page.status_code == 200 and "使用维修资金" in page.get_data(as_text=True)
    zipped = client.get(f"/committee/p/{pid}/application.zip")
    assert zipped.status_code == 400 and "使用维修资金" in zipped.get_data(as_text=True)
    assert _count(app, ChainEntry, proposal_id=vote["id"]) == before
