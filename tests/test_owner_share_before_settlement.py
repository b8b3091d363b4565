"""After a passed vote and before the settlement, the owner's own pages say what the repair
is to cost their flats: the share of the approved budget they were shown when voting. The
pages said only that nothing was debited yet, so an owner who signed in after the close
(read-only) read no figure of their own until the works were settled."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_open_proposal, paper_then_close, sign_in_owner
from tests.money_world import low_balance_rows


def _share(app, proposal, room: str) -> str:
    from votes.core.numbers import format_yuan
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        share = db.session.scalar(select(FrozenUnit.share).where(
            FrozenUnit.proposal_id == proposal["id"], FrozenUnit.building == "1",
            FrozenUnit.room == room))
        db.session.remove()
    return format_yuan(share)


def _closed(app, runner, tmp_path, choice: str):
    proposal = make_open_proposal(app, runner, tmp_path, rows=low_balance_rows())
    owner = app.test_client()
    sign_in_owner(app, owner, proposal, "202", 4)
    paper_then_close(app, runner, tmp_path, proposal, choice)
    return proposal, owner


def test_the_owner_reads_their_flats_share_of_the_approved_budget_before_the_settlement(
        app, runner, tmp_path):
    proposal, owner = _closed(app, runner, tmp_path, "agree")
    uid, share = proposal["uid"], _share(app, proposal, "202")
    fund = owner.get(f"/p/{uid}/fund").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="fund-not-settled"' in fund and "表决时预计分摊" in fund
    assert f"{share}&nbsp;元" in fund and 'id="fund-debit-1"' in fund
    assert "实际从分户账扣减" not in fund  # nothing is said to be taken yet
    assert _share(app, proposal, "102") not in fund  # another flat's is not shown
    mine = owner.get(f"/p/{uid}/mine").get_data(as_text=True).replace("\u00a0", " ")
    assert f"本户预计分摊 {share} 元" in mine, mine
    en = owner.get(f"/p/{uid}/fund?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "Estimated share shown at voting" in en and share in en
    en = owner.get(f"/p/{uid}/mine?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert share in en and "本户预计分摊" not in en


def test_no_share_is_shown_for_a_vote_that_spends_nothing(app, runner, tmp_path):
    proposal, owner = _closed(app, runner, tmp_path, "disagree")
    uid, share = proposal["uid"], _share(app, proposal, "202")
    for page in ("fund", "mine"):
        html = owner.get(f"/p/{uid}/{page}").get_data(as_text=True).replace("\u00a0", " ")
        assert 'id="fund-not-used"' in html and f"{share}&nbsp;元" not in html, page
