"""Requests that cost the server far more than a page, bounded so that a stranger or one
signed-in account cannot keep the workers busy: what a request may carry, how many one
account may make a minute, how many a worker makes at once."""

from __future__ import annotations

import html
import re

import pytest

from tests.money_world import passed_vote

RECEIPT_BOX = re.compile(r'<input id="receipt" name="receipt" value="([^"]*)"')


def test_the_receipt_box_echoes_no_more_than_a_receipt_may_be_typed(app, runner, tmp_path,
                                                                    client):
    """The board put whatever was typed in the receipt box back into it, whole: a request
    of a few kilobytes (as much as the proxy lets through) made a page of as many. The
    longest honest typing is a full receipt as the receipt page prints it, 64 digits in
    groups of four, pasted with its spaces (79 characters)."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Ballot

    vote = passed_vote(app, runner, tmp_path)
    with app.app_context():
        digest = db.session.scalars(select(Ballot.receipt).where(
            Ballot.proposal_id == vote["id"]).order_by(Ballot.id)).first()
    grouped = " ".join(digest[i:i + 4] for i in range(0, 64, 4))
    page = client.get(f"/p/{vote['uid']}", query_string={"receipt": grouped})
    text = page.get_data(as_text=True)
    assert 'id="lookup-result">已计入' in text.replace("flash ok", ""), text
    assert RECEIPT_BOX.search(text).group(1) == grouped

    typed = digest + " " * 200 + "x" * 3000
    page = client.get(f"/p/{vote['uid']}", query_string={"receipt": typed})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "x" * 200 not in text
    assert len(RECEIPT_BOX.search(text).group(1)) <= 128
    assert "这不是有效的回执码" in text, text


def _exports(app, pid) -> dict[str, int]:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import AuditEntry

    with app.app_context():
        return dict(db.session.execute(
            select(AuditEntry.action, func.count()).where(AuditEntry.target == str(pid))
            .group_by(AuditEntry.action)).all())


def _committee(app, runner, tmp_path, client) -> str:
    from tests.money_world import staff_accounts, works_done
    from tests.staff_world import sign_in

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, accepted=False)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    return pid


def test_a_bundle_is_not_exported_while_the_worker_holds_another_whole_vote(
        app, runner, tmp_path, client):
    """The committee's bundle.zip exported the whole vote inside the request, with no bound
    on how many at once: each holds the vote's roll, chain and bundle in memory (hundreds of
    MB at 100,000 units), and ten tabs held ten in one worker. A worker now holds one whole
    vote at a time, as for the application package and the regulator's verification
    (export.verifying): meanwhile 503, told in words, with Retry-After, nothing audited."""
    from votes.services.export import verifying

    pid = _committee(app, runner, tmp_path, client)
    before = _exports(app, pid)
    with verifying():  # another export or verification running in this worker
        for path in (f"/committee/p/{pid}/bundle.zip", f"/committee/p/{pid}/application.zip"):
            busy = client.get(path)
            text = busy.get_data(as_text=True)
            # About a minute (the limiter sets it again, from its own clock, to the second).
            assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 59, path
            assert busy.mimetype == "text/html" and "请约一分钟后再试" in text, text
            english = client.get(path, query_string={"lang": "en"})
            assert english.status_code == 503 and english.headers["Retry-After"]
            assert "Please try again in about a minute" in english.get_data(as_text=True)
            client.get("/", query_string={"lang": "zh_CN"})
    assert _exports(app, pid) == before
    assert client.get(f"/committee/p/{pid}/bundle.zip").status_code == 200


@pytest.mark.parametrize("lang, words", [
    ("zh_CN", "服务器正在验证另一份导出包，本次未生成任何文件。请约一分钟后再试。"),
    ("en", "The server is verifying another bundle; nothing was made this time."),
])
def test_a_busy_verifier_answers_503_from_whatever_route_meets_it(app, client, lang, words):
    """VerifierBusy was caught route by route (bundle.zip, application.zip) and turned into
    a 503 with Retry-After: any other route that met it (a new download, a page that
    verifies) fell to the DomainError handler's 400, "refused", with no word of trying
    again. One handler now answers it wherever it is raised: 503, Retry-After, the
    message in the page's language."""
    from votes.services.export import verifying

    def other_download():
        with verifying(wait=False):
            return "made"

    app.add_url_rule("/test-busy", "test_busy", other_download)
    client.get(f"/?lang={lang}")
    with verifying():
        busy = client.get("/test-busy")
    text = html.unescape(busy.get_data(as_text=True))
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "60"
    assert busy.mimetype == "text/html" and words in text, text
    assert client.get("/test-busy").get_data(as_text=True) == "made"


def test_whole_vote_downloads_are_limited_per_account(app, runner, tmp_path, client):
    """bundle.zip and application.zip (which exports and verifies the vote) each export the
    whole vote (seconds of a core for a city's) and write an audit entry under the log's
    lock, which every audited action of every community takes: a script on one account (or
    a stolen one) could loop on them. Together, 6 a minute per account: a member
    downloading each twice, and once again, is within it. Then 429, nothing exported or
    audited; another account still may."""
    from tests.staff_world import sign_in

    pid = _committee(app, runner, tmp_path, client)
    app.config["RATELIMIT_ENABLED"] = True
    before = _exports(app, pid)
    paths = [f"/committee/p/{pid}/bundle.zip", f"/committee/p/{pid}/application.zip"] * 3
    assert [client.get(path).status_code for path in paths] == [200] * 6
    during = _exports(app, pid)
    for path in paths[:2]:
        refused = client.get(path)
        assert refused.status_code == 429 and "操作太频繁" in refused.get_data(as_text=True)
    assert _exports(app, pid) == during != before
    regulator = app.test_client()
    sign_in(regulator, "district")
    assert regulator.get(paths[0]).status_code == 200


def test_the_districts_whole_overview_is_limited_per_account(app, runner, tmp_path, client):
    """The overview's CSV and its sort by turnout compute every proposal of the district
    (several queries each: years of votes) on every request, with no limit: one account's
    script could keep the workers at it. 10 a minute per account: a regulator exports the
    CSV once and looks at a page or two of the sorted list. The overview's pages, which
    compute only the page shown, are not counted."""
    from tests.money_world import staff_accounts
    from tests.staff_world import PASSWORD, sign_in

    passed_vote(app, runner, tmp_path)
    staff_accounts(app, runner)
    sign_in(client, "district")
    app.config["RATELIMIT_ENABLED"] = True
    whole = ["/regulator/?format=csv", "/regulator/?sort=turnout"] * 5
    assert [client.get(path).status_code for path in whole] == [200] * 10
    for path in whole[:2]:
        refused = client.get(path)
        assert refused.status_code == 429 and "操作太频繁" in refused.get_data(as_text=True)
    for path in ("/regulator/", "/regulator/?sort=end", "/regulator/?page=1"):
        assert client.get(path).status_code == 200, path
    result = runner.invoke(args=["users", "create", "--no-must-change", "district2", "--role",
                                 "regulator", "--jurisdiction", "350502", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    colleague = app.test_client()
    sign_in(colleague, "district2")
    assert colleague.get(whole[0]).status_code == 200
