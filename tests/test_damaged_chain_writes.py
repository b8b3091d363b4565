"""The writes that read a proposal's chain, when the chain in the database was altered behind
the app's back (tests/test_tampered_chain_store.py's TAMPERINGS: a row not JSON, a row
rewritten, rows swapped, a row deleted, the head column changed). Every reader of the chain
refuses such a chain in its reader's words; these writes read it unchecked: the close sealed
a tally over it (the timer, or the first request after the end), the emergency form, the
committee's correction and the owner's second device-signed cast were a 500 on a row not
JSON. Each now refuses in its audience's words, and writes nothing."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal
from tests.money_world import staff_accounts
from tests.staff_world import sign_in
from tests.test_damaged_chain_owner import _damage_open_chain, _paper_ballots
from tests.test_tampered_chain_store import TAMPERINGS

OWNERS = "请告知业主委员会和维修资金管理部门"
COMMITTEE = "请联系维修资金管理部门和系统管理员核查"
REGULATOR = "验证导出包"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _chain(app, pid) -> tuple[str, int, list[str], int]:
    """The proposal's state and chain length, its rows' kinds, and the audit entries on it."""
    from votes.extensions import db
    from votes.models import AuditEntry, ChainEntry, Proposal

    with app.app_context():
        p = db.session.get(Proposal, int(pid))
        kinds = db.session.scalars(select(ChainEntry.kind).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        audits = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.target == str(pid)))
        state = (p.state, p.chain_length, list(kinds), audits)
        db.session.remove()
        return state


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_the_close_refuses_a_damaged_chain_and_the_timer_goes_on(app, runner, tmp_path, how):
    """The timer at the end of two votes, one of whose chains was altered: it closed both,
    sealing onto the damaged one a tally of ballots the chain no longer vouches for. The
    damaged one now stays open, nothing appended, the timer saying why beside its id and
    closing the other; the committee's close, its page and the regulator's say why."""
    other = make_open_proposal(app, runner, tmp_path, code="MOON")
    vote = make_open_proposal(app, runner, tmp_path)
    pid = vote["id"]
    _paper_ballots(runner, tmp_path, pid)  # genesis and entries 1-4
    _damage_open_chain(app, pid, how)
    from votes.services.records import forget_checked

    forget_checked()
    before = _chain(app, pid)

    app.config["VOTES_NOW"] = datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc)  # both ended
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output
    said = [line for line in result.stderr.splitlines() if line.startswith(f"{pid}: ")]
    assert len(said) == 1 and "不能结束表决" in said[0] and COMMITTEE in said[0], result.stderr
    assert _chain(app, pid) == before and before[0] == "voting"
    assert _chain(app, other["id"])[0] == "closed"

    staff_accounts(app, runner)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    page = committee.get(f"/committee/p/{pid}")
    text = _text(page)
    assert page.status_code in (200, 400) and "Traceback" not in text, text
    assert "不能结束表决" in text and COMMITTEE in text and OWNERS not in text, text
    clicked = committee.post(f"/committee/p/{pid}/move/close", data={"confirm": "1"},
                             follow_redirects=True)
    text = _text(clicked)
    assert clicked.status_code in (200, 400) and "不能结束表决" in text, text
    assert COMMITTEE in text and OWNERS not in text and "已结束表决" not in text, text
    closed = runner.invoke(args=["proposal", "close", str(pid)])
    assert closed.exit_code == 1 and COMMITTEE in closed.output, closed.output
    assert "Traceback" not in closed.output

    regulator = app.test_client()
    sign_in(regulator, "district")
    page = regulator.get(f"/regulator/p/{pid}")
    text = _text(page)
    assert page.status_code == 200 and "不能结束表决" in text, text
    assert REGULATOR in text and OWNERS not in text, text
    english = _text(regulator.get(f"/regulator/p/{pid}?lang=en"))
    assert "the vote cannot be closed" in english, english

    # Nor did any of the readers close it on its way (the first request after the end).
    board = app.test_client().get(f"/p/{vote['uid']}")
    assert board.status_code != 500
    assert _chain(app, pid)[:3] == before[:3]


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_correction_refuses_a_damaged_chain(app, runner, tmp_path, how):
    """The committee's correction of a paper ballot, without a new scan, carries the
    original's: it read that entry's line as JSON (a 500 when it was not), and appended the
    correction to the damaged chain either way."""
    vote = make_open_proposal(app, runner, tmp_path)
    pid = vote["id"]
    _paper_ballots(runner, tmp_path, pid)  # genesis and entries 1-4
    staff_accounts(app, runner)
    _damage_open_chain(app, pid, how)
    from votes.services.records import forget_checked

    forget_checked()
    before = _chain(app, pid)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    for entry in (1, 2):  # another voter's, and the one damaged
        refused = committee.post(f"/committee/p/{pid}/paper-ballots/correct", data={
            "entry": str(entry), "choice": "disagree", "reason": "录入时看错了意见",
            "confirm": "1"})
        text = _text(refused)
        assert refused.status_code == 400 and "Traceback" not in text, text
        assert "不能更正选票" in text and COMMITTEE in text and OWNERS not in text, text
        assert "已更正" not in text, text
    result = runner.invoke(args=["ballots", "correct", str(pid), "--entry", "1", "--choice",
                                 "disagree", "--reason", "录入时看错了意见", "--entered-by",
                                 "clerk2"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "不能更正选票" in result.output and COMMITTEE in result.output, result.output
    assert _chain(app, pid) == before
