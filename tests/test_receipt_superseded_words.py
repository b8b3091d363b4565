"""A receipt whose ballot no longer counts, looked up on the public board: the owner is told
what replaced it — the owner's own change, a staff correction, the new owner's ballot after
a sale — by its entry, channel and time, and after the close that this one is not in the
result and which entry is."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_open_proposal, resident_id
from tests.test_corrections import correct, open_with_paper
from tests.test_owner_http import cast, verified
from tests.test_proposal_cli import T0, at, show


def _lookup(client, uid, digest, lang="") -> str:
    html = client.get(f"/p/{uid}?receipt={digest}{lang}").get_data(as_text=True)
    found = re.search(r'id="lookup-result">(.*?)</p>', html, re.S)
    assert found, html
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1))


def test_a_sellers_receipt_says_the_new_owners_ballot_replaced_it(app, runner, tmp_path,
                                                                 client):
    """赵六 (1-202) voted online, then sold the flat; the clerk entered the buyer's ballot.
    The board told 赵六, holding the receipt, "replaced by a later ballot of the same owner":
    a ballot they never cast, said to be theirs."""
    vote = make_open_proposal(app, runner, tmp_path)
    pid = str(vote["id"])
    verified(client, app, vote, room="202", suffix=resident_id(4)[-6:])
    seller = cast(client, vote, "agree")[0].headers["Location"].rsplit("/", 1)[1]
    (tmp_path / "deed.pdf").write_bytes(b"%PDF deed")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF buyer's form")
    sold = runner.invoke(args=[
        "ballots", "transfer", pid, "--building", "1", "--entrance", "1", "--room", "202",
        "--choice", "disagree", "--buyer-name", "周九", "--buyer-id", resident_id(10),
        "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form", str(tmp_path / "buyer.pdf"),
        "--entered-by", "clerk"])
    assert sold.exit_code == 0, sold.output
    words = _lookup(client, vote["uid"], seller)
    assert "同一业主" not in words, words
    assert "过户" in words and "新业主" in words and "第 2 条" in words, words
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=7, hours=1)
    words = _lookup(client, vote["uid"], seller)
    assert "不计入表决结果" in words and "第 2 条" in words, words
    english = _lookup(client, vote["uid"], seller, "&lang=en")
    assert "sold" in english and "not counted" in english, english


def test_a_corrected_paper_ballots_receipt_says_staff_corrected_it(app, runner, tmp_path,
                                                                  client):
    """张三's paper ballot (entry 1) was corrected by a clerk (entry 3): the board said "a
    later ballot of the same owner" replaced it, as if 张三 had changed their mind."""
    from votes.extensions import db
    from votes.models import Ballot

    pid = open_with_paper(app, runner, tmp_path)
    assert correct(runner, pid, 1).exit_code == 0
    uid = show(runner, pid)["uid"]
    with app.app_context():
        first = db.session.scalar(select(Ballot.receipt).where(
            Ballot.proposal_id == int(pid), Ballot.seq == 1))
    words = _lookup(client, uid, first)
    assert "同一业主" not in words, words
    assert "工作人员" in words and "更正" in words and "第 3 条" in words, words
    at(app, T0 + timedelta(days=7, hours=1))
    words = _lookup(client, uid, first)
    assert "不计入表决结果" in words and "第 3 条" in words, words


def test_an_owners_own_change_names_the_ballot_that_counts(app, runner, tmp_path, client):
    """An owner's first online ballot after they changed it: which entry replaced it, how
    and when (their way to tell it was them), and after the close which one counts."""
    vote = make_open_proposal(app, runner, tmp_path, extra=("--allow-change",))
    verified(client, app, vote)
    first = cast(client, vote, "agree")[0].headers["Location"].rsplit("/", 1)[1]
    cast(client, vote, "disagree")
    words = _lookup(client, vote["uid"], first)
    assert "同一业主" in words and "第 2 条" in words and "网上" in words, words
    app.config["VOTES_NOW"] = vote["t0"] + timedelta(days=8)
    words = _lookup(client, vote["uid"], first)
    assert "不计入表决结果" in words and "第 2 条" in words, words
