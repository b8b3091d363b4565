"""Who sees the money: a flat's sub-ledger balance is the household's financial data.

The public settlement notice (anyone with the board's link) lists each flat's area and share
and how many flats must top up; balances, debits and shortfalls are in the committee's copy,
which a committee member of another community or a regulator of another district cannot
open (404, as if it did not exist), nor the application package."""

from __future__ import annotations


from sqlalchemy import select

from tests.browser import pdf_text
from tests.money_world import low_balance_rows, passed_vote, staff_accounts, works_done
from tests.staff_world import PASSWORD, sign_in


def _settled(app, runner, tmp_path) -> dict:
    vote = passed_vote(app, runner, tmp_path, rows=low_balance_rows())
    works_done(runner, tmp_path, vote["pid"])
    assert runner.invoke(args=["works", "settle", vote["pid"], "--final-cost",
                               "6400.00"]).exit_code == 0
    staff_accounts(app, runner)
    with app.app_context():
        from votes.extensions import db
        from votes.models import FundDebit

        vote["debits"] = [(d.building, d.entrance, d.room, d.balance_after, d.shortfall,
                           d.share) for d in db.session.scalars(select(FundDebit))]
    return vote


def _outsiders(app, runner, tmp_path) -> None:
    """A committee member of another community, a regulator of another district."""
    from tests.factories import make_open_proposal

    make_open_proposal(app, runner, tmp_path, code="MOON")
    for args in (["moon_committee", "--role", "committee", "--community", "MOON"],
                 ["other_district", "--role", "regulator", "--jurisdiction", "350503"]):
        result = runner.invoke(args=["users", "create", "--no-must-change", *args, "--password", PASSWORD])
        assert result.exit_code == 0, result.output


def test_public_settlement_notice_has_shares_but_no_balances(app, runner, tmp_path, client):
    from votes.core.numbers import format_yuan

    vote = _settled(app, runner, tmp_path)
    public = client.get(f"/p/{vote['uid']}/settlement.pdf")
    assert public.status_code == 200
    text = pdf_text(public.data)
    assert "1号楼1单元202室" in text and "分摊" in text and "共 2 户" in text
    for header in ("扣减后余额", "已扣减", "不足(元)"):
        assert header not in text, header
    rich = next(d for d in vote["debits"] if d[2] == "101" and d[0] == "1")
    assert format_yuan(rich[5]) in text  # the share is public
    assert format_yuan(rich[3]) not in text  # its balance is not
    board = client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    assert format_yuan(rich[3]) not in board

    sign_in(client, "sun_committee")
    works = client.get(f"/committee/p/{vote['id']}/works").get_data(as_text=True)
    assert 'id="settlement-balances-pdf"' in works
    full = client.get(f"/committee/p/{vote['id']}/settlement.pdf")
    assert full.status_code == 200 and full.mimetype == "application/pdf"
    text = pdf_text(full.data)
    assert "扣减后余额" in text and format_yuan(rich[3]) in text

    out = tmp_path / "cli.pdf"
    result = runner.invoke(args=["works", "settlement-notice", vote["pid"], "--balances",
                                 "-o", str(out)])
    assert result.exit_code == 0 and "扣减后余额" in pdf_text(out.read_bytes())


def test_other_communities_and_districts_cannot_reach_the_money(app, runner, tmp_path):
    vote = _settled(app, runner, tmp_path)
    _outsiders(app, runner, tmp_path)
    pid = vote["id"]
    urls = [f"/committee/p/{pid}/settlement.pdf", f"/committee/p/{pid}/application.zip",
            f"/committee/p/{pid}/works"]
    anonymous = app.test_client()
    for url in urls:
        assert anonymous.get(url).status_code in (302, 401), url
    for login in ("moon_committee", "other_district"):
        client = app.test_client()
        sign_in(client, login)
        for url in urls[:2]:  # the role may open these, but not for this community
            assert client.get(url).status_code == 404, (login, url)
        assert client.get(urls[2]).status_code in (403, 404), login
        posted = client.post(f"/committee/p/{pid}/works/settle",
                             data={"final_cost": "1.00", "confirm": "1"})
        assert posted.status_code in (403, 404), login
    district = app.test_client()
    sign_in(district, "district")
    package = district.get(f"/committee/p/{pid}/application.zip")
    assert package.status_code == 200 and package.mimetype == "application/zip"
    assert district.get(f"/committee/p/{pid}/settlement.pdf").status_code == 200
    # The regulator reads; recording money is the committee's.
    assert district.post(f"/committee/p/{pid}/works/payment",
                         data={"amount": "1.00"}).status_code == 403


def test_the_committee_copy_before_the_settlement_is_a_clear_refusal(app, runner, tmp_path,
                                                                    client):
    vote = passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{vote['id']}/settlement.pdf", follow_redirects=True)
    assert page.status_code == 200 and "尚未结算" in page.get_data(as_text=True)
