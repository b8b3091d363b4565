"""A verification made from the database when the chain there is damaged: no bundle was
made, so the note about a bundle's report.txt and ballots.csv is not shown (nor stored); and
where more damage was found than is listed one by one, the stored verification says how many
more there were."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in
from tests.test_tampered_chain_store import _last_verification, _tamper

NOTE = "report.txt 和 ballots.csv"


def test_a_verification_of_a_damaged_chain_says_nothing_of_a_bundles_files(app, runner,
                                                                           tmp_path, client):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "district")
    sound = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过" in sound and NOTE in sound  # a bundle was made and verified
    _tamper(app, pid, "unreadable")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    summary = re.search(r'<div id="verify-summary">.*?</div>', page, re.S).group(0)
    assert "验证失败" in summary and NOTE not in summary, summary
    report = client.get(f"/regulator/p/{pid}/verification.txt").get_data(as_text=True)
    assert "验证失败 / FAILED" in report and NOTE not in report, report


def test_damage_past_what_is_listed_is_counted(app, runner, tmp_path, client, monkeypatch):
    from votes.extensions import db
    from votes.models import ChainEntry
    from votes.services import records

    monkeypatch.setattr(records, "MAX_DAMAGE", 2)
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    with app.app_context():
        for row in db.session.scalars(select(ChainEntry).where(
                ChainEntry.proposal_id == int(pid), ChainEntry.seq.in_([1, 2, 3, 4]))):
            row.line = row.line[:-7]
        db.session.commit()
    sign_in(client, "district")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "另有 2 处问题未逐条列出" in page, page
    last = _last_verification(client.get(f"/regulator/p/{pid}").get_data(as_text=True))
    assert "另有 2 处问题未逐条列出" in last, last
    report = client.get(f"/regulator/p/{pid}/verification.txt").get_data(as_text=True)
    assert "另有 2 处问题未逐条列出 / 2 more problems not listed" in report, report
    assert "验证失败 / FAILED (4 problems)" in report, report
    english = client.get(f"/regulator/p/{pid}?lang=en").get_data(as_text=True)
    assert "2 more problems not listed" in _last_verification(english)
