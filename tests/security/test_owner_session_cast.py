"""An owner's sign-in ending while a cast is under way.

A sign-out committed between the cast page's sign-in check and cast_online's transaction
let the ballot in, and the owner was then shown the sign-in page at the receipt's address,
with no word of the ballot. The cast began signed in: its ballot counts, and the sign-in
page at that receipt's address gives this phone its receipt code (as the board shows it),
not the choice (the sign-in has ended). A sign-in that expired between the confirm page and
the cast threw the choice away with the session; the owner is told nothing was recorded,
and the same voter's next sign-in on that phone finds the choice waiting on the confirm
page."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.factories import make_open_proposal, resident_id, voter_token
from tests.security.test_owner_session_end import T0, _at
from tests.security.test_voter_pseudonym_linkage import ZHANG_SUFFIX


@pytest.fixture
def vote(app, runner, tmp_path):
    app.config["VOTES_WALL_NOW"] = T0
    return make_open_proposal(app, runner, tmp_path)


def _sign_in(client, app, vote, room="101", answer=ZHANG_SUFFIX):
    client.get(f"/v/{voter_token(app, vote, room=room)}")
    return client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": answer})


def _confirm(client, vote, choice="agree") -> str:
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": choice})
    assert page.status_code == 200, page.status_code
    return re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)


def _ballots(app) -> list[tuple[str, str]]:
    from votes.extensions import db
    from votes.models import Ballot

    with app.app_context():
        return db.session.execute(select(Ballot.channel, Ballot.receipt)
                                  .order_by(Ballot.seq)).all()


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.postgresql_only
def test_a_sign_out_committed_while_the_cast_is_under_way_leaves_the_receipt_code(
        app, vote, monkeypatch):
    """The race, held: the cast passed its sign-in check and is held before cast_online's
    transaction while a co-owner's phone signs the household out. The ballot is in, and
    the phone that cast it is given its receipt code, not a bare sign-in page."""
    from tests.races import held_race
    from votes.core.receipt_code import grouped, short_code
    from votes.web.owner import voting as owner_pages

    phone, other = app.test_client(), app.test_client()
    _sign_in(phone, app, vote)
    _sign_in(other, app, vote)
    nonce = _confirm(phone, vote)
    pages = {}

    def act(who):
        if who == "B":
            return str(other.post(f"/p/{vote['uid']}/sign-out").status_code)
        cast = phone.post(f"/p/{vote['uid']}/cast", data={"choice": "agree", "nonce": nonce})
        pages["cast"] = cast
        return str(cast.status_code)

    outcome = held_race(app, monkeypatch, owner_pages, "cast_online", act)
    assert outcome == {"A": "302", "B": "302"}, outcome
    [(channel, receipt)] = _ballots(app)  # the cast began signed in: its ballot counts
    assert channel == "online"
    assert pages["cast"].headers["Location"].endswith(f"/receipt/{receipt}")
    # The redirect followed (here, not in the race's app context, whose g the cast's sign-in
    # check would be read from again).
    page = phone.get(pages["cast"].headers["Location"])
    text = _text(page)
    # Signed out: no owner page, no choice; but the ballot's receipt code and the board.
    assert page.status_code == 403 and "此登录已退出" in text
    assert 'id="cast-accepted"' in text and "已被受理" in text, text
    assert grouped(short_code(receipt)) in text and receipt in text
    assert f"/p/{vote['uid']}?receipt={receipt}" in text
    assert "表决成功" not in text and "您选择了" not in text and "同意" not in text
    assert 'id="sign-out"' not in text
    # Reloaded, it says the same; the board finds the ballot by that code.
    assert 'id="cast-accepted"' in _text(phone.get(pages["cast"].headers["Location"]))
    board = _text(phone.get(f"/p/{vote['uid']}?receipt={receipt}"))
    assert "已记录：第 1 条记录" in board, board
    # Signed in again (a minute and more on: the sign-out is dated ahead), the receipt page.
    _at(app, minutes=2)
    assert _sign_in(phone, app, vote).status_code == 302
    assert "表决成功" in _text(phone.get(pages["cast"].headers["Location"]))


def test_the_receipt_code_is_only_for_the_phone_that_cast_it(app, vote):
    """The sign-in page at a receipt's address names the receipt only to the session that
    cast that ballot: another phone signed out, or this one at another receipt, is told
    nothing of it."""
    phone, other = app.test_client(), app.test_client()
    _sign_in(phone, app, vote)
    _sign_in(other, app, vote)
    nonce = _confirm(phone, vote)
    cast = phone.post(f"/p/{vote['uid']}/cast", data={"choice": "agree", "nonce": nonce})
    assert cast.status_code == 302
    # The sign-out lands between the cast's answer and the receipt's load.
    _at(app, seconds=5)
    assert other.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    assert 'id="cast-accepted"' in _text(phone.get(cast.headers["Location"]))
    stranger = app.test_client()
    text = _text(stranger.get(cast.headers["Location"]))
    assert 'id="cast-accepted"' not in text and "已被受理" not in text
    other_receipt = cast.headers["Location"].rsplit("/", 1)[0] + "/" + "ab" * 32
    assert 'id="cast-accepted"' not in _text(phone.get(other_receipt))


def test_a_cast_after_a_sign_out_says_nothing_was_recorded(app, vote):
    phone, other = app.test_client(), app.test_client()
    _sign_in(phone, app, vote)
    _sign_in(other, app, vote)
    nonce = _confirm(phone, vote, "disagree")
    _at(app, seconds=10)
    assert other.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    r = phone.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    text = _text(r)
    assert r.status_code == 403 and "此登录已退出" in text
    assert 'id="cast-not-recorded"' in text and "“反对”没有提交成功" in text, text
    assert "选票没有记入表决记录" in text
    # After a sign-out the choice is not kept: the household ended that session.
    assert "确认页面" not in text
    assert _ballots(app) == []
    _at(app, minutes=2)
    r = _sign_in(phone, app, vote)
    assert r.headers["Location"].endswith("/ballot")


def test_a_sign_in_expiring_between_confirm_and_cast_keeps_the_choice(app, vote, client):
    _sign_in(client, app, vote)
    _at(app, hours=11, minutes=59)
    nonce = _confirm(client, vote, "abstain")
    _at(app, hours=12, seconds=1)
    r = client.post(f"/p/{vote['uid']}/cast", data={"choice": "abstain", "nonce": nonce})
    text = _text(r)
    assert r.status_code == 403 and "登录已过期" in text
    assert "“弃权”没有提交成功，选票没有记入表决记录" in text, text
    assert "60 分钟内重新验证身份登录" in text
    assert _ballots(app) == []
    # The cookie holds no sign-in, and not the voter's key in the clear.
    with client.session_transaction() as state:
        assert state.get("_user_id") is None and "ballot_nonce" not in state
        assert "v-" not in state.get("kept_choice", "v-")[:2]
    # Signed in again: the confirm page, with the choice, and a word of why.
    _at(app, hours=12, minutes=20)
    r = _sign_in(client, app, vote)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/p/{vote['uid']}/confirm")
    page = client.get(r.headers["Location"])
    text = _text(page)
    assert page.status_code == 200 and "您选择了：<strong>弃权</strong>" in text, text
    assert "登录过期前您的选择没有提交" in text
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', text).group(1)
    cast = client.post(f"/p/{vote['uid']}/cast", data={"choice": "abstain", "nonce": nonce})
    assert cast.status_code == 302 and "/receipt/" in cast.headers["Location"]
    assert [c for c, _r in _ballots(app)] == ["online"]
    # Kept once: a later sign-in on this phone goes to the ballot as usual.
    _at(app, hours=12, minutes=30)
    assert _sign_in(client, app, vote).headers["Location"].endswith("/ballot")


def _expire_with_choice(app, vote, client, choice="agree"):
    _sign_in(client, app, vote)
    nonce = _confirm(client, vote, choice)
    _at(app, hours=12, seconds=1)
    r = client.post(f"/p/{vote['uid']}/cast", data={"choice": choice, "nonce": nonce})
    assert r.status_code == 403 and "分钟内重新验证身份登录" in _text(r)


def test_a_kept_choice_is_for_the_same_voter_only_and_not_for_long(app, vote, client):
    # Another owner signing in next on the shared phone is not offered it (and it is gone).
    _expire_with_choice(app, vote, client)
    r = _sign_in(client, app, vote, room="102", answer=resident_id(2)[-6:])
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot"), r.headers
    assert "您选择了" not in _text(client.get(f"/p/{vote['uid']}/confirm"))
    # Kept past KEPT_CHOICE_MINUTES: dropped.
    phone = app.test_client()
    _at(app)
    _expire_with_choice(app, vote, phone, "disagree")
    _at(app, hours=13, seconds=2)
    assert _sign_in(phone, app, vote).headers["Location"].endswith("/ballot")
    # A cast with no confirm page's nonce of that session keeps nothing.
    third = app.test_client()
    _at(app)
    _sign_in(third, app, vote)
    _confirm(third, vote)
    _at(app, hours=12, seconds=1)
    r = third.post(f"/p/{vote['uid']}/cast", data={"choice": "agree", "nonce": "0" * 32})
    assert r.status_code == 403 and "请重新验证身份登录后再表决" in _text(r)
    _at(app, hours=12, minutes=1)
    assert _sign_in(third, app, vote).headers["Location"].endswith("/ballot")
    assert _ballots(app) == []


def test_a_kept_choice_finds_the_ballot_cast_meanwhile_on_another_phone(app, vote, client):
    """Kept on one phone, the owner votes on another: signing in again on the first leads
    to the receipt, not to a confirm page the cast would refuse."""
    _expire_with_choice(app, vote, client, "disagree")
    other = app.test_client()
    _at(app, hours=12, minutes=2)
    _sign_in(other, app, vote)
    nonce = _confirm(other, vote)
    assert other.post(f"/p/{vote['uid']}/cast",
                      data={"choice": "agree", "nonce": nonce}).status_code == 302
    _at(app, hours=12, minutes=5)
    r = _sign_in(client, app, vote)
    assert r.headers["Location"].endswith("/confirm")
    page = client.get(r.headers["Location"])
    assert page.status_code == 302 and "/receipt/" in page.headers["Location"]
    assert len(_ballots(app)) == 1


@pytest.mark.parametrize("signed_out", [{"hours": 1}, {"hours": 12, "minutes": 10}],
                         ids=["before_the_expiry", "after_it"])
def test_a_sign_out_is_not_undone_by_the_sign_in_expiring_too(app, vote, client, signed_out):
    """退出登录 on another phone ends the household's sessions and, with them, any choice a
    confirm page still held: the choice is kept only after an expiry. A session both signed
    out since and past its hours was taken for expired alone (the hours are checked first,
    without the database): the confirm page sent after that kept its choice, said 登录已过期,
    and the owner's next sign-in on the phone was led to confirm it."""
    _sign_in(client, app, vote)
    nonce = _confirm(client, vote, "disagree")
    other = app.test_client()
    _at(app, **signed_out)
    _sign_in(other, app, vote)
    assert other.post(f"/p/{vote['uid']}/sign-out").status_code == 302
    _at(app, hours=12, minutes=20)
    r = client.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    text = _text(r)
    assert r.status_code == 403 and "“反对”没有提交成功" in text, text
    assert "此登录已退出" in text and "登录已过期" not in text, text
    assert "分钟内重新验证身份登录" not in text and "确认页面" not in text, text
    with client.session_transaction() as state:
        assert "kept_choice" not in state and state.get("_user_id") is None
    assert _ballots(app) == []
    _at(app, hours=12, minutes=30)
    assert _sign_in(client, app, vote).headers["Location"].endswith("/ballot")
