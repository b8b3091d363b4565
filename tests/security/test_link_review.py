"""Review of the link page served in place, the stage fast path of the second factor and
the cast's revision check (f2fb8ab, 0eaced2, 8d381bc)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id, voter_token
from tests.test_owner_http import ZHANG_SUFFIX, verified
from tests.test_procedure import _transfer


@pytest.fixture
def vote(app, runner, tmp_path):
    return make_open_proposal(app, runner, tmp_path, extra=["--allow-change"])


def _verified_count(app) -> int:
    from votes.extensions import db
    from votes.models import VoterAccess

    with app.app_context():
        return db.session.scalar(select(func.count()).where(VoterAccess.verified_at.is_not(None)))


def test_the_token_is_never_the_address_a_page_is_shown_at(app, client, vote):
    """The token must not be the URL of a rendered page: without JavaScript, or in iOS
    WeChat (which keeps the landing URL for sharing, copying and 'open in Safari' whatever
    replaceState says) and in the browser's global history, the page's URL is the token.
    A redirect leaves /p/<uid>/verify as the landing URL, as before f2fb8ab."""
    r = client.get(f"/v/{voter_token(app, vote)}")
    assert r.status_code in (302, 303), r.status_code
    assert r.headers["Location"].endswith(f"/p/{vote['uid']}/verify")
    assert "session=" in r.headers.get("Set-Cookie", "")


def test_a_sellers_stale_cast_never_names_the_buyers_receipt(app, runner, client, vote,
                                                             tmp_path):
    """The seller opened the confirm page, the unit was then transferred and the buyer's
    ballot entered in the seller's place: the cast's answer must not carry the buyer's
    receipt digest (the receipt page hides the buyer's choice from the seller; the digest in
    the Location header, in the history and in the address bar gave it away all the same)."""
    from votes.extensions import db
    from votes.models import Ballot

    seller = app.test_client()
    verified(seller, app, vote, room="202", suffix=resident_id(4)[-6:])
    page = seller.post(f"/p/{vote['uid']}/confirm", data={"choice": "disagree"})
    import re

    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    assert _transfer(runner, vote, tmp_path, choice="agree").exit_code == 0
    with app.app_context():
        buyer = db.session.scalar(select(Ballot.receipt).order_by(Ballot.seq.desc()))
    r = seller.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    assert r.status_code == 302 and buyer not in r.headers["Location"], r.headers["Location"]
    assert "已在表决期间过户" in seller.get(r.headers["Location"]).get_data(as_text=True)
    # Without a stale page too: the confirm step now answers with the seller's page (no
    # form, no nonce), and neither it nor a cast sent anyway names the buyer's digest.
    page = seller.post(f"/p/{vote['uid']}/confirm", data={"choice": "abstain"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已在表决期间过户" in page and 'name="nonce"' not in page and buyer not in page
    r = seller.post(f"/p/{vote['uid']}/cast", data={"choice": "abstain", "nonce": nonce})
    assert r.status_code == 302 and buyer not in r.headers["Location"], r.headers["Location"]


def test_a_paper_ballot_entered_meanwhile_is_not_taken_for_a_resend(app, client, vote):
    """The revision check refuses a cast sent again with its old cookie. A paper ballot
    entered by staff after the owner opened the confirm page is not that owner's earlier
    send: the owner's online ballot goes through the usual rules (here a change, allowed),
    as it did before 8d381bc, rather than being told it 'was already submitted'."""
    import re

    from votes.core.tally import Choice
    from votes.extensions import db
    from votes.models import Ballot, VoterAccess
    from votes.services.ballots import BallotRequest, cast_ballot

    verified(client, app, vote)
    page = client.post(f"/p/{vote['uid']}/confirm", data={"choice": "disagree"})
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    with app.app_context():
        access = db.session.scalar(select(VoterAccess).where(VoterAccess.verified_at.is_not(None)))
        cast_ballot(vote["id"], BallotRequest(voter_key=access.voter_key, choice=Choice.AGREE,
                                              channel="paper", entered_by="clerk",
                                              evidence=("scan.pdf", b"%PDF paper")))
    r = client.post(f"/p/{vote['uid']}/cast", data={"choice": "disagree", "nonce": nonce})
    assert r.status_code == 302 and "/receipt/" in r.headers["Location"]
    assert "已经提交过了" not in client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        channels = db.session.scalars(select(Ballot.channel).order_by(Ballot.revision)).all()
    assert channels == ["paper", "online"]


# -- what holds: the stage fast path at its edges ------------------------------------------

def test_an_answer_one_second_before_the_end_passes_and_at_the_end_is_refused(
        app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    end = vote["t0"] + timedelta(days=7)  # 2026-12-08T09:00 Beijing
    early, late = app.test_client(), app.test_client()
    early.get(f"/v/{voter_token(app, vote)}")
    late.get(f"/v/{voter_token(app, vote, '202')}")
    app.config["VOTES_NOW"] = end - timedelta(seconds=1)
    r = early.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 302 and r.headers["Location"].endswith("/ballot")
    app.config["VOTES_NOW"] = end
    r = late.post(f"/p/{vote['uid']}/verify",
                  data={"method": "id", "answer": resident_id(4)[-6:]})
    assert r.status_code == 410
    assert _verified_count(app) == 1


def test_the_fast_path_keeps_proposals_apart_and_counts_wrong_answers(app, client, vote):
    client.get(f"/v/{voter_token(app, vote)}")
    # The pending access belongs to this proposal only: another uid is a plain 404.
    r = client.post("/p/nosuchproposal/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 404
    for left in (4, 3, 2, 1):
        r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
        assert r.status_code == 200 and f"还可以再试 {left} 次" in r.get_data(as_text=True)
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": "000000"})
    assert r.status_code == 423
    r = client.post(f"/p/{vote['uid']}/verify", data={"method": "id", "answer": ZHANG_SUFFIX})
    assert r.status_code == 423 and _verified_count(app) == 0
