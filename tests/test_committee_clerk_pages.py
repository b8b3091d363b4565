"""A committee clerk's walkthrough of the proposal and works pages: what a draft holds before
it is made public, confirmations of the steps that cannot be undone, the works link only
once the decision is final, and payments labelled by what they are."""

from __future__ import annotations

import io
import re

import pytest

from tests.staff_world import build, sign_in

FORM = {"title": "屋面防水", "matter": "use_fund", "budget": "1500.00",
        "item_title": ["防水", "排水沟"], "item_amount": ["1000.00", "500.00"],
        "publicity_start": "2026-12-01T12:00", "voting_start": "2026-12-08T12:00",
        "voting_end": "2026-12-15T12:00"}
PDF = b"%PDF-1.4 quote for the roof" + b"x" * 3000


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)  # clock: 2026-12-01 02:00 UTC (10:00 Beijing)


def _draft(client) -> int:
    r = client.post("/committee/c/SUN/proposals/new",
                    data={**FORM, "scope": "building:1", "action": "create",
                          "documents": (io.BytesIO(PDF), "quote.pdf")})
    assert r.status_code == 302, r.get_data(as_text=True).replace("\u00a0", " ")
    return int(r.headers["Location"].rsplit("/", 1)[1])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_draft_page_shows_what_will_be_made_public_and_when(app, world, client):
    sign_in(client, "sun_committee")
    pid = _draft(client)
    html = client.get(f"/committee/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    plan = html.split('id="draft-plan"', 1)[1].split("</section>", 1)[0]
    text = _text(plan)
    assert "防水" in text and "1,000.00 元" in text
    assert "排水沟" in text and "500.00 元" in text
    assert "quote.pdf" in text and "3.0 KB" in text
    assert "2026-12-01 12:00（北京时间）" in text  # the planned publicity start
    assert "2026-12-08 12:00" in text and "2026-12-15 12:00（北京时间）" in text
    confirm = html.split('id="confirm-schedule-publicity"', 1)[1].split("</label>", 1)[0]
    assert "2026-12-01 12:00（北京时间）" in confirm

def test_publishing_the_result_needs_a_confirmation_and_says_it_was_done(
        app, runner, tmp_path, client):
    from tests.money_world import passed_vote, staff_accounts

    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="confirm-publish-result"' in page
    refused = client.post(f"/committee/p/{pid}/move/publish-result", follow_redirects=True)
    assert "请勾选确认" in refused.get_data(as_text=True).replace("\u00a0", " ")
    assert ">已结束<" in refused.get_data(as_text=True).replace("\u00a0", " ")
    done = client.post(f"/committee/p/{pid}/move/publish-result", data={"confirm": "1"},
                       follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert ">结果已公布<" in done and "已公布表决结果" in done

def test_no_works_link_or_form_while_the_objection_period_runs(app, runner, tmp_path, client):
    from tests.money_world import staff_accounts
    from datetime import timedelta

    from tests.procedure_world import END, at, close_at_end, open_vote, vote

    pid = open_vote(app, runner, tmp_path, "objection_days=2")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    at(app, END + timedelta(days=1))
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="works-link"' not in page
    assert 'id="works-waiting"' in page and "异议期结束" in page
    works = client.get(f"/committee/p/{pid}/works").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="record-contract"' not in works and "异议期结束并公布最终结果" in works
    posted = client.post(f"/committee/p/{pid}/works/contract", data={
        "contractor": "甲公司", "amount": "6000", "evidence": (io.BytesIO(b"%PDF-1.4 c"), "c.pdf")},
        content_type="multipart/form-data")
    assert posted.status_code == 400 and "异议期结束并公布最终结果" in posted.get_data(as_text=True).replace("\u00a0", " ")
    at(app, END + timedelta(days=2, hours=1))
    page = client.get(f"/committee/p/{pid}").get_data(as_text=True).replace("\u00a0", " ")
    assert 'id="works-link"' in page

def test_payments_are_labelled_by_their_number_not_all_as_advance(app, runner, tmp_path, client):
    from tests.money_world import passed_vote, staff_accounts, works_done

    pid = passed_vote(app, runner, tmp_path)["pid"]
    works_done(runner, tmp_path, pid, payments=("2000.00", "3000.00"))
    staff_accounts(app, runner)
    sign_in(client, "sun_committee")
    html = client.get(f"/committee/p/{pid}/works").get_data(as_text=True).replace("\u00a0", " ")
    table = html.split('id="money-stage"', 1)[1].split("</table>", 1)[0]
    assert "预付款</td>" not in table
    assert "付款 1</td>" in table and "付款 2</td>" in table
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal

        uid = db.session.get(Proposal, int(pid)).uid
    board = client.get(f"/p/{uid}").get_data(as_text=True).replace("\u00a0", " ")
    assert "已预付" not in board and "已付款 2 笔，共 5,000.00 元" in board


def test_closing_the_vote_needs_a_confirmation_saying_what_it_does(app, world, client):
    """结束表决 was the one irreversible move without a confirmation: a member tidying the
    page could end the vote with one click. It now asks, like the others, and says what it
    does and when it is possible."""
    sign_in(client, "sun_committee")
    url = f"/committee/p/{world['sun']['id']}"
    page = client.get(url).get_data(as_text=True).replace("\u00a0", " ")
    confirm = _text(page.split('id="confirm-close"', 1)[1].split("</label>", 1)[0])
    assert "不能再投票" in confirm and "表决截止后" in confirm and "都已表决" in confirm
    refused = client.post(f"{url}/move/close", follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "请勾选确认：表决一经结束" in refused and ">表决中<" in refused
    early = client.post(f"{url}/move/close", data={"confirm": "1"},
                        follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "不能提前结束" in early and ">表决中<" in early  # confirmed, but not yet possible


def test_a_move_the_clock_made_already_says_so_when_clicked(app, world, client, runner,
                                                            tmp_path):
    """结束表决 clicked after the voting end showed nothing: opening the page had already
    closed the vote (the clock's move), and the click did nothing, silently. It now says the
    vote ended by itself at its end time; 开始表决 after a vote opened on schedule likewise."""
    import json
    from datetime import timedelta

    from datetime import datetime

    from tests.factories import make_draft

    # A scheduled plan whose voting start has come: the page's request opens it.
    star = make_draft(app, runner, tmp_path, code="STAR", extra=("--schedule",))
    app.config["VOTES_NOW"] = world["t0"] + timedelta(hours=1)
    sign_in(client, "admin1")
    opened = client.post(f"/committee/p/{star}/move/open", data={"confirm": "1"},
                         follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "表决已于开始时间" in opened and "按计划自动开始" in opened, opened
    assert ">表决中<" in opened
    client.post("/staff/logout")

    sign_in(client, "sun_committee")
    pid = world["sun"]["id"]
    url = f"/committee/p/{pid}"
    shown = json.loads(runner.invoke(args=["proposal", "show", str(pid), "--json"]).output)
    app.config["VOTES_NOW"] = datetime.fromisoformat(shown["voting_end"]) + timedelta(minutes=5)
    for data in ({"confirm": "1"}, {}):  # ticked or not: nothing is left to confirm
        page = client.post(f"{url}/move/close", data=data,
                           follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
        assert "表决已于结束时间" in page and "自动结束" in page, page
        assert "请勾选确认" not in page
    english = client.post(f"{url}/move/close?lang=en", data={"confirm": "1"},
                          follow_redirects=True).get_data(as_text=True).replace("\u00a0", " ")
    assert "ended by itself" in english
