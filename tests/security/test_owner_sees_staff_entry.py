"""A committee member enters a paper or proxy ballot for an owner who never signed one (a
forged form, a withdrawn letter). The owner who then signs in must read that staff entered
it, who and when, and what to do: the receipt page said "表决成功，您的意见已记入" as if the
owner had voted themselves, and in a vote of one ballot they had no way left to tell."""

from __future__ import annotations

import io
import re

from tests.factories import make_open_proposal, voter_token
from tests.staff_world import clerk_client
from tests.test_owner_http import ZHANG_SUFFIX, cast, verified

FORM = b"\xff\xd8\xff a form 101 never signed"
LETTER = b"\xff\xd8\xff a letter 101 withdrew"


def _enter(app, runner, vote, channel):
    staff = clerk_client(app, runner)
    data = {"building": "1", "entrance": "1", "room": "101", "choice": "agree",
            "channel": channel, "evidence": (io.BytesIO(FORM), "form.jpg")}
    if channel == "proxy":
        data.update(proxy_name="李四", proxy_id="110101199003074514", company_staff="否",
                    authorisation=(io.BytesIO(LETTER), "letter.jpg"))
    assert staff.post(f"/committee/p/{vote['id']}/paper", data=data).status_code == 302


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _signed_in_page(app, vote):
    owner = app.test_client()
    owner.get(f"/v/{voter_token(app, vote, '101')}")
    r = owner.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    page = owner.get(r.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    return owner, page.get_data(as_text=True)


def test_an_owner_whose_paper_ballot_staff_entered_reads_who_entered_it(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    _enter(app, runner, vote, "paper")
    _owner, html = _signed_in_page(app, vote)  # one ballot only: straight to its receipt
    text = _text(html)
    assert "表决成功" not in text and "您的意见" not in text, text
    assert "工作人员 clerk" in text and "纸质表决票" in text and "第 1 条记录" in text, text
    assert "如果您没有签署这张表决票" in text, text


def test_an_owner_whose_proxy_ballot_staff_entered_reads_it_on_the_ballot_page(app, runner,
                                                                               tmp_path):
    """With one change allowed the owner lands on the ballot form, which said "您已表决"."""
    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])
    _enter(app, runner, vote, "proxy")
    owner, html = _signed_in_page(app, vote)
    text = _text(html)
    assert "您已表决" not in text, text
    assert "工作人员 clerk" in text and "委托" in text and "第 1 条记录" in text, text
    assert "如果您没有委托他人表决" in text, text
    receipt = owner.get(f"/p/{vote['uid']}/mine")  # redirected to the ballot while voting
    assert receipt.status_code == 302
    r, _nonce = cast(owner, vote, "disagree")  # their own change still replaces it
    page = _text(owner.get(r.headers["Location"]).get_data(as_text=True))
    assert "表决成功" in page and "工作人员 clerk" not in page, page
    english = _text(owner.get(r.headers["Location"] + "?lang=en").get_data(as_text=True))
    assert "entered by" not in english


def test_the_owners_own_ballot_still_reads_as_theirs(app, runner, tmp_path, client):
    vote = make_open_proposal(app, runner, tmp_path)
    verified(client, app, vote)
    r, _nonce = cast(client, vote, "agree")
    text = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "表决成功" in text and "您的意见“同意”已记入表决记录" in text
    assert "工作人员" not in text.split("退出登录")[0], text


def test_the_staff_entry_words_are_in_english_too(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    _enter(app, runner, vote, "paper")
    owner, _html = _signed_in_page(app, vote)
    page = owner.get(f"/p/{vote['uid']}/ballot?lang=en", follow_redirects=True)
    text = _text(page.get_data(as_text=True))
    assert "entered by staff member clerk" in text and "paper ballot form" in text, text
