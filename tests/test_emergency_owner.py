"""An owner's own view of an emergency use (应急使用, §18.6): the fund was spent without a
vote, and each flat's sub-ledger debited its share. As after a vote, the owner signs in
read-only by building and room and the second factor (no notice was ever handed out for
an emergency use: the board leads there), and sees the danger, who applied and why, the
evidence's digests, the budget, and what was (or will be) taken from their own flats, with
how it was computed, and whom to ask."""

from __future__ import annotations

import hashlib

from tests.factories import resident_id
from tests.money_world import works_done
from tests.test_emergency_use import _apply, _community

ZHANG = resident_id(1)[-6:]  # 张三: 1-1-101 (89.50 m²) and 1-1-201 (75.25 m²)
EVIDENCE = b"%PDF-1.4 special equipment report"  # what _apply sends as the inspection report
VOTE_WORDS = ("表决已结束", "截止", "选票", "表决记录", "表决通知")


def _emergency(app, runner, tmp_path) -> tuple[str, str]:
    from votes.services.lifecycle import get_proposal

    _community(app, runner, tmp_path)
    applied = _apply(runner, tmp_path)
    assert applied.exit_code == 0, applied.output
    pid = applied.output.strip()
    with app.app_context():
        return pid, get_proposal(pid).uid


def _sign_in(client, uid: str, room: str = "101", answer: str = ZHANG):
    picked = client.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1", "room": room})
    assert picked.status_code == 302, picked.get_data(as_text=True)
    page = client.get(f"/p/{uid}/verify").get_data(as_text=True)
    assert not [w for w in VOTE_WORDS if w in page], page
    return client.post(f"/p/{uid}/verify", data={"method": "id", "answer": answer})


def _debit(app, pid: str, room: str):
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import FrozenUnit, FundDebit

    with app.app_context():
        row = db.session.scalar(select(FundDebit).where(FundDebit.proposal_id == int(pid),
                                                        FundDebit.room == room))
        total = db.session.scalar(select(func.sum(FrozenUnit.area)).where(
            FrozenUnit.proposal_id == int(pid)))
        return row.share, row.debited, row.balance_after, int(total)  # numeric on PostgreSQL


def test_an_owner_sees_what_an_emergency_use_took_from_their_flats(app, runner, tmp_path, client):
    pid, uid = _emergency(app, runner, tmp_path)
    board = client.get(f"/p/{uid}").get_data(as_text=True)
    assert f'id="emergency-sign-in" href="/p/{uid}/pick"' in board

    done = _sign_in(client, uid)
    assert done.status_code == 302
    page = client.get(done.location, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'id="emergency-use"' in html
    assert "电梯故障" in html and "物业服务企业" in html and "1号楼电梯曳引机故障" in html
    assert "18,000.00" in html  # the budget
    assert hashlib.sha256(EVIDENCE).hexdigest() in html
    assert "1号楼1单元101室" in html and "1号楼1单元201室" in html
    assert "1号楼1单元102室" not in html, "another owner's flat"
    assert "344.75" in html and "89.50" in html  # the scope's area, the flat's
    assert 'id="fund-not-settled"' in html
    assert 'id="emergency-ask"' in html and "维修资金管理部门" in html
    assert not [w for w in VOTE_WORDS if w in html], html
    # /mine and /fund lead to the same page.
    for path in ("mine", "fund"):
        r = client.get(f"/p/{uid}/{path}")
        assert r.status_code == 302 and r.location.endswith(f"/p/{uid}/emergency")

    works_done(runner, tmp_path, pid, contract="17000.00", payments=("5000.00",))
    assert runner.invoke(args=["works", "settle", pid, "--final-cost", "17500.00"]).exit_code == 0
    html = client.get(f"/p/{uid}/emergency").get_data(as_text=True)
    share, debited, after, total = _debit(app, pid, "101")
    from votes.core.numbers import format_area, format_yuan

    assert total == 34475
    assert 'id="fund-debited-1"' in html and format_yuan(debited) in html
    assert format_yuan(after) in html and format_yuan(share) in html
    assert "17,500.00" in html and format_area(total) in html
    assert 'id="fund-not-settled"' not in html


def test_the_emergency_sign_in_is_read_only_and_refuses_strangers(app, runner, tmp_path, client):
    pid, uid = _emergency(app, runner, tmp_path)
    stranger = app.test_client()
    page = stranger.get(f"/p/{uid}/emergency")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and f'href="/p/{uid}/pick"' in html
    assert not [w for w in VOTE_WORDS if w in html], html
    assert _sign_in(stranger, uid, answer="000000").status_code == 200
    assert stranger.get(f"/p/{uid}/emergency").status_code == 403

    assert _sign_in(client, uid).status_code == 302
    refused = client.post(f"/p/{uid}/device", json={"public_key": "x"})
    assert refused.status_code == 403
    ballot = client.get(f"/p/{uid}/ballot").get_data(as_text=True)
    assert "表决已结束" not in ballot and f'href="/p/{uid}/emergency"' in ballot


def test_the_emergency_page_in_english(app, runner, tmp_path, client):
    pid, uid = _emergency(app, runner, tmp_path)
    _sign_in(client, uid)
    html = client.get(f"/p/{uid}/emergency?lang=en").get_data(as_text=True)
    assert "without an owner vote" in html and "fund management" in html, html


def test_after_a_code_is_sent_the_emergency_page_names_no_voting_notice(app, runner, tmp_path,
                                                                         client):
    """No notice was handed out for an emergency use: whoever waits for a code at the poster
    is pointed to what they have (the ID number, a company's letter), not to a notice."""
    pid, uid = _emergency(app, runner, tmp_path)
    assert client.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1",
                                                "room": "101"}).status_code == 302
    assert client.post(f"/p/{uid}/code").status_code in (200, 302)
    page = client.get(f"/p/{uid}/verify").get_data(as_text=True)
    assert 'id="phone-daily-cap"' in page
    assert not [w for w in VOTE_WORDS if w in page], page
    assert "应急使用告知书" in page
