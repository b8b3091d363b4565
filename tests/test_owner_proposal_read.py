"""The owner pages read the proposal as plain values (votes/services/proposal_read.py): its
row and community on every request, its items and document names kept per process once it
has left its draft. Nothing an owner sees or a page decides on may be stale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_open_proposal, make_roll_csv
from tests.test_owner_http import verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


def test_a_renamed_community_shows_on_the_next_page(app, client, vote):
    verified(client, app, vote)
    assert "阳光花园" in client.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)
    with app.app_context():
        from votes.extensions import db
        from votes.models import Community, Proposal

        proposal = db.session.get(Proposal, vote["id"])
        db.session.get(Community, proposal.community_id).name = "阳光花园二期"
        db.session.commit()
    assert "阳光花园二期" in client.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)


def test_the_close_is_seen_by_the_next_page(app, client, vote):
    verified(client, app, vote)
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 200
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, hours=9)  # past voting_end
    closed = client.get(f"/p/{vote['uid']}/ballot")
    assert closed.status_code == 410 and "表决已结束" in closed.get_data(as_text=True)
    confirm = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"})
    assert confirm.status_code == 410


def test_a_drafts_edited_items_show_while_it_is_a_draft(app, runner, tmp_path):
    """Items of a draft are never kept: the committee may still change them."""
    from datetime import datetime, timezone

    app.config["VOTES_NOW"] = datetime(2026, 11, 10, tzinfo=timezone.utc)
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    created = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter", "use_fund",
        "--scope", "all", "--budget", "6547.50", "--item", "电梯更换:6547.50",
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00"])
    assert created.exit_code == 0, created.output
    pid = created.output.strip()
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(pid).uid
    client = app.test_client()
    # An owner page of a draft says there is no such vote (nothing of the plan is shown).
    first = client.get(f"/p/{uid}/pick")
    assert first.status_code == 404 and "电梯更换" not in first.get_data(as_text=True)
    edited = runner.invoke(args=["proposal", "edit", pid, "--budget", "7000.00",
                                 "--item", "曳引机更换:7000.00"])
    assert edited.exit_code == 0, edited.output
    started = runner.invoke(args=["proposal", "start-publicity", pid])
    assert started.exit_code == 0, started.output
    page = client.get(f"/p/{uid}/pick").get_data(as_text=True)
    assert "曳引机更换" in page and "7,000.00" in page and "6,547.50" not in page


def test_the_values_cannot_be_changed(app, vote):
    from votes.services.proposal_read import proposal_values

    with app.test_request_context():
        proposal = proposal_values(vote["uid"])
        assert proposal.id == vote["id"] and proposal.community.name == "阳光花园"
        assert [item.title for item in proposal.items] == ["电梯更换"]
        with pytest.raises(AttributeError):
            proposal.state = "closed"
        assert proposal_values("no-such-uid") is None
