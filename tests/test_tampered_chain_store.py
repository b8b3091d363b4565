"""The chain as the database holds it, altered behind the app's back so that no bundle can
be made of it: a row that is not an entry, a row taken out of the middle or the end, or the
proposal's head column no longer the last row's digest. A row that is not JSON made 验证导出包,
the committee's download and `votes export` fail with a traceback (500); a row taken out or
a head that disagrees went into a bundle of what was left (验证通过 for the head). The
regulator now sees a failed verification naming the entry, stored like any other; the
exports refuse in words."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in

# passed_vote's chain: genesis (0), four paper ballots (1–4), the close (5).
TAMPERINGS = {
    "unreadable": 2,   # row 2's line cut short: not JSON
    "altered": 2,      # row 2's entry rewritten (still JSON), its digest left as it was
    "missing": 2,      # row 2 deleted
    "reordered": 4,    # rows 2 and 3 swap places (4.1 at both), so entry 4 follows no entry (4.2)
    "head": 5,         # the head column no longer the close's digest
}


def alter(row) -> None:
    """The entry's time rewritten, the line still JSON and its digest as it was."""
    import json

    data = json.loads(row.line)
    assert data["entry"]["time"] != "2026-01-01T00:00:00Z"
    data["entry"]["time"] = "2026-01-01T00:00:00Z"
    row.line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def swap(session, first, second) -> None:
    """Two rows exchange their places (seq), one at a time: (proposal, seq) is unique."""
    a, b = first.seq, second.seq
    first.seq = -1
    session.flush()
    second.seq = a
    session.flush()
    first.seq = b


def _tamper(app, pid: str, how: str) -> None:
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal

    with app.app_context():
        rows = db.session.scalars(select(ChainEntry).where(
            ChainEntry.proposal_id == int(pid)).order_by(ChainEntry.seq)).all()
        assert len(rows) == 6
        if how == "unreadable":
            rows[2].line = rows[2].line[:-7]
        elif how == "altered":
            alter(rows[2])
        elif how == "reordered":
            swap(db.session, rows[2], rows[3])
        elif how == "missing":
            db.session.delete(rows[2])
        elif how == "last_missing":
            db.session.delete(rows[5])
        else:
            db.session.get(Proposal, int(pid)).chain_head = "ab" * 32
        db.session.commit()


def _last_verification(page: str) -> str:
    return re.search(r'<div id="last-verification">.*?</div>', page, re.S).group(0)


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_tampered_chain_fails_verification_naming_the_entry(app, runner, tmp_path, client,
                                                              how):
    entry = TAMPERINGS[how]
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    _tamper(app, pid, how)
    sign_in(client, "district")

    answer = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    page = answer.get_data(as_text=True)
    assert "验证失败" in re.search(r'id="verify-verdict">(.*?)</strong>', page, re.S).group(1)
    failed = re.findall(r'<li class="failed-check">([^<]+)</li>', page)
    assert failed and any(f"第 {entry} 条记录" in f for f in failed), failed

    # Stored like any other verification: the page, the badge and the report say so later.
    page = client.get(f"/regulator/p/{pid}").get_data(as_text=True)
    last = _last_verification(page)
    assert "验证失败" in last and "未通过的检查" in last, last
    failed = re.findall(r'<li class="failed-check">([^<]+)</li>', last)
    assert any(f"第 {entry} 条记录" in f for f in failed), failed
    report = client.get(f"/regulator/p/{pid}/verification.txt").get_data(as_text=True)
    assert "验证失败 / FAILED" in report and f"第 {entry} 条记录 entry {entry}" in report, report
    overview = client.get("/regulator/").get_data(as_text=True)
    assert "验证失败" in overview and "已验证" not in overview

    # In English the same checks and entries, in English.
    from tests.test_english_pages import _leaks

    english = client.get(f"/regulator/p/{pid}?lang=en").get_data(as_text=True)
    last = html.unescape(_last_verification(english))
    assert f"(entry {entry})" in last and _leaks(last) == [], last

    # The committee's download refuses in words, naming the entry; nothing is audited as
    # exported.
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    refused = committee.get(f"/committee/p/{pid}/bundle.zip")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and refused.mimetype == "text/html", text
    assert f"第 {entry} 条记录" in text and "Traceback" not in text, text
    assert client.get(f"/committee/p/{pid}/bundle.zip?lang=en").status_code == 400

    _refused_by_the_command(runner, tmp_path, pid, f"第 {entry} 条记录")
    with app.app_context():
        from votes.extensions import db
        from votes.models import AuditEntry

        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "proposal.export" not in actions and actions.count("proposal.verify") == 1


def _refused_by_the_command(runner, tmp_path, pid: str, words: str) -> None:
    """`votes export` refuses in words, and leaves no file behind."""
    target = tmp_path / "bundle.zip"
    result = runner.invoke(args=["export", pid, "-o", str(target)])
    assert result.exit_code == 1, (result.output, result.exception)
    assert words in result.output and "Traceback" not in result.output, result.output
    assert not target.exists()


@pytest.mark.parametrize("deleted", [[5], [1, 2, 3]])
def test_rows_taken_off_are_named_by_the_exports(app, runner, tmp_path, deleted):
    """The close deleted with the head column left as it was (the chain cut short), or three
    rows in a row: the export names what is missing rather than writing what is left."""
    from votes.extensions import db
    from votes.models import ChainEntry

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    with app.app_context():
        for row in db.session.scalars(select(ChainEntry).where(
                ChainEntry.proposal_id == int(pid), ChainEntry.seq.in_(deleted))):
            db.session.delete(row)
        db.session.commit()
    words = "第 5 条记录" if deleted == [5] else "第 1–3 条记录"
    _refused_by_the_command(runner, tmp_path, pid, words)
    committee = app.test_client()
    sign_in(committee, "sun_committee")
    refused = committee.get(f"/committee/p/{pid}/bundle.zip")
    assert refused.status_code == 400 and words in refused.get_data(as_text=True)
    english = committee.get(f"/committee/p/{pid}/bundle.zip?lang=en").get_data(as_text=True)
    assert ("entry 5 is missing" if deleted == [5] else "entries 1–3 are missing") in english


def test_an_untouched_chain_still_exports_and_verifies(app, runner, tmp_path, client):
    """The check that refuses a tampered chain leaves a genuine one as it was: every entry,
    the head the proposal carries, VERIFIED."""
    import zipfile

    from votes.core.verifier import verify_bundle

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    target = tmp_path / "bundle.zip"
    result = runner.invoke(args=["export", pid, "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as z:
        assert len(z.read("chain.jsonl").splitlines()) == 6
    assert verify_bundle(target.read_bytes(), trust_bundle_keys=True).outcome == "verified"
    sign_in(client, "district")
    page = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True).get_data(as_text=True)
    assert "验证通过 / VERIFIED" in page


def test_a_deleted_close_is_said_on_the_pages_that_show_the_result(app, runner, tmp_path,
                                                                   client):
    """The close row taken out of the database: the regulator's page, the committee's and
    the public board read the result from it, and each was a 500 (the close entry None)."""
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    _tamper(app, pid, "last_missing")
    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}")
    assert page.status_code != 500
    assert "表决结束记录缺失" in html.unescape(page.get_data(as_text=True))
    verified = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert verified.status_code != 500
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal

        uid = db.session.get(Proposal, int(pid)).uid
    board = app.test_client().get(f"/p/{uid}")
    assert board.status_code != 500 and "表决结束记录缺失" in board.get_data(as_text=True)
