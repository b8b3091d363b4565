"""The pages that show what a vote decided, when the chain in the database was altered
behind the app's back (a row not JSON, a row deleted, the head column changed): the close's
tally was shown on the board, the committee's page and the regulator's as the result of a
chain no bundle could any longer be made of. Now none of them shows it as the result: each
says in words that the record is damaged and whom to tell; the regulator's pages still list
the vote and offer the verification that names the entries.

(A process that found the chain sound remembers it by length and head: an alteration after
that, at the same length and head, is seen by the next process, not by it.)"""

from __future__ import annotations

import html

import pytest

from tests.money_world import passed_vote, staff_accounts
from tests.staff_world import sign_in
from tests.test_tampered_chain_store import TAMPERINGS, _tamper

WORDS = "不能显示表决结果"


def _uid(app, pid):
    from votes.extensions import db
    from votes.models import Proposal

    with app.app_context():
        return db.session.get(Proposal, int(pid)).uid


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_no_result_is_shown_of_a_damaged_chain(app, runner, tmp_path, client, how):
    pid = passed_vote(app, runner, tmp_path)["pid"]
    staff_accounts(app, runner)
    uid = _uid(app, pid)
    board = app.test_client()
    _tamper(app, pid, how)

    page = board.get(f"/p/{uid}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and "Traceback" not in text, text
    assert WORDS in text and "业主委员会" in text and "表决通过" not in text, text
    assert "records of this vote were altered" in board.get(f"/p/{uid}?lang=en").get_data(
        as_text=True)

    committee = app.test_client()
    sign_in(committee, "sun_committee")
    page = committee.get(f"/committee/p/{pid}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and WORDS in text and "表决通过" not in text, text
    notice = committee.get(f"/committee/p/{pid}/result-notice.pdf")
    assert notice.status_code == 400 and notice.mimetype == "text/html"

    sign_in(client, "district")
    page = client.get(f"/regulator/p/{pid}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and 'id="chain-damaged"' in text and WORDS in text, text
    assert 'id="result"' not in text and 'id="verify-bundle"' in text
    overview = client.get("/regulator/")
    text = overview.get_data(as_text=True)
    assert overview.status_code == 200 and "表决记录已损坏" in text, text
    assert ">通过<" not in text
    verified = client.post(f"/regulator/p/{pid}/verify", follow_redirects=True)
    assert verified.status_code == 200 and "验证失败" in verified.get_data(as_text=True)
