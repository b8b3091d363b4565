"""Owner pages over HTTP: link, second factor, lockout, ballot, receipt, board, dead ends."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest

from tests.factories import make_open_proposal, resident_id, voter_token

ZHANG_SUFFIX = resident_id(1)[-6:]  # 张三 owns 1-1-101 and 1-1-201


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["RATELIMIT_ENABLED"] = True
    return make_open_proposal(app, runner, tmp_path)


def verified(client, app, vote, room="101", suffix=ZHANG_SUFFIX):
    r = client.get(f"/v/{voter_token(app, vote, room)}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{vote['uid']}/verify")
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": suffix})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")


def post_device(client, vote, body):
    """A device key posted as the owner's page posts it: naming the voter the page was shown
    to, here the one the client's session is signed in as."""
    if isinstance(body, dict) and "voter" not in body:
        body = {**body, "voter": signed_in_voter(client)}
    return client.post(f"/p/{vote['uid']}/device", json=body)


def signed_in_voter(client) -> str:
    """The voter key the client's session is signed in as ("" if none): the cookie holds
    it sealed (votes/web/login.py), the app opens it."""
    from votes.web.login import OwnerUser, load_user

    with client.session_transaction() as state:
        signed_in = state.get("_user_id") or ""
    with client.application.test_request_context():
        user = load_user(signed_in) if signed_in else None
    return user.voter_key if isinstance(user, OwnerUser) else ""


def cast(client, vote, choice="agree", **signed):
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": choice})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', html).group(1)
    return client.post(f"/p/{vote['uid']}/cast", data={"choice": choice, "nonce": nonce, **signed}), nonce


def test_owner_votes_and_finds_the_receipt_on_the_board(app, client, vote):
    verified(client, app, vote)
    ballot = client.get(f"/p/{vote['uid']}/ballot").get_data(as_text=True)
    assert "电梯更换" in ballot and "同意" in ballot and "反对" in ballot and "弃权" in ballot
    # 张三's two units, 89.50 + 75.25 of 654.75 m², pay 16475/65475 of 6547.50 yuan.
    assert "1,647.50" in ballot
    confirm = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "disagree"})
    assert "反对" in confirm.get_data(as_text=True)
    r, _ = cast(client, vote, "agree")
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"]
    digest = r.headers["Location"].rsplit("/", 1)[1]
    receipt = client.get(r.headers["Location"]).get_data(as_text=True)
    assert digest[:4] in receipt and "<svg" in receipt
    board = client.get(f"/p/{vote['uid']}?receipt={digest[:4]} {digest[4:20]}").get_data(as_text=True)
    assert "已记录：第 1 条记录，是该业主目前有效的选票" in board
    # Voting again shows the existing receipt and the rule, never a second ballot.
    again = client.get(f"/p/{vote['uid']}/ballot")
    assert again.status_code == 302 and digest in again.headers["Location"]
    # The ballot form sent again (Back, then resubmit) leads there too, with the rule: not
    # to a confirm page saying the choice will be recorded.
    r2 = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "disagree"})
    assert r2.status_code == 302 and digest in r2.headers["Location"]
    assert "请勿重复提交" in client.get(r2.headers["Location"]).get_data(as_text=True)
    # A cast sent anyway, with a nonce of this session's, is refused by the ballot's rules.
    with client.session_transaction() as state:
        state["ballot_nonce"] = "ab" * 16
    r3 = client.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": "ab" * 16})
    assert r3.status_code == 302 and digest in r3.headers["Location"]
    with app.app_context():
        from votes.services.figures import proposal_figures

        assert proposal_figures(str(vote["id"])).ballots == 1


def test_the_second_factor_page_sends_no_cookie_its_form_token_came_with_the_link(
        app, client, vote):
    """The link's response carries the form's CSRF secret in the cookie it writes anyway;
    the form page then leaves the session as it is (one signed cookie fewer per owner), and
    its token is accepted."""
    app.config["WTF_CSRF_ENABLED"] = True
    r = client.get(f"/v/{voter_token(app, vote)}")
    assert r.status_code == 302 and "session=" in r.headers.get("Set-Cookie", "")
    page = client.get(f"/p/{vote['uid']}/verify")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    refused = client.post(f"/p/{vote['uid']}/verify",
                          data={"method": "id", "answer": ZHANG_SUFFIX})
    assert refused.status_code == 400  # without the token: CSRF still guards the form
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX,
                                                       "csrf_token": token.group(1)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{vote['uid']}/ballot")


def test_device_signed_ballot_is_verified_and_recorded(app, client, vote):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from votes.core.commitment import commit
    from votes.core.signing import device_payload

    verified(client, app, vote)
    key = ec.generate_private_key(ec.SECP256R1())
    spki = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    assert post_device(client, vote, {"public_key": spki}).status_code == 200
    assert post_device(client, vote, {"public_key": "bad"}).status_code == 400
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).get_data(as_text=True)
    nonce = re.search(r'data-nonce="([0-9a-f]+)"', page).group(1)
    voter = re.search(r'data-voter="([^"]+)"', page).group(1)

    salt = "5a" * 32  # the browser's salt for the choice's commitment

    def sign(choice):
        committed = commit(vote["uid"], voter, choice, salt)
        der = key.sign(device_payload(vote["uid"], voter, committed, nonce),
                       ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()

    # A signature over another choice's commitment must not pass for this one.
    forged = client.post(f"/p/{vote['uid']}/cast", data={
        "choice": "agree", "nonce": nonce, "public_key": spki, "signature": sign("disagree"),
        "salt": salt})
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/ballot")
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).get_data(as_text=True)
    nonce = re.search(r'data-nonce="([0-9a-f]+)"', page).group(1)
    ok = client.post(f"/p/{vote['uid']}/cast", data={
        "choice": "agree", "nonce": nonce, "public_key": spki, "signature": sign("agree"),
        "salt": salt})
    assert "/receipt/" in ok.headers["Location"]
    with app.app_context():
        from votes.extensions import db
        from votes.models import Proposal
        from votes.services.records import chain_entries

        entry = chain_entries(db.session.get(Proposal, vote["id"]))[-1].entry
        assert entry["body"]["device"]["public_key"] == spki
        # The chain carries the commitment made with the browser's salt, never the choice.
        assert entry["body"]["commitment"] == commit(vote["uid"], voter, "agree", salt)
        assert "choice" not in entry["body"]


def test_wrong_answers_lock_the_link(app, client, vote):
    token = voter_token(app, vote)
    client.get(f"/v/{token}")
    for remaining in (4, 3, 2, 1):
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
        assert r.status_code == 200
        assert f"还可以再试 {remaining} 次" in r.get_data(as_text=True)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
    assert r.status_code == 423 and "锁定" in r.get_data(as_text=True)
    # Even the right answer is refused while locked, on the locked page of this proposal,
    # and from a fresh client too.
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 423 and "锁定" in r.get_data(as_text=True)
    board = f'href="/p/{vote["uid"]}"'  # the page links this proposal's board
    assert board in r.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.get(f"/v/{token}").status_code == 423
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(hours=2)
    verified(fresh, app, vote)


def test_a_wrong_answer_marks_its_box_and_names_why(app, client, vote):
    """After a wrong answer the reason (还可以再试 n 次) stood only in a notice at the top
    of the page: a blind owner back on the answer box heard neither that it was refused
    nor why. The box of the answer refused is now aria-invalid and described by the error;
    the other boxes, and the page before any answer, are not."""
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    verify = f"/p/{vote['uid']}/verify"
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/code")
    assert "aria-invalid" not in client.get(verify).get_data(as_text=True)
    code = re.search(r"(\d{6})", sent[0]).group(1)
    for method, box in (("id", "answer"), ("sms", "code")):
        page = client.post(verify, data={"method": method, "answer": "000000" if code !=
                                         "000000" else "111111"}).get_data(as_text=True)
        tag = re.search(rf'<input id="{box}"[^>]*>', page).group()
        assert 'aria-invalid="true"' in tag and 'aria-describedby="verify-error"' in tag, tag
        assert page.count("aria-invalid") == 1, page
        error = re.search(r'<p [^>]*id="verify-error"[^>]*>(.*?)</p>', page, re.S)
        assert error and "验证未通过，还可以再试" in error.group(1), page
        assert page.count("还可以再试") == 1  # said once, not also in the notice on top


def test_per_client_rate_limit(app, client, vote):
    client.get(f"/v/{voter_token(app, vote, '202')}")
    codes = [client.post(f"/p/{vote['uid']}/verify", data={"answer": "111111"}).status_code
             for _ in range(11)]
    assert 429 in codes


def test_a_head_request_answers_nothing(app, client, vote):
    """HEAD runs a route's view as GET does, and the second-factor page took every method
    but GET for an answer: a HEAD carrying the right suffix signed the session in, past
    the CSRF check and the per-minute limits (both kept for POST only), and a wrong one
    was counted towards the link's lockout."""
    client.get(f"/v/{voter_token(app, vote)}")
    for answer in ("111111", ZHANG_SUFFIX):
        r = client.open(f"/p/{vote['uid']}/verify", method="HEAD",
                        data={"method": "id", "answer": answer})
        assert r.status_code == 200
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 403  # not signed in
    assert not guesses_counted(app, vote)


def guesses_counted(app, vote) -> bool:
    """Whether any link of the vote has a wrong answer counted against it, or is locked."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import VoterAccess

    with app.app_context():
        return db.session.scalar(select(VoterAccess.id).where(
            VoterAccess.proposal_id == vote["id"],
            (VoterAccess.failures > 0) | VoterAccess.locked_until.is_not(None))) is not None


def test_sms_code_path(app, client, vote):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append((phone, text))
    client.get(f"/v/{voter_token(app, vote)}")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "发送短信验证码" in page
    client.post(f"/p/{vote['uid']}/code")
    assert sent and sent[0][0] == "13912345678"
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "139****5678" in page
    code = re.search(r"(\d{6})", sent[0][1]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(f"/p/{vote['uid']}/verify",
                       data={"method": "sms", "answer": wrong}).status_code == 200
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")


def test_a_second_tap_on_send_sends_no_second_code(app, client, vote):
    """Two taps on 发送验证码 sent two messages, and the first code, the one the owner
    read first, then failed: the second had replaced it. Within a minute of a code, another
    request sends nothing, the code sent stands, and the page says it was sent."""
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/code")
    app.config["VOTES_NOW"] += timedelta(seconds=59)
    again = client.post(f"/p/{vote['uid']}/code", follow_redirects=True)
    assert len(sent) == 1
    page = again.get_data(as_text=True)
    assert "验证码已发送" in page and "139****5678" in page and "太频繁" not in page
    first = re.search(r"(\d{6})", sent[0]).group(1)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": first})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")


def test_a_code_can_be_sent_again_after_a_minute(app, client, vote):
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append(text)
    client.get(f"/v/{voter_token(app, vote)}")
    client.post(f"/p/{vote['uid']}/code")
    app.config["VOTES_NOW"] += timedelta(seconds=60)
    client.post(f"/p/{vote['uid']}/code")
    assert len(sent) == 2
    code = re.search(r"(\d{6})", sent[-1]).group(1)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "sms", "answer": code})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")


def test_poster_path_picks_building_and_room(app, client, vote):
    r = client.post(f"/p/{vote['uid']}/pick", data={"building": "1号楼", "entrance": "1",
                                                    "room": "201"})
    assert r.status_code == 302
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")


def test_dead_ends(app, runner, client, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, scope="building:1")
    assert client.get("/v/not-a-real-token").status_code == 404
    out = client.post(f"/p/{vote['uid']}/pick", data={"building": "2", "entrance": "1",
                                                      "room": "101"})
    assert out.status_code == 404 and "不在表决范围" in out.get_data(as_text=True)
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 403
    token = voter_token(app, vote)
    app.config["VOTES_NOW"] = vote["t0"] - timedelta(days=1)
    # Voting already opened in the chain; a clock before the start still refuses ballots.
    early = client.get(f"/v/{token}")
    assert early.status_code == 403 and "尚未开始" in early.get_data(as_text=True)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    # After the close the link leads to the read-only sign-in (the owner's records), not
    # to a ballot (tests/test_owner_after_vote.py).
    closed = client.get(f"/v/{token}", follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert closed.status_code == 200 and "表决已结束" in html and "只读" in html
    board = client.get(f"/p/{vote['uid']}").get_data(as_text=True)
    assert "表决未通过" in board  # nobody voted: the quorum is missed


def test_an_answer_given_after_the_voting_ended_is_not_checked(app, runner, client, tmp_path):
    """The second factor reads the proposal's stage with the pending access: an owner who
    opened the link while voting was open and answers after its end finds the vote closed,
    and nothing of the answer is written (no sign-in, no verified time)."""
    vote = make_open_proposal(app, runner, tmp_path)
    assert client.get(f"/v/{voter_token(app, vote)}").status_code == 302
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 410 and "已结束" in r.get_data(as_text=True)
    assert client.get(f"/p/{vote['uid']}/ballot").status_code == 403
    with app.app_context():
        from sqlalchemy import func, select

        from votes.extensions import db
        from votes.models import VoterAccess

        assert db.session.scalar(select(func.count()).where(
            VoterAccess.verified_at.is_not(None))) == 0


def test_not_open_yet_page(app, runner, client, tmp_path):
    from tests.factories import make_roll_csv

    app.config["VOTES_NOW"] = vote_time = __import__("datetime").datetime(
        2026, 11, 10, tzinfo=__import__("datetime").timezone.utc)
    runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"])
    runner.invoke(args=["roll", "import", "--community", "SUN",
                        str(make_roll_csv(tmp_path / "r.csv"))])
    pid = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "t", "--matter", "use_fund",
        "--scope", "all", "--budget", "1", "--publicity-start", "2026-11-20T09:00",
        "--voting-start", "2026-12-01T09:00", "--voting-end", "2026-12-08T09:00"]).output.strip()
    app.config["VOTES_NOW"] = vote_time + timedelta(days=11)
    assert runner.invoke(args=["proposal", "start-publicity", pid]).exit_code in (0, 1)
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        proposal = get_proposal(pid)
        uid, state = proposal.uid, proposal.state
    assert state == "publicity"
    token = voter_token(app, {"id": int(pid)})
    page = client.get(f"/v/{token}")
    assert page.status_code == 403 and "尚未开始" in page.get_data(as_text=True)
    assert client.get(f"/p/{uid}").status_code == 200


def test_english_is_available(app, client, vote):
    page = client.get(f"/p/{vote['uid']}?lang=en").get_data(as_text=True)
    assert "Chain" in page or "chain" in page


def test_pages_are_light_and_self_contained(app, client, vote):
    verified(client, app, vote)
    r = client.get(f"/p/{vote['uid']}/ballot")
    html = r.get_data(as_text=True)
    assert "http://" not in html.replace("http://votes.test", "") and "https://" not in html
    assert "<script>" not in html  # no inline scripts (CSP)
    assert "script-src http://localhost/static/;" in r.headers["Content-Security-Policy"]
    size = len(r.data) + sum(len(client.get(p).data) for p in
                             ("/static/votes.css", "/static/device.js"))
    assert size < 100_000


def test_one_change_allowed_supersedes_the_first_ballot(app, runner, client, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    verified(client, app, vote)
    first, _ = cast(client, vote, "agree")
    first_digest = first.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/p/{vote['uid']}/ballot")
    assert page.status_code == 200 and "允许修改一次" in page.get_data(as_text=True)
    second, _ = cast(client, vote, "disagree")
    second_digest = second.headers["Location"].rsplit("/", 1)[1]
    assert second_digest != first_digest
    third = client.get(f"/p/{vote['uid']}/ballot")
    assert third.status_code == 302 and second_digest in third.headers["Location"]
    board = client.get(f"/p/{vote['uid']}?receipt={first_digest}").get_data(as_text=True)
    assert "已被同一业主后来的选票替代：第 2 条记录" in board
    with app.app_context():
        from votes.services.figures import proposal_figures

        assert proposal_figures(str(vote["id"])).tally is None  # sealed until the close
        app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
        t = proposal_figures(str(vote["id"])).tally
        assert (t.agree_headcount, t.disagree_headcount) == (0, 1)


def test_signed_in_owner_sees_the_closed_page_after_the_end(app, client, vote):
    verified(client, app, vote)
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    r = client.get(f"/p/{vote['uid']}/ballot")
    assert r.status_code == 410 and "表决已结束" in r.get_data(as_text=True)
    assert client.post(f"/p/{vote['uid']}/confirm", data={"choice": "agree"}).status_code == 410


def test_voting_tokens_stay_out_of_access_logs(app, caplog):
    import logging

    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('%s - - "%s" %s -', "127.0.0.1",
                                           f"GET /v/{token} HTTP/1.1", "302")
    assert token not in caplog.text and "/v/***" in caplog.text


def test_an_answer_without_a_pending_link_is_not_found(app, client, vote):
    """The second factor reads the pending access itself (locked): none, or one of another
    proposal, is a plain 404 and counts no failure."""
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 404
    with client.session_transaction() as s:
        s["pending_access"] = 10 ** 9
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 404


def test_a_signed_in_owner_cannot_open_another_votes_pages(app, runner, client, tmp_path):
    # The same roll in two communities: the owner's voter key may name units in both, and
    # the pages that read the voter with the proposal must still refuse the other vote.
    sun = make_open_proposal(app, runner, tmp_path)
    moon = make_open_proposal(app, runner, tmp_path, code="MOON")
    assert client.get(f"/p/{sun['uid']}/verify").status_code == 404  # no link opened yet
    client.get(f"/v/{voter_token(app, sun)}")
    # The pending access is this vote's: the other vote's second-factor page has none.
    assert "101室" in client.get(f"/p/{sun['uid']}/verify").get_data(as_text=True)
    assert client.get(f"/p/{moon['uid']}/verify").status_code == 404
    client.post(f"/p/{sun['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert client.get(f"/p/{sun['uid']}/ballot").status_code == 200
    digest = "0" * 64
    for page in ("ballot", f"receipt/{digest}", f"receipt/{digest}/card.svg",
                 f"receipt/{digest}/signed.json"):
        r = client.get(f"/p/{moon['uid']}/{page}")
        assert r.status_code == 403 and "请先" in r.get_data(as_text=True), page
        assert client.get(f"/p/no-such-vote/{page}").status_code == 404
    assert client.get(f"/p/{sun['uid']}/receipt/{digest}").status_code == 404  # not theirs


def test_a_landline_on_the_roll_is_never_offered_an_sms_code(app, runner, client, tmp_path):
    """A fixed-line number cannot receive a text: the owner whose only number on the roll
    is one is not offered the SMS code, and a request for it sends nothing."""
    from tests.factories import sample_rows

    rows = sample_rows()
    for i in (0, 3):  # 张三's two flats
        rows[i] = dict(rows[i], phone="010-12345678")
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    sent = []
    app.config["SMS_SENDER"] = lambda phone, text: sent.append((phone, text))
    client.get(f"/v/{voter_token(app, vote)}")
    page = client.get(f"/p/{vote['uid']}/verify").get_data(as_text=True)
    assert "发送短信验证码" not in page
    page = client.post(f"/p/{vote['uid']}/code", follow_redirects=True).get_data(as_text=True)
    assert not sent and "没有该房屋业主的手机号" in page


def test_a_confirm_page_opened_before_another_owner_signed_in_casts_nothing_for_them(
        app, client, vote):
    """A shared phone: 张三 opens the confirm page, 赵六 then passes the second factor in
    another tab. 张三's page, submitted after, was recorded as 赵六's ballot with 张三's
    choice (the form's nonce was the session's, whoever was signed in); a page without the
    device signature (no WebCrypto, or a key store that did not answer) went through.
    Signing in ends the confirm page opened before it."""
    uid = vote["uid"]
    verified(client, app, vote)  # 张三
    page = client.post(f"/p/{uid}/confirm", data={"choice": "disagree"}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page).group(1)
    verified(client, app, vote, room="202", suffix=resident_id(4)[-6:])  # 赵六
    r = client.post(f"/p/{uid}/cast", data={"choice": "disagree", "nonce": nonce})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{uid}/ballot")
    with app.app_context():
        from votes.services.figures import proposal_figures

        assert proposal_figures(str(vote["id"])).ballots == 0
    # Nor is 张三's choice kept for 赵六's confirm page after a refused unsigned cast.
    with client.session_transaction() as state:
        state["retry_choice"] = "disagree"  # as a refused cast of 张三's left it
    verified(client, app, vote, room="202", suffix=resident_id(4)[-6:])
    again = client.get(f"/p/{uid}/confirm")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/p/{uid}/ballot")


def test_a_second_factor_without_the_links_cookie_says_to_open_the_link_again(
        app, client, vote):
    """The session the link wrote was lost before the answer (an in-app browser that cleared
    it, a tab restored after the browser closed): the owner's answer, or a reload of the
    form, got a bare 找不到该页面 with nowhere to go. Still a 404, and the page says what to do."""
    uid = vote["uid"]
    assert client.get(f"/v/{voter_token(app, vote)}").status_code == 302
    client.delete_cookie("session")
    for r in (client.get(f"/p/{uid}/verify"),
              client.post(f"/p/{uid}/verify", data={"method": "id", "answer": ZHANG_SUFFIX}),
              client.post(f"/p/{uid}/code")):
        html = r.get_data(as_text=True)
        assert r.status_code == 404 and "请扫描表决通知上的二维码" in html, html


def test_a_second_factor_names_only_a_known_proof(app, client, vote):
    """The posted `method` became the session's proof unchecked, and an unknown one was
    checked as the ID suffix: the right suffix with method "x" (or a 3000-character one)
    signed the owner in, and then the device registration was refused (not a proof the
    chain knows) or the cookie outgrew what browsers keep. Only the proofs the chain names
    pass; anything else is refused as a form is, with nothing stored and nothing counted."""
    uid = vote["uid"]
    client.get(f"/v/{voter_token(app, vote)}")
    for odd in ("x", "ID", "id " * 1000):
        r = client.post(f"/p/{uid}/verify", data={"method": odd, "answer": ZHANG_SUFFIX})
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "验证方式无效" in html, html
        assert "还可以再试" not in html  # not a wrong answer: the link's count is untouched
        with client.session_transaction() as state:
            assert "_user_id" not in state and "proof" not in state
            assert state.get("pending_access")  # the owner may still answer
    assert client.get(f"/p/{uid}/ballot").status_code != 200
    r = client.post(f"/p/{uid}/verify", data={"method": "id", "answer": "000000"})
    assert "还可以再试 4 次" in r.get_data(as_text=True)
    verified(client, app, vote)
    with client.session_transaction() as state:
        assert state["proof"] == "id"


def test_a_stale_confirm_tab_leaves_the_current_one_valid_and_a_nonce_casts_once(
        app, runner, client, tmp_path):
    """Two confirm pages (two tabs, or Back and a second choice): the cast took the session's
    nonce before comparing it, so the stale tab's submit, refused, also spent the current
    tab's, and both said 页面已过期. The stale one is refused and the current one still
    casts; a nonce, once it has cast, never casts again (this vote allows a change, so a
    second ballot would otherwise be taken), not even with the cookie from before the cast."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    uid = vote["uid"]
    verified(client, app, vote)

    def confirm_page(choice):
        html = client.post(f"/p/{uid}/confirm", data={"choice": choice}).get_data(as_text=True)
        return re.search(r'name="nonce" value="([0-9a-f]+)"', html).group(1)

    stale, current = confirm_page("disagree"), confirm_page("agree")
    odd = client.post(f"/p/{uid}/cast", data={"choice": "agree", "nonce": "过期"})
    assert odd.status_code == 302 and odd.headers["Location"].endswith(f"/p/{uid}/ballot")
    r = client.post(f"/p/{uid}/cast", data={"choice": "disagree", "nonce": stale})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{uid}/ballot")
    assert "页面已过期" in client.get(r.headers["Location"]).get_data(as_text=True)
    with client.session_transaction() as state:
        before_cast = dict(state)
    r = client.post(f"/p/{uid}/cast", data={"choice": "agree", "nonce": current})
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"], r.headers["Location"]
    again = client.post(f"/p/{uid}/cast", data={"choice": "disagree", "nonce": current})
    assert again.status_code == 302 and "/receipt/" not in again.headers["Location"]
    with client.session_transaction() as state:  # the cookie as it was before the cast
        state.clear()
        state.update(before_cast)
    replay = client.post(f"/p/{uid}/cast", data={"choice": "disagree", "nonce": current})
    assert replay.status_code == 302
    with app.app_context():
        from votes.services.figures import proposal_figures

        assert proposal_figures(str(vote["id"])).ballots == 1
    # The change the vote allows is still there, through a confirm page of its own.
    r, _ = cast(client, vote, "disagree")
    assert "/receipt/" in r.headers["Location"]


def test_the_confirm_page_reloaded_or_in_english_says_the_choice_was_not_recorded(
        app, client, vote):
    """The confirm page's English link (a GET of /confirm?lang=en), or a reload, led back to
    the ballot page with nothing said: the owner, who had chosen, could take the vote as
    recorded. The ballot page now says the choice was not submitted (in the language
    asked for); the confirm page left open elsewhere still casts."""
    uid = vote["uid"]
    verified(client, app, vote)
    page = client.post(f"/p/{uid}/confirm", data={"choice": "disagree"}).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page).group(1)
    r = client.get(f"/p/{uid}/confirm?lang=en")
    assert r.status_code == 302
    assert r.headers["Location"].split("?")[0].endswith(f"/p/{uid}/ballot")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "not been submitted" in html and '<html lang="en">' in html, html
    assert '<html lang="en">' in client.get(f"/p/{uid}/ballot").get_data(as_text=True)
    r = client.get(f"/p/{uid}/confirm?lang=zh_CN")
    assert "尚未提交" in client.get(r.headers["Location"]).get_data(as_text=True)
    cast_ = client.post(f"/p/{uid}/cast", data={"choice": "disagree", "nonce": nonce})
    assert "/receipt/" in cast_.headers["Location"]
    # After the cast there is nothing pending to speak of: the receipt, without the note.
    r = client.get(f"/p/{uid}/confirm")
    receipt = client.get(client.get(r.headers["Location"]).headers["Location"])
    assert "尚未提交" not in receipt.get_data(as_text=True)


def test_a_blank_answer_is_asked_for_and_costs_no_try(app, client, vote):
    """An empty box sent (a WebView that ignores `required`, a double tap on 验证) was
    counted as a wrong answer: "验证未通过，还可以再试 4 次", one of five tries gone for
    nothing typed. It now asks for the answer and counts nothing."""
    client.get(f"/v/{voter_token(app, vote)}")
    for blank in ("", "   ", "\u3000"):
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": blank})
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and "验证未通过" not in page and "请先填写" in page
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
    assert "还可以再试 4 次" in r.get_data(as_text=True)
