"""What a signed-in owner, or a stranger holding their phone or link, can send to the owner
pages over HTTP: each refused with a clear answer, nothing half-applied, nothing doubled."""

from __future__ import annotations

import pytest

from tests.factories import make_open_proposal
from tests.test_owner_http import post_device, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path)


@pytest.mark.parametrize("body", [[1], "abc", 5, True, ["public_key"]])
def test_a_device_key_sent_as_json_other_than_an_object_is_refused(app, client, vote, body):
    """The browser posts {"public_key": …}; any other JSON value (a list, a string, a
    number) is refused like a bad key, with the page's message, not a server error."""
    verified(client, app, vote)
    r = post_device(client, vote, body)
    assert r.status_code == 400
    assert r.get_json() == {"ok": False, "error": "设备公钥无效"}


def test_an_objection_sent_twice_is_filed_once(app, runner, client, tmp_path):
    """The objection page answers the POST itself: a refresh, or a second tap on a slow
    network, sends the same objection again. Each one filed holds the final result back
    until the committee answers it, so the same text from the same owner is the objection
    already filed (the page names its entry again), not a second one."""
    from tests.procedure_world import close_at_end, open_vote, show, vote as paper
    from tests.security.test_objection_access import _filed, _verify

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    paper(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    closed = {"id": int(pid), "pid": pid, "uid": show(runner, pid)["uid"]}
    token = _verify(app, client, closed, "202")
    text = "表决票不是我签的"
    first = client.post(f"/v/{token}/objection", data={"text": text})
    again = client.post(f"/v/{token}/objection", data={"text": f" {text}\n"})
    assert first.status_code == again.status_code == 200
    said = "已收到您的异议（第 7 条记录）"
    assert said in first.get_data(as_text=True) and said in again.get_data(as_text=True)
    assert [t for _, t in _filed(app, runner, closed)] == [text]
    other = client.post(f"/v/{token}/objection", data={"text": "面积登记有误"})
    assert "已收到您的异议（第 8 条记录）" in other.get_data(as_text=True)
    assert len(_filed(app, runner, closed)) == 2


def _device_key() -> str:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return base64.b64encode(public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def test_one_owner_cannot_flood_the_chain_with_device_keys(app, client, vote):
    """Every new device key is an entry on the proposal's chain, kept, exported and checked
    by every verifier, and each takes the proposal's lock that ballots wait for. An owner's
    session posting fresh keys in a loop stops at the limit; the keys registered before
    still work (the browser posts its key again on every page)."""
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import ChainEntry
    from votes.services.online_ballot import MAX_DEVICE_KEYS

    verified(client, app, vote)
    keys = [_device_key() for _ in range(MAX_DEVICE_KEYS)]
    for key in keys:
        assert post_device(client, vote, {"public_key": key}).status_code == 200
    refused = post_device(client, vote, {"public_key": _device_key()})
    assert refused.status_code == 400 and "已登记" in refused.get_json()["error"]
    assert post_device(client, vote, {"public_key": keys[0]}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChainEntry).where(
            ChainEntry.kind == "device")) == MAX_DEVICE_KEYS


def test_one_owner_cannot_hold_the_final_result_back_with_endless_objections(
        app, runner, client, tmp_path):
    """Each objection holds the final result back until the committee answers it, and each
    is a chain entry: one owner's session filing new texts in a loop stops at the limit
    (the owner is pointed to one written objection through the committee); the owner's
    objections so far stay filed, and another owner still files theirs."""
    from tests.procedure_world import close_at_end, open_vote, show, vote as paper
    from tests.security.test_objection_access import _verify
    from votes.services.procedure.objections import MAX_ONLINE_OBJECTIONS

    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    paper(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    closed = {"id": int(pid), "pid": pid, "uid": show(runner, pid)["uid"]}
    token = _verify(app, client, closed, "202")
    for n in range(MAX_ONLINE_OBJECTIONS):
        filed = client.post(f"/v/{token}/objection", data={"text": f"第{n}点异议"})
        assert "已收到您的异议" in filed.get_data(as_text=True)
    refused = client.post(f"/v/{token}/objection", data={"text": "又一点异议"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "已收到您的异议" not in page and "业主委员会" in page
    assert _objections(app, closed) == MAX_ONLINE_OBJECTIONS
    other = app.test_client()
    own = _verify(app, other, closed, "102")
    assert "已收到您的异议" in other.post(f"/v/{own}/objection",
                                         data={"text": "又一点异议"}).get_data(as_text=True)


def _objections(app, closed) -> int:
    from sqlalchemy import func, select

    from votes.extensions import db
    from votes.models import Objection

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Objection).where(
            Objection.proposal_id == closed["id"]))
        db.session.remove()
    return count


def test_back_to_the_second_factor_after_passing_it_leads_on_to_the_ballot(app, client, vote):
    """On a phone, Back from the ballot page reloads the second-factor page (its address is
    in the history), and a second tap on 验证 posts its form again after the first passed.
    The session already passed it for this vote: the owner goes on to the ballot, where
    the page was a bare 找不到页面 (404) that only a new scan of the notice got them out of."""
    verified(client, app, vote)
    back = client.get(f"/p/{vote['uid']}/verify")
    assert back.status_code == 302 and back.location.endswith(f"/p/{vote['uid']}/ballot")
    again = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
    assert again.status_code == 302 and again.location.endswith(f"/p/{vote['uid']}/ballot")
    # A session that passed nothing still finds no second-factor page without a link.
    assert app.test_client().get(f"/p/{vote['uid']}/verify").status_code == 404


def test_an_owner_who_reads_the_plan_for_two_hours_can_still_vote(app, client, vote,
                                                                   monkeypatch):
    """The ballot page carries the plan and its documents; an elderly owner may read them
    for an hour and more before choosing. The form's CSRF token is bound to the session
    (which a stranger's page cannot read): it expired after an hour, and 同意 then led to
    a bare 无法处理这个请求 (400), and the device key the page posts failed as well, leaving
    the ballot unsigned. The token now lasts as long as the session."""
    import re

    from itsdangerous.timed import TimestampSigner

    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    app.config["WTF_CSRF_ENABLED"] = True
    opened = client.get(f"/v/{voter_token(app, vote)}")
    page = client.get(opened.location).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(f"/p/{vote['uid']}/verify", data={
        "method": "id", "answer": ZHANG_SUFFIX, "csrf_token": token})
    assert done.location.endswith("/ballot")
    ballot = client.get(done.location).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', ballot).group(1)
    later = TimestampSigner.get_timestamp(TimestampSigner(b"k")) + 2 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    confirm = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree",
                                                              "csrf_token": token})
    assert confirm.status_code == 200 and 'name="nonce"' in confirm.get_data(as_text=True)


def test_an_answer_typed_in_full_width_or_other_script_is_an_answer_not_a_server_error(
        app, client, vote):
    """A Chinese keyboard in full-width mode types １２３４５６: the owner's right suffix so
    typed passes, as the roll's own digits would. Any other non-ASCII six characters is a
    wrong answer like any other (counted, with the tries left) — it was a 500, raised by
    comparing non-ASCII text in constant time."""
    from tests.factories import voter_token
    from tests.test_owner_http import ZHANG_SUFFIX

    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in ZHANG_SUFFIX)
    client.get(f"/v/{voter_token(app, vote)}")
    for answer in ("一二三四五六", "12345é"):
        wrong = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": answer})
        assert wrong.status_code == 200 and "验证未通过" in wrong.get_data(as_text=True)
    right = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": full_width})
    assert right.status_code == 302 and right.location.endswith("/ballot")


def test_a_receipt_code_typed_full_width_is_found_on_the_board(app, client, vote):
    """A Chinese keyboard in full-width mode types ＡＢＣＤ－２３４５: the board said 没有找到
    of the owner's own receipt code (their ballot seemingly lost), where it reads the code
    the owner copied off the receipt, full width or not."""
    from votes.core.receipt_code import grouped, short_code
    from tests.test_owner_http import cast

    verified(client, app, vote)
    r, _ = cast(client, vote, "agree")
    digest = r.headers["Location"].rsplit("/", 1)[1]
    board = app.test_client()
    for typed in (grouped(short_code(digest)), digest[:20]):
        wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in typed)
        page = board.get(f"/p/{vote['uid']}", query_string={"receipt": wide})
        assert "已记录：第 1 条记录" in page.get_data(as_text=True), typed


def test_the_confirm_page_opened_again_by_its_address_leads_back_to_the_ballot(app, client,
                                                                              vote):
    """The confirm page is the answer to the ballot form's POST; a phone that reloads it by
    its address (WeChat's 刷新, a tab restored, the address shared) sent a GET: 405, a bare
    无法处理这个请求 whose only way on was the start page. It leads back to the ballot."""
    verified(client, app, vote)
    again = client.get(f"/p/{vote['uid']}/confirm")
    assert again.status_code == 302 and again.location.endswith(f"/p/{vote['uid']}/ballot")
    assert client.get(again.location).status_code == 200


def test_the_owner_pages_of_a_draft_show_nothing_of_it(app, runner, client, tmp_path):
    """A draft is never public (its board, documents and share look-up are 没有这个表决事项):
    the lobby poster's address of a draft showed its plan (title, budget, items) as a vote
    "not open yet", ahead of the publicity the committee has not confirmed."""
    from tests.factories import make_draft

    pid = make_draft(app, runner, tmp_path, extra=())
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(str(pid))
        uid, title = proposal.uid, proposal.title
    assert client.get(f"/p/{uid}").status_code == 404
    for r in (client.get(f"/p/{uid}/pick"), client.get(f"/p/{uid}/ballot"),
              client.post(f"/p/{uid}/pick", data={"building": "1", "entrance": "1",
                                                   "room": "101"})):
        assert r.status_code == 404 and title not in r.get_data(as_text=True)
        assert "6,547.50" not in r.get_data(as_text=True)


def test_a_form_sent_after_the_phone_lost_its_cookie_says_what_to_do(app, client, vote):
    """A phone's browser drops a session cookie when it is closed (iOS ends a WeChat kept in
    the background): the ballot page it brings back then posts its form without the
    session its CSRF token belongs to. That was a bare 无法处理这个请求 (400) with only the
    start page to go to; the page now says the page expired and leads back to the ballot,
    which asks for the notice's QR code if the owner is signed out."""
    import re

    from tests.factories import voter_token

    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(client.get(f"/v/{voter_token(app, vote)}").location)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    client.delete_cookie("session")
    lost = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree",
                                                          "csrf_token": token.group(1)})
    assert lost.status_code == 400
    html = lost.get_data(as_text=True)
    assert "页面已过期" in html and f'href="/p/{vote["uid"]}/ballot"' in html
    back = client.get(f"/p/{vote['uid']}/ballot")
    assert back.status_code == 403 and "二维码" in back.get_data(as_text=True)


def test_an_sms_code_that_never_arrived_can_be_sent_again(app, client, vote):
    """Once a code was sent, the second-factor page showed only the box for it, for as long
    as the session lasted (opening the notice's link again kept it so): an owner whose
    message never came — a gateway's failure, a phone switched off — could not ask for
    another, and a company owner without the notice at hand was stuck there. The page now
    offers to send a new code (within the hourly allowance), and the new code works."""
    import re

    from tests.factories import voter_token

    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/code")
    sent.clear()  # lost on its way
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert 'name="answer" inputmode="numeric"' in page
    assert f'action="/p/{vote["uid"]}/code"' in page and "重新发送" in page
    from votes.services.sms_codes import RESEND_AFTER

    app.config["VOTES_NOW"] += RESEND_AFTER  # within it, a second tap sends nothing
    client.post(f"/p/{vote['uid']}/code")
    code = re.search(r"(\d{6})", sent[-1]).group(1)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert r.status_code == 302 and r.location.endswith("/ballot")
