"""Issue 9.13: the 7-day publicity cannot be skipped by back-dating its start."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import make_roll_csv
from tests.staff_world import build, sign_in

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 Beijing time


def _community(app, runner, tmp_path):
    app.config["VOTES_NOW"] = NOW
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0


def _create(runner, publicity, start="2026-12-02T10:00", end="2026-12-09T10:00", extra=()):
    args = ["proposal", "create", "--community", "SUN", "--title", "电梯", "--matter",
            "use_fund", "--scope", "all", "--budget", "100", "--voting-start", start,
            "--voting-end", end, *extra]
    if publicity:
        args += ["--publicity-start", publicity]
    return runner.invoke(args=args)


@pytest.mark.parametrize("extra", [(), ("--emergency",)])
def test_cli_refuses_a_back_dated_publicity_start(app, runner, tmp_path, extra):
    _community(app, runner, tmp_path)
    # Eight days "ago": publicity would be over and voting could open tomorrow.
    result = _create(runner, "2026-11-24T10:00", extra=extra)
    assert result.exit_code == 1 and "已过去" in result.output and "Traceback" not in result.output
    # Leaving it out does not help: the default (voting start - 7 days) is in the past too.
    result = _create(runner, None)
    assert result.exit_code == 1
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_cli_accepts_publicity_from_now_on(app, runner, tmp_path):
    _community(app, runner, tmp_path)
    ok = _create(runner, "2026-12-01T10:00", start="2026-12-08T10:00", end="2026-12-09T10:00")
    assert ok.exit_code == 0, ok.output
    # Typed to the minute, a few seconds late: starts now, not earlier.
    app.config["VOTES_NOW"] = NOW + timedelta(seconds=30)
    late = _create(runner, "2026-12-01T10:00", start="2026-12-09T10:00", end="2026-12-10T10:00")
    assert late.exit_code == 0, late.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        assert get_proposal(late.output.strip()).publicity_start == NOW + timedelta(seconds=30)


def test_committee_form_refuses_a_back_dated_publicity_start(app, runner, client, tmp_path):
    build(app, runner, tmp_path)  # its clock: 2026-12-01 02:00 UTC
    sign_in(client, "sun_committee")
    form = {"title": "屋面防水", "matter": "use_fund", "scope": "building:1",
            "budget": "1000.00", "item_title": ["防水"], "item_amount": ["1000.00"],
            "publicity_start": "2026-11-23T10:00", "voting_start": "2026-12-01T11:00",
            "voting_end": "2026-12-15T10:00", "action": "create"}
    for emergency in ({}, {"emergency": "1"}):
        r = client.post("/committee/c/SUN/proposals/new", data={**form, **emergency})
        assert r.status_code == 200 and "公示只能从现在或以后开始" in r.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 2  # the world's


def test_starting_publicity_by_hand_starts_it_now_and_keeps_its_length(app, runner, tmp_path):
    _community(app, runner, tmp_path)
    pid = _create(runner, "2026-12-05T10:00", start="2026-12-12T10:00",
                  end="2026-12-19T10:00").output.strip()
    # Nine days later nobody has looked; the committee wants to publish now and vote in 2 days.
    app.config["VOTES_NOW"] = NOW + timedelta(days=2)
    result = runner.invoke(args=["proposal", "start-publicity", pid])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        p = get_proposal(pid)
        assert p.publicity_start == p.frozen_at == NOW + timedelta(days=2)


def test_a_back_dated_draft_is_never_frozen_in_the_past(app, runner, tmp_path):
    """A draft stored before this check with a start before its creation stays a draft
    until the committee starts publicity, which must then leave the full period."""
    _community(app, runner, tmp_path)
    pid = _create(runner, "2026-12-01T10:00", start="2026-12-08T10:00",
                  end="2026-12-15T10:00").output.strip()
    with app.app_context():
        from votes.extensions import db
        from votes.services.lifecycle import get_proposal

        get_proposal(pid).publicity_start = NOW - timedelta(days=8)
        db.session.commit()
    app.config["VOTES_NOW"] = NOW + timedelta(days=1)
    runner.invoke(args=["tick"])
    assert "草稿" in runner.invoke(args=["proposal", "show", pid]).output
    app.config["VOTES_NOW"] = NOW + timedelta(days=3)
    short = runner.invoke(args=["proposal", "start-publicity", pid])
    assert short.exit_code == 1 and "至少 7 天" in short.output
    app.config["VOTES_NOW"] = NOW + timedelta(days=7, hours=1)  # past the voting start
    runner.invoke(args=["tick"])
    shown = runner.invoke(args=["proposal", "show", pid]).output
    assert "草稿" in shown and "表决中" not in shown
