"""What the applicant of an emergency use acknowledged (the failed or running votes on its
buildings, the earlier uses that with it exceed the cap) was shown on the board, the staff
pages, the announcement and `proposal show`, but not to the two who most need it: the fund
office, on the application form it approves the spending by, and the owners on their own
read-only page of the use. Both now show them, in the same words as the others."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta

from tests.browser import pdf_text
from tests.factories import make_open_proposal
from tests.money_world import evidence

FAILED = "电梯更换"  # make_draft's title
FIRST, SECOND = "1号楼屋面渗漏抢修1", "1号楼屋面渗漏抢修2"


def _apply(runner, tmp_path, n, *ticks):
    return runner.invoke(args=[
        "works", "emergency", "--community", "SUN", "--title", f"1号楼屋面渗漏抢修{n}",
        "--scope", "building:1", "--budget", "4999.00", "--category", "leak",
        "--applicant", "committee", "--reason", "屋面渗漏，顶层住户天花板滴水",
        "--evidence", evidence(tmp_path, f"leak{n}.pdf", f"%PDF-1.4 leak photo {n}".encode()),
        *ticks])


def _world(app, runner, tmp_path) -> tuple[str, str]:
    """Under a 5,000 yuan cap, a vote on building 1 failed (no ballot: quorum missed), then
    two emergency uses of 4,999 on building 1 two months later, the second acknowledging
    the failed vote and the first use: the second's id and uid."""
    opened = make_open_proposal(app, runner, tmp_path, scope="building:1",
                                rules=("emergency_max_budget=5000",))
    failed = str(opened["id"])
    app.config["VOTES_NOW"] = opened["t0"] + timedelta(days=7, hours=1)
    closed = runner.invoke(args=["proposal", "close", failed])
    assert closed.exit_code == 0, closed.output
    app.config["VOTES_NOW"] = opened["t0"] + timedelta(days=60)
    first = _apply(runner, tmp_path, 1, "--acknowledge-failed", failed)
    assert first.exit_code == 0, first.output
    first = first.output.strip()
    refused = _apply(runner, tmp_path, 2, "--acknowledge-failed", failed)
    assert refused.exit_code == 1 and f"--acknowledge-emergency {first}" in refused.output
    second = _apply(runner, tmp_path, 2, "--acknowledge-failed", failed,
                    "--acknowledge-emergency", first)
    assert second.exit_code == 0, second.output
    pid = second.output.strip()
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return pid, get_proposal(pid).uid


def test_the_application_form_names_what_the_applicant_acknowledged(app, runner, tmp_path):
    pid, _uid = _world(app, runner, tmp_path)
    out = tmp_path / "application.zip"
    made = runner.invoke(args=["works", "application", pid, "-o", str(out)])
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(out) as z:
        form = re.sub(r"\s+", "", pdf_text(z.read("application-form.pdf")))
    # The failed vote, when it failed; the earlier use, its day and budget; the total
    # against the cap, as the announcement prints them.
    for words in (f"本小区2个月内列支范围重叠的表决“{FAILED}”未通过",
                  f"“{FIRST}”（2027年1月30日公布，预算4,999.00元）",
                  "连同本次合计9,998.00元，超过公布时议事规则规定的应急使用预算上限5,000.00元"):
        assert words in form, (words, form)
    assert SECOND in form  # this use itself


def test_the_application_form_of_a_use_that_acknowledged_nothing_says_nothing_of_it(
        app, runner, tmp_path):
    opened = make_open_proposal(app, runner, tmp_path, scope="building:2")  # another building
    app.config["VOTES_NOW"] = opened["t0"] + timedelta(days=60)
    applied = _apply(runner, tmp_path, 1)
    assert applied.exit_code == 0, applied.output
    out = tmp_path / "application.zip"
    assert runner.invoke(args=["works", "application", applied.output.strip(), "-o",
                               str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as z:
        form = re.sub(r"\s+", "", pdf_text(z.read("application-form.pdf")))
    assert "未通过" not in form and "正在进行" not in form and "公布前12个月内" not in form, form


def test_the_owners_emergency_page_names_what_the_applicant_acknowledged(app, runner, tmp_path,
                                                                         client):
    """The owner signed in read-only (/p/<uid>/pick) saw the use, its budget and their share,
    but not that the owners had voted these works down, nor the earlier uses it adds to:
    only the board said so. Their page says it in the board's words, in both languages."""
    from tests.test_emergency_owner import _sign_in

    _pid, uid = _world(app, runner, tmp_path)
    signed_in = _sign_in(client, uid)
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True).replace("\u00a0", " ")
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    page = client.get(f"/p/{uid}/emergency").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="emergency-use"' in page, page
    for words in (f"本小区 2 个月内曾表决未通过：{FAILED}",
                  f"公布前 12 个月内本小区范围重叠的应急使用：{FIRST}（2027-01-30 公布，"
                  "预算 4,999.00 元）",
                  "连同本次合计 9,998.00 元，超过公布时的应急使用预算上限 5,000.00 元；"
                  "申请人已确认知晓上述应急使用。"):
        assert words in board and words in page, (words, page)
    english = client.get(f"/p/{uid}/emergency?lang=en").get_data(as_text=True).replace("\u00a0", " ")
    for words in (f'A vote in this community failed within 2 months: <span lang="zh-CN">{FAILED}'
                  "</span>",
                  "An emergency use on an overlapping scope published within the 12 months "
                  f'before: <span lang="zh-CN">{FIRST}</span> (published 2027-01-30, budget '
                  "4,999.00 yuan)",
                  "With this one, 9,998.00 yuan in all, above the emergency cap of 5,000.00 yuan"):
        assert words in english, (words, english)


def test_the_votes_shown_are_those_acknowledged_not_those_failed_since(app, runner, tmp_path):
    """The failed votes shown with a use were worked out again on every view, from each
    vote's result as it stands now: a vote passed at the close (its objection period
    running) when the use was published, whose final result is "not passed" after an upheld
    objection, was then shown with the use as one failed that its applicant acknowledged,
    though it was never put to them. What is shown is what the audit log says was
    acknowledged."""
    from tests.procedure_world import (ALL_AGREE, END, at, close_at_end, file_objection,
                                       open_vote, uphold_objection, vote)

    pid = open_vote(app, runner, tmp_path, "objection_days=7")
    vote(runner, tmp_path, pid, ALL_AGREE)
    close_at_end(app, runner, pid)
    at(app, END + timedelta(hours=3))
    seq = file_objection(runner, tmp_path, pid)
    at(app, END + timedelta(days=1))
    published = _apply(runner, tmp_path, 1)  # nothing to acknowledge: the vote had passed
    assert published.exit_code == 0, published.output
    use = published.output.strip()
    at(app, END + timedelta(days=8))  # the period over, the objection answered
    uphold_objection(runner, pid, seq)  # the final result: not passed
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        uid = get_proposal(use).uid
    board = app.test_client().get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "1号楼屋面渗漏抢修1" in board
    assert "曾表决未通过" not in board, board
    shown = runner.invoke(args=["proposal", "show", use])
    assert shown.exit_code == 0 and "曾表决未通过" not in shown.output, shown.output
