"""The owner's own flat after the works were settled (§18): what was taken from its
maintenance-fund account, beside the estimate shown at voting time, to that owner alone."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_open_proposal, paper_then_close, sign_in_owner
from tests.money_world import low_balance_rows, works_done




def _settled(app, runner, tmp_path, rows):
    """The elevator vote, owners of 1-202 and 1-102 signed in while it was open, passed by
    paper ballots (1-202 did not vote), then its works done and settled at 6,400.00."""
    proposal = make_open_proposal(app, runner, tmp_path, rows=rows)
    pid = str(proposal["id"])
    owners = {"202": app.test_client(), "102": app.test_client()}
    sign_in_owner(app, owners["202"], proposal, "202", 4)
    sign_in_owner(app, owners["102"], proposal, "102", 2)
    paper_then_close(app, runner, tmp_path, proposal, "agree")
    return proposal, pid, owners


def _figures(app, proposal, room: str):
    from votes.core.numbers import format_yuan
    from votes.extensions import db
    from votes.models import FrozenUnit, FundDebit
    from votes.services.clock import local_text

    with app.app_context():
        unit = db.session.scalar(select(FrozenUnit).where(
            FrozenUnit.proposal_id == proposal["id"], FrozenUnit.building == "1",
            FrozenUnit.room == room))
        debit = db.session.scalar(select(FundDebit).where(
            FundDebit.proposal_id == proposal["id"], FundDebit.unit_key == unit.unit_key))
        figures = {"estimate": format_yuan(unit.share), "debited": format_yuan(debit.debited),
                   "share": format_yuan(debit.share),
                   "date": local_text(debit.created_at, "%Y-%m-%d"), "known":
                   debit.balance_before is not None}
        db.session.remove()
    return figures


def test_the_owner_sees_what_was_debited_from_their_flat_and_no_one_else_does(
        app, runner, tmp_path):
    rows = low_balance_rows()  # 1-202 holds 700.00, 1-102 5,000.00
    proposal, pid, owners = _settled(app, runner, tmp_path, rows)
    uid = proposal["uid"]
    page = owners["202"].get(f"/p/{uid}/fund")
    assert page.status_code == 200 and "尚未结算" in page.get_data(as_text=True)
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    mine, theirs = _figures(app, proposal, "202"), _figures(app, proposal, "102")
    assert mine["known"] and mine["debited"] != theirs["debited"]
    assert mine["estimate"] != mine["debited"]  # the final cost is not the budget
    page = owners["202"].get(f"/p/{uid}/fund")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert page.headers.get("Cache-Control") == "no-store"
    assert f"{mine['debited']}&nbsp;元" in html and f"{mine['estimate']}&nbsp;元" in html, html
    assert mine["date"] in html and 'id="fund-debit-' in html
    assert theirs["debited"] not in html
    # The owner of 1-202 did not vote: the closed ballot page leads there; 1-102's receipt.
    assert f"/p/{uid}/fund" in owners["202"].get(f"/p/{uid}/ballot").get_data(as_text=True)
    receipt = owners["102"].get(f"/p/{uid}/ballot", follow_redirects=True)
    assert f"/p/{uid}/fund" in receipt.get_data(as_text=True)
    html = owners["102"].get(f"/p/{uid}/fund").get_data(as_text=True)
    assert f"{theirs['debited']}&nbsp;元" in html and mine["debited"] not in html
    # An anonymous visitor sees no one's.
    anonymous = app.test_client().get(f"/p/{uid}/fund")
    assert anonymous.status_code == 403
    body = anonymous.get_data(as_text=True)
    assert mine["debited"] not in body and theirs["debited"] not in body
    en = owners["202"].get(f"/p/{uid}/fund?lang=en").get_data(as_text=True)
    assert "Actually debited from the flat's fund sub-ledger" in en and mine["debited"] in en
    assert "Estimated share shown at voting" in en and "Settlement date" in en


def test_a_debit_the_money_records_do_not_know_is_said_to_be_unknown(app, runner, tmp_path):
    rows = low_balance_rows()
    rows[4] = dict(rows[4], fund_balance="")  # 1-202's balance was never given
    proposal, pid, owners = _settled(app, runner, tmp_path, rows)
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    mine = _figures(app, proposal, "202")
    assert not mine["known"]
    html = owners["202"].get(f"/p/{proposal['uid']}/fund").get_data(as_text=True)
    assert "未知" in html and f"{mine['estimate']}&nbsp;元" in html and 'id="fund-unknown-' in html
    assert ">0.00 元" not in html  # never "0.00 taken" for a debit no one knows


def test_the_owner_sees_the_balance_before_the_debit_as_well_as_after_it(app, runner, tmp_path):
    """The page gave the balance after the debit alone: the owner could not check that
    before − debit = after. Both are said, in yuan from integer fen, in that order."""
    from votes.core.numbers import format_yuan
    from votes.extensions import db
    from votes.models import FundDebit

    proposal, pid, owners = _settled(app, runner, tmp_path, low_balance_rows())
    works_done(runner, tmp_path, pid, payments=("2000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "6400.00"]).exit_code == 0
    with app.app_context():
        debit = next(d for d in db.session.scalars(select(FundDebit).where(
            FundDebit.proposal_id == proposal["id"])) if d.balance_before == 70000)  # 1-202
        before, taken, after = debit.balance_before, debit.debited, debit.balance_after
        db.session.remove()
    assert before - taken == after
    html = owners["202"].get(f"/p/{proposal['uid']}/fund").get_data(as_text=True)
    card = html.split('id="fund-debit-')[1]
    assert "扣减前余额" in card and "扣减后余额" in card
    told = card[card.index("扣减前余额"):]  # before, then what was taken, then after
    positions = [told.index(f"{format_yuan(v)}&nbsp;元") for v in (before, taken, after)]
    assert positions == sorted(positions) and told.index("扣减后余额") < positions[2], positions
    en = owners["202"].get(f"/p/{proposal['uid']}/fund?lang=en").get_data(as_text=True)
    assert "Balance before the debit" in en
