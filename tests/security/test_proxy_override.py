"""Issue 9 item 12: a committee proxy or paper entry never overrides an owner's own online
ballot, even in a vote that allows one change; the refused attempt is shown and recorded."""

from __future__ import annotations

import io

import pytest

from tests.factories import make_open_proposal
from tests.staff_world import PASSWORD, committee_clerk
from tests.test_owner_http import cast, verified


@pytest.fixture
def vote(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])
    committee_clerk(runner)
    return vote


def _state(app, vote):
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import AuditEntry, Ballot, Proposal
    from votes.services.choices import unseal

    with app.app_context():
        # The choice is sealed in the row (issue 9 item 11): the test reads it as the server
        # does at the close.
        ballots = [(b.voter_key, b.revision, b.channel, unseal(b.choice_enc)[0].value)
                   for b in db.session.scalars(
            select(Ballot).where(Ballot.proposal_id == vote["id"]).order_by(Ballot.seq))]
        refused = [e.details for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ballots.override_refused"))]
        return ballots, db.session.get(Proposal, vote["id"]).chain_length, refused


def test_staff_proxy_entry_cannot_supersede_the_owners_online_ballot(app, vote):
    owner = app.test_client()
    verified(owner, app, vote)
    r, _ = cast(owner, vote, "disagree")
    assert "/receipt/" in r.headers["Location"]

    staff = app.test_client()
    assert staff.post("/staff/login", data={"login": "clerk", "password": PASSWORD}
                      ).status_code == 302
    attack = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "201", "choice": "agree", "channel": "proxy",
        "evidence": (io.BytesIO(b"\xff\xd8\xff forged proxy form"), "proxy.jpg")})
    page = attack.get_data(as_text=True)
    assert attack.status_code == 400
    assert "网上亲自表决（第 1 条记录）" in page  # names the owner's own entry
    ballots, length, refused = _state(app, vote)
    assert [(b[1], b[2], b[3]) for b in ballots] == [(0, "online", "disagree")]
    assert length == 2  # genesis and the owner's ballot: nothing was appended
    assert refused and refused[0]["conflicts"][0]["online_entry"] == 1

    # The same attack through a file of ballots is refused the same way.
    csv_text = "楼栋,单元,房号,意见,方式,凭证,录入人\n1,1,101,同意,委托,a.jpg,clerk\n"
    batch = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
        "evidence": [(io.BytesIO(b"\xff\xd8\xff a"), "a.jpg")]})
    assert batch.status_code == 400 and "网上亲自表决" in batch.get_data(as_text=True)
    assert _state(app, vote)[1] == 2

    # The owner's own change still works: their latest online ballot counts.
    r, _ = cast(owner, vote, "agree")
    assert "/receipt/" in r.headers["Location"]
    ballots, _, _ = _state(app, vote)
    assert [(b[1], b[2], b[3]) for b in ballots] == [(0, "online", "disagree"),
                                                     (1, "online", "agree")]


def test_service_refuses_the_override_even_without_the_form_checks(app, vote):
    """The rule holds in cast_ballots itself (the path every channel shares)."""
    from sqlalchemy import select

    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services.ballot_prepare import StaffOverride
    from votes.services.ballots import BallotRequest, cast_ballot

    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.room == "101",
            FrozenUnit.building == "1"))
        cast_ballot(vote["id"], BallotRequest(voter, Choice.DISAGREE, "online"))
        with pytest.raises(StaffOverride):
            cast_ballot(vote["id"], BallotRequest(voter, Choice.AGREE, "paper",
                                                  entered_by="clerk",
                                                  evidence=("s.jpg", b"scan")))
    assert [(b[2], b[3]) for b in _state(app, vote)[0]] == [("online", "disagree")]


def test_owner_may_replace_a_paper_ballot_entered_for_them(app, vote):
    """The other way round is the owner's own choice, and their latest ballot wins."""
    staff = app.test_client()
    staff.post("/staff/login", data={"login": "clerk", "password": PASSWORD})
    entered = staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff paper form"), "paper.jpg")})
    assert entered.status_code == 302
    owner = app.test_client()
    verified(owner, app, vote)
    r, _ = cast(owner, vote, "disagree")
    assert "/receipt/" in r.headers["Location"]
    assert [(b[1], b[2], b[3]) for b in _state(app, vote)[0]] == [
        (0, "paper", "agree"), (1, "online", "disagree")]


@pytest.mark.postgresql_only
def test_an_owner_whose_cast_lost_to_a_clerks_entry_is_not_told_it_was_accepted(
        app, runner, tmp_path, monkeypatch):
    """The clerk's paper ballot for 赵六 is being appended (under the lock) when 赵六 casts
    online: his ballot collides with it and is refused. He was told "该业主的表决已被受理，请勿
    重复提交", as if his own choice had counted; it is the clerk's that does."""
    from sqlalchemy import select

    from tests.races import held_race
    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import FrozenUnit
    from votes.services import ballots
    from votes.services.ballots import BallotRequest, cast_ballot, cast_ballots

    vote = make_open_proposal(app, runner, tmp_path)
    with app.app_context():
        voter = db.session.scalar(select(FrozenUnit.voter_key).where(
            FrozenUnit.proposal_id == vote["id"], FrozenUnit.room == "202"))

    def act(who):
        if who == "A":
            return cast_ballots(vote["id"], [BallotRequest(
                voter, Choice.AGREE, "paper", entered_by="clerk",
                evidence=("form.pdf", b"%PDF-1.4 signed form"))], actor="clerk")[0].channel
        return cast_ballot(vote["id"], BallotRequest(voter, Choice.DISAGREE, "online")).channel

    outcome = held_race(app, monkeypatch, ballots, "_append", act)
    assert outcome["A"] == "paper", outcome
    assert "已被受理" not in outcome["B"] and "纸质或委托" in outcome["B"], outcome


def test_a_refused_entry_reloaded_is_recorded_once(app, vote):
    """Reloading the refused page (the browser re-posts the form) wrote one more
    ballots.override_refused entry each time: an auditor reading the log saw ten attempts to
    override the owner where the clerk made one. The same attempt (clerk, owner, the online
    ballot it would override, channel) is recorded once within the hour; another channel,
    another clerk, or the same attempt later, is a new record."""
    from datetime import timedelta

    owner = app.test_client()
    verified(owner, app, vote)
    cast(owner, vote, "disagree")
    staff = app.test_client()
    staff.post("/staff/login", data={"login": "clerk", "password": PASSWORD})

    def attempt(channel: str, client=staff) -> None:
        r = client.post(f"/committee/p/{vote['id']}/paper", data={
            "building": "1", "entrance": "1", "room": "201", "choice": "agree",
            "channel": channel, "proxy_name": "陈明", "proxy_id": "350500198001011234",
            "company_staff": "否",
            "evidence": (io.BytesIO(b"\xff\xd8\xff form"), "form.jpg"),
            "authorisation": (io.BytesIO(b"\xff\xd8\xff letter"), "letter.jpg")})
        assert r.status_code == 400 and "网上亲自表决" in r.get_data(as_text=True)

    for _ in range(3):
        attempt("paper")
    refused = _state(app, vote)[2]
    assert len(refused) == 1, refused
    attempt("proxy")  # another attempt: a proxy's form rather than the owner's own
    attempt("proxy")
    assert [r["conflicts"][0]["channel"] for r in _state(app, vote)[2]] == ["paper", "proxy"]
    # The same file of ballots re-posted is the same attempt as the form's.
    csv_text = "楼栋,单元,房号,意见,方式,凭证\n1,1,201,同意,纸质,a.jpg\n"
    for _ in range(2):
        staff.post(f"/committee/p/{vote['id']}/paper", data={
            "csv": (io.BytesIO(csv_text.encode()), "b.csv"),
            "evidence": [(io.BytesIO(b"\xff\xd8\xff a"), "a.jpg")]})
    assert len(_state(app, vote)[2]) == 2
    app.config["VOTES_NOW"] += timedelta(hours=2)  # tried again later: a new attempt
    attempt("paper")
    assert len(_state(app, vote)[2]) == 3


def test_a_correction_over_the_owners_online_ballot_is_refused_and_recorded(app, vote):
    """The clerk entered 张三's paper ballot; 张三 then voted online (his one change). The
    clerk "corrects" the paper entry, which would put a staff ballot back over the owner's
    own: refused, but unlike the same attempt through the paper form it left no
    ballots.override_refused record, so an auditor never saw it was tried."""
    staff = app.test_client()
    staff.post("/staff/login", data={"login": "clerk", "password": PASSWORD})
    assert staff.post(f"/committee/p/{vote['id']}/paper", data={
        "building": "1", "entrance": "1", "room": "101", "choice": "agree", "channel": "paper",
        "evidence": (io.BytesIO(b"\xff\xd8\xff paper form"), "paper.jpg")}).status_code == 302
    owner = app.test_client()
    verified(owner, app, vote)
    cast(owner, vote, "disagree")
    for _ in range(2):  # a reload of the refused page is the same attempt
        r = staff.post(f"/committee/p/{vote['id']}/paper-ballots/correct", data={
            "entry": "1", "choice": "agree", "reason": "录入错误", "confirm": "1"})
        assert r.status_code == 400 and "网上亲自表决（第 2 条记录）" in r.get_data(as_text=True)
    ballots, length, refused = _state(app, vote)
    assert [(b[2], b[3]) for b in ballots] == [("paper", "agree"), ("online", "disagree")]
    assert length == 3
    assert len(refused) == 1, refused
    assert refused[0]["conflicts"][0]["online_entry"] == 2
    assert refused[0]["conflicts"][0]["corrects"] == 1
