"""An objection holds the final result back until the committee answers it (§17), so the
voting link alone — a photographed or forwarded notice — must not file one in the owner's
name: the owner passes the second factor first, as for the ballot, and a locked link files
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import resident_id, voter_token
from tests.procedure_world import close_at_end, open_vote, show, vote

SUFFIX = {"102": resident_id(2)[-6:], "202": resident_id(4)[-6:]}  # 李四, 赵六
TEXT = "表决票不是我签的"


@pytest.fixture
def closed(app, runner, tmp_path):
    """A proposal in its objection period, every voter's paper ballot counted."""
    pid = open_vote(app, runner, tmp_path, "objection_days=3")
    vote(runner, tmp_path, pid, {v: "agree" for v in "ABCDE"})
    close_at_end(app, runner, pid)
    return {"id": int(pid), "pid": pid, "uid": show(runner, pid)["uid"]}


def _filed(app, runner, closed) -> list[tuple[str, str]]:
    """(voter, text) of every objection, and nothing on the committee's list either."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import Objection

    with app.app_context():
        rows = [(o.voter_key, o.text) for o in db.session.scalars(
            select(Objection).where(Objection.proposal_id == closed["id"]))]
        db.session.remove()
    listing = runner.invoke(args=["proposal", "objections", closed["pid"]]).output
    assert (TEXT in listing) == bool(rows)
    return rows


def _voter_key(app, closed, room: str) -> str:
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        key = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == closed["id"], FrozenUnit.building == "1",
            FrozenUnit.room == room))
        db.session.remove()
    return key


def _verify(app, client, closed, room: str) -> str:
    """Open the objection page by the voter's link and pass the second factor; the link."""
    token = voter_token(app, closed, room=room)
    start = client.get(f"/v/{token}/objection")
    assert start.status_code == 302 and start.location.endswith(f"/p/{closed['uid']}/verify")
    done = client.post(start.location, data={"method": "id", "answer": SUFFIX[room]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{closed['uid']}/objection")
    return token


def test_the_link_alone_files_no_objection(app, runner, client, closed):
    token = voter_token(app, closed, room="202")
    posted = client.post(f"/v/{token}/objection", data={"text": TEXT})
    assert _filed(app, runner, closed) == []
    assert posted.status_code == 302 and posted.location.endswith(f"/p/{closed['uid']}/verify")
    assert TEXT not in client.get(f"/p/{closed['uid']}").get_data(as_text=True)
    # The page leads the visitor to the second factor (the notice's QR code: /v/<token>).
    page = client.get(f"/v/{token}", follow_redirects=True).get_data(as_text=True)
    assert "可以对表决结果提出异议" in page and 'name="text"' not in page


def lock_by_guessing(stranger, token: str) -> None:
    """Someone else holding the link guesses its second factor until the link locks."""
    verify = stranger.get(f"/v/{token}/objection").location
    for _ in range(5):
        guessed = stranger.post(verify, data={"method": "id", "answer": "000000"})
    assert guessed.status_code == 423


def test_a_locked_link_files_nothing(app, runner, closed):
    owner, stranger = app.test_client(), app.test_client()
    token = _verify(app, owner, closed, "202")
    lock_by_guessing(stranger, token)
    assert stranger.post(f"/v/{token}/objection", data={"text": TEXT}).status_code == 423
    # While it is locked, not even the session verified before files through it.
    posted = owner.post(f"/v/{token}/objection", data={"text": TEXT})
    assert posted.status_code == 423 and "锁定" in posted.get_data(as_text=True)
    assert _filed(app, runner, closed) == []


def test_one_owners_session_files_only_on_their_own_link(app, runner, closed):
    owner = app.test_client()
    own = _verify(app, owner, closed, "202")
    other = voter_token(app, closed, room="102")
    posted = owner.post(f"/v/{other}/objection", data={"text": TEXT})
    assert _filed(app, runner, closed) == []
    assert posted.status_code == 302 and posted.location.endswith("/verify")
    filed = owner.post(f"/v/{own}/objection", data={"text": TEXT})
    assert filed.status_code == 200 and "已收到" in filed.get_data(as_text=True)
    assert _filed(app, runner, closed) == [(_voter_key(app, closed, "202"), TEXT)]


def test_a_link_locked_by_a_stranger_leaves_the_owner_the_lobby(app, runner, closed):
    """A photo of the notice lets anyone fail its second factor until the link locks, and
    again each time it unlocks: the objection period would pass with the link locked. The
    owner files through the lobby poster instead (building, room and the second factor),
    as they vote through it while their link is locked; its own throttle bounds guessing."""
    stranger, owner = app.test_client(), app.test_client()
    token = voter_token(app, closed, room="202")
    verify = stranger.get(f"/v/{token}/objection").location
    for _ in range(5):
        guessed = stranger.post(verify, data={"method": "id", "answer": "000000"})
    assert guessed.status_code == 423
    locked = owner.get(f"/v/{token}/objection")
    assert locked.status_code == 423
    assert f"/p/{closed['uid']}/pick" in locked.get_data(as_text=True)  # the way round
    picked = owner.post(f"/p/{closed['uid']}/pick",
                        data={"building": "1", "entrance": "1", "room": "202"})
    assert picked.status_code == 302 and picked.location.endswith(f"/p/{closed['uid']}/verify")
    page = owner.get(picked.location).get_data(as_text=True)
    assert "可以对表决结果提出异议" in page
    done = owner.post(picked.location, data={"method": "id", "answer": SUFFIX["202"]})
    assert done.status_code == 302 and token not in done.location
    filed = owner.post(done.location, data={"text": TEXT})
    assert filed.status_code == 200 and "已收到" in filed.get_data(as_text=True)
    assert _filed(app, runner, closed) == [(_voter_key(app, closed, "202"), TEXT)]
    # The form is the verified session's alone.
    assert stranger.get(done.location).status_code == 403
    assert stranger.post(done.location, data={"text": "x"}).status_code == 403


def test_the_lobby_leads_to_no_objection_outside_the_period(app, runner, closed):
    from tests.procedure_world import END, at

    at(app, END + timedelta(days=3))
    owner = app.test_client()
    picked = owner.post(f"/p/{closed['uid']}/pick",
                        data={"building": "1", "entrance": "1", "room": "202"})
    # After the period the poster leads to the read-only sign-in (the owner's records),
    # never to a form that files an objection.
    assert picked.status_code == 302 and picked.location.endswith("/verify")
    done = owner.post(picked.location, data={"method": "id", "answer": SUFFIX["202"]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{closed['uid']}/mine")
    refused = owner.post(f"/p/{closed['uid']}/objection", data={"text": TEXT})
    assert refused.status_code == 403 and "只读" in refused.get_data(as_text=True)
    assert _filed(app, runner, closed) == []


def test_after_the_period_the_objection_link_points_to_the_read_only_sign_in(
        app, runner, closed):
    """/v/<token>/objection after the period said 异议期已结束 and no more: an owner who kept
    that address (or whose session ended) was not told that the same link and second factor
    still sign in read-only to their objections and the committee's answers."""
    from tests.procedure_world import END, at

    token = voter_token(app, closed, room="202")
    at(app, END + timedelta(days=3))
    for lang in ("zh_CN", "en"):
        page = app.test_client().get(f"/v/{token}/objection?lang={lang}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'id="objection-closed"' in html
        assert f'id="sign-in-read-only" href="/v/{token}"' in html, html
    # Followed, it is the read-only sign-in, and it ends on the owner's records.
    owner = app.test_client()
    start = owner.get(f"/v/{token}")
    assert start.status_code == 302 and start.location.endswith(f"/p/{closed['uid']}/verify")
    done = owner.post(start.location, data={"method": "id", "answer": SUFFIX["202"]})
    assert done.location.endswith(f"/p/{closed['uid']}/mine")
    # Signed in, the same page leads to the records themselves.
    html = owner.get(f"/v/{token}/objection", follow_redirects=True).get_data(as_text=True)
    assert f'id="mine-link" href="/p/{closed["uid"]}/mine"' in html
    assert 'id="sign-in-read-only"' not in html


def test_mine_shows_the_owners_objections_and_answers_after_the_period(app, runner, closed):
    """/p/<uid>/mine lists what the owner filed and the committee's answer, read months
    later through the read-only sign-in; another owner's objection is not on it."""
    from tests.procedure_world import END, at

    owner, other = app.test_client(), app.test_client()
    own = _verify(app, owner, closed, "202")
    assert owner.post(f"/v/{own}/objection", data={"text": TEXT}).status_code == 200
    theirs = _verify(app, other, closed, "102")
    assert other.post(f"/v/{theirs}/objection", data={"text": "别人的异议"}).status_code == 200
    at(app, END + timedelta(days=3, hours=2))
    for voter, text in ((_voter_key(app, closed, "202"), "已核实，签名属实"),
                        (_voter_key(app, closed, "102"), "别人的答复")):
        from sqlalchemy import select

        from votes.extensions import db
        from votes.models import Objection

        with app.app_context():
            seq = db.session.scalar(select(Objection.seq).where(
                Objection.proposal_id == closed["id"], Objection.voter_key == voter))
            db.session.remove()
        answered = runner.invoke(args=["proposal", "answer", closed["pid"], str(seq),
                                       "--decision", "rejected", "--text", text])
        assert answered.exit_code == 0, answered.output
    at(app, END + timedelta(days=150))  # months later, a new browser
    later = app.test_client()
    start = later.get(f"/v/{own}")
    assert start.status_code == 302 and start.location.endswith(f"/p/{closed['uid']}/verify")
    done = later.post(start.location, data={"method": "id", "answer": SUFFIX["202"]})
    assert done.status_code == 302 and done.location.endswith(f"/p/{closed['uid']}/mine")
    for lang, decided in (("zh_CN", "异议不成立"), ("en", "Objection not founded")):
        page = later.get(f"{done.location}?lang={lang}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'id="my-objections"' in html
        assert TEXT in html and "已核实，签名属实" in html and decided in html, html
        assert "别人的异议" not in html and "别人的答复" not in html
