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


def test_an_objection_staff_entered_in_the_owners_name_reads_as_such(app, runner, tmp_path):
    """A committee member enters a written objection for 1-202 that its owner never wrote
    (and may uphold it: the decision is then not confirmed). The owner's objection page and
    records listed it under 您已提出的异议 as their own, word for word, with nothing saying
    staff entered it from a paper: they read who entered it, when, and whom to tell."""
    from tests.procedure_world import close_at_end, file_objection, open_vote, show, vote
    from tests.security.test_objection_access import SUFFIX

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    uid = show(runner, pid)["uid"]
    seq = file_objection(runner, tmp_path, pid, voter="C", text="计票有误，要求重新表决")
    owner = app.test_client()
    token = voter_token(app, {"id": int(pid), "uid": uid}, room="202")
    start = owner.get(f"/v/{token}/objection")
    done = owner.post(start.location, data={"method": "id", "answer": SUFFIX["202"]})
    assert done.location.endswith(f"/p/{uid}/objection")
    for page in (f"/p/{uid}/objection", f"/p/{uid}/objection?lang=en"):
        text = _text(owner.get(page).get_data(as_text=True))
        assert ("计票有误" in text) and (f"{seq}" in text), text
        if page.endswith("en"):
            assert "entered by staff member cli" in text and "written objection" in text, text
        else:
            assert "工作人员 cli" in text and "书面异议录入" in text, text
            assert "如果您没有提交这份书面异议" in text, text
    # The owner's own objection, filed online, still reads as theirs alone.
    owner.get(f"/p/{uid}/objection?lang=zh_CN")
    filed = owner.post(f"/p/{uid}/objection", data={"text": "公示时间不足"}).get_data(
        as_text=True)
    blocks = {b.split('"', 1)[0]: _text(b) for b in filed.split('id="my-objection-')[1:]}
    assert "工作人员" in blocks[str(seq)] and len(blocks) == 2, blocks
    assert [b for n, b in blocks.items() if n != str(seq) and "工作人员" not in b], blocks
