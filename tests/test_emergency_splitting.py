"""Splitting (拆分) an emergency use under the community's cap: each use was judged alone,
so under a 5,000 yuan cap a committee published three uses of 4,999 on the same building,
each with its own evidence file and none with an owner vote, 14,997 past the cap. The uses
of an overlapping scope published in the 12 months before must now be acknowledged, each
by its id, when together with this one they exceed the cap; the acknowledgement is audited
and shown with the use. A real danger is not blocked, and without a cap nothing changes."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import make_roll_csv
from tests.money_world import evidence
from tests.races import held_race

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


def _community(app, runner, tmp_path, cap="5000"):
    app.config["VOTES_NOW"] = T0
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv")
    assert runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)]).exit_code == 0
    if cap:
        capped = runner.invoke(args=["community", "rules", "SUN", "--set",
                                     f"emergency_max_budget={cap}"])
        assert capped.exit_code == 0, capped.output


def _apply(runner, tmp_path, n, *acknowledged, budget="4999.00", scope="building:1"):
    """The n-th use: its own title and its own evidence file (no repeat of another)."""
    extra = [arg for pid in acknowledged for arg in ("--acknowledge-emergency", str(pid))]
    return runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", f"1号楼屋面渗漏抢修{n}",
        "--scope", scope, "--budget", budget, "--category", "leak",
        "--applicant", "committee", "--reason", "屋面渗漏，顶层住户天花板滴水",
        "--evidence", evidence(tmp_path, f"leak{n}.pdf", f"%PDF-1.4 leak photo {n}".encode()),
        *extra])


def _published(result) -> int:
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def _count(app) -> int:
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import Proposal

        return db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.state == "emergency"))


def _audited(app, pid) -> dict:
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import AuditEntry

        return db.session.scalar(select(AuditEntry.details).where(
            AuditEntry.action == "proposal.emergency", AuditEntry.target == str(pid)))


def test_three_uses_under_the_cap_on_the_cli_must_each_acknowledge_the_earlier(
        app, runner, tmp_path, client):
    from tests.browser import pdf_text
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    first = _published(_apply(runner, tmp_path, 1))
    second = _apply(runner, tmp_path, 2)
    assert second.exit_code == 1 and _count(app) == 1, second.output
    for words in ("1号楼屋面渗漏抢修1", "2026-12-01", "4,999.00 元", "9,998.00 元", "5,000.00 元",
                  f"--acknowledge-emergency {first}"):
        assert words in second.output, (words, second.output)
    assert "Traceback" not in second.output
    second = _published(_apply(runner, tmp_path, 2, first))
    assert _audited(app, second)["acknowledged_emergencies"] == [first]

    third = _apply(runner, tmp_path, 3, first)  # the second one not acknowledged
    assert third.exit_code == 1 and "14,997.00 元" in third.output, third.output
    assert f"--acknowledge-emergency {first}" in third.output
    assert f"--acknowledge-emergency {second}" in third.output and _count(app) == 2
    third = _published(_apply(runner, tmp_path, 3, first, second))
    assert _audited(app, third)["acknowledged_emergencies"] == [first, second]
    assert _audited(app, first)["acknowledged_emergencies"] == []

    # Shown with the use: on the board, the committee's and the regulator's pages, the
    # announcement and `proposal show`.
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid, first_uid = get_proposal(str(third)).uid, get_proposal(str(first)).uid
    said = ("公布前 12 个月内本小区范围重叠的应急使用：1号楼屋面渗漏抢修1（2026-12-01 公布，"
            "预算 4,999.00 元）")
    total = "连同本次合计 14,997.00 元，超过公布时的应急使用预算上限 5,000.00 元"
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert said in board and total in board and "1号楼屋面渗漏抢修2" in board, board
    assert "公布前 12 个月内" not in client.get(f"/p/{first_uid}").get_data(as_text=True).replace("\u00a0", " ")
    english = client.get(f"/p/{uid}?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    assert "published within the 12 months before" in english, english
    staff_accounts(app, runner)
    for login, path in (("sun_committee", f"/committee/p/{third}?lang=zh_CN"),
                        ("district", f"/regulator/p/{third}?lang=zh_CN")):
        sign_in(client, login)
        page = client.get(path).get_data(as_text=True).replace("\u00a0", " ")
        assert said in page and total in page, (login, page)
    notice = client.get(f"/p/{uid}/emergency-notice.pdf")
    assert notice.status_code == 200
    text = "".join(pdf_text(notice.data).split())
    assert "1号楼屋面渗漏抢修1" in text and "14,997.00元" in text, text
    shown = runner.invoke(args=["proposal", "show", str(third)])
    assert shown.exit_code == 0 and said in shown.output and total in shown.output, shown.output


def test_exactly_at_the_cap_is_allowed_and_one_fen_over_needs_acknowledging(
        app, runner, tmp_path):
    _community(app, runner, tmp_path)
    first = _published(_apply(runner, tmp_path, 1, budget="2500.00"))
    second = _published(_apply(runner, tmp_path, 2, budget="2500.00"))  # 5,000.00 == cap
    assert _audited(app, second)["acknowledged_emergencies"] == []
    over = _apply(runner, tmp_path, 3, budget="0.01")
    assert over.exit_code == 1 and "5,000.01 元" in over.output, over.output
    assert f"--acknowledge-emergency {first}" in over.output
    assert f"--acknowledge-emergency {second}" in over.output
    _published(_apply(runner, tmp_path, 3, first, second, budget="0.01"))


def test_another_buildings_use_is_not_counted_but_one_of_the_whole_community_is(
        app, runner, tmp_path):
    _community(app, runner, tmp_path)
    other = _published(_apply(runner, tmp_path, 1, scope="building:2"))
    mine = _published(_apply(runner, tmp_path, 2))  # building 1: no building in common
    assert _audited(app, mine)["acknowledged_emergencies"] == []
    everyone = _apply(runner, tmp_path, 3, budget="1.00", scope="all")
    assert everyone.exit_code == 1, everyone.output
    assert f"--acknowledge-emergency {other}" in everyone.output
    assert f"--acknowledge-emergency {mine}" in everyone.output
    _published(_apply(runner, tmp_path, 3, other, mine, budget="1.00", scope="all"))


def test_a_use_published_more_than_12_months_before_is_not_counted(app, runner, tmp_path):
    _community(app, runner, tmp_path)
    first = _published(_apply(runner, tmp_path, 1))
    app.config["VOTES_NOW"] = T0.replace(year=2027) - timedelta(days=1)
    within = _apply(runner, tmp_path, 2)
    assert within.exit_code == 1 and f"--acknowledge-emergency {first}" in within.output
    app.config["VOTES_NOW"] = T0.replace(year=2027) + timedelta(days=1)
    _published(_apply(runner, tmp_path, 2))


def test_without_a_cap_nothing_changes(app, runner, tmp_path):
    _community(app, runner, tmp_path, cap="")
    for n in (1, 2, 3):
        pid = _published(_apply(runner, tmp_path, n))
        assert _audited(app, pid)["acknowledged_emergencies"] == []


def test_the_committees_form_asks_for_a_tick_on_each_earlier_use(app, runner, tmp_path,
                                                                 client):
    from tests.money_world import staff_accounts
    from tests.staff_world import sign_in

    _community(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")

    def apply(n, *ticks):
        return client.post("/committee/c/SUN/emergency", data={
            "title": f"1号楼屋面渗漏抢修{n}", "category": "leak", "applicant": "committee",
            "reason": "屋面渗漏，顶层住户天花板滴水", "scope": "1号楼", "budget": "4999.00",
            "confirm": "1", "acknowledge_emergency": [str(t) for t in ticks],
            "evidence": [(io.BytesIO(f"%PDF-1.4 leak {n}".encode()), "leak.pdf")]},
            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")

    assert "应急使用已公布在公示栏" in apply(1)
    with app.app_context():
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import Proposal

        first = db.session.scalar(select(Proposal.id).where(Proposal.state == "emergency"))
    page = apply(2)
    assert f'name="acknowledge_emergency" value="{first}"' in page, page
    assert "1号楼屋面渗漏抢修1" in page and "9,998.00 元" in page and _count(app) == 1
    assert "Traceback" not in page
    done = apply(2, first)
    assert "应急使用已公布在公示栏" in done, done
    assert _count(app) == 2
    with app.app_context():
        second = db.session.scalar(select(Proposal.id).where(Proposal.id != first))
    assert "公布前 12 个月内本小区范围重叠的应急使用：1号楼屋面渗漏抢修1" in client.get(
        f"/committee/p/{second}").get_data(as_text=True).replace("\u00a0", " ")


@pytest.mark.postgresql_only
def test_two_uses_at_once_cannot_both_slip_under_the_cap(app, runner, tmp_path, monkeypatch):
    """Each alone is under the cap and none acknowledges the other: judged under the
    community's lock, the second waits for the first and is refused naming it."""
    from votes.core import works as core_works
    from votes.services.money import emergency as em
    from votes.services.money.works import EvidenceFile

    _community(app, runner, tmp_path)

    def apply(who):
        em.apply_emergency(em.EmergencyApplication(
            community="SUN", title=f"1号楼屋面渗漏抢修{who}", scope="building:1",
            budget="4999.00", category="leak", applicant="committee", reason="屋面渗漏"),
            [EvidenceFile("r.pdf", f"%PDF-1.4 leak {who}".encode())], actor="cli")
        return "applied"

    outcome = held_race(app, monkeypatch, core_works, "emergency_body", apply)
    applied = [who for who, out in outcome.items() if out == "applied"]
    assert len(applied) == 1, outcome
    refused = outcome["B" if applied == ["A"] else "A"]
    assert f"1号楼屋面渗漏抢修{applied[0]}" in refused and "9,998.00 元" in refused, outcome
    assert _count(app) == 1
