"""Free text a committee or a clerk types that a stranger can read without signing in: a
proposal's withdrawal reason (on the public board) and a correction's or a withdrawal's
reason (on the public chain, /api/proposals/<uid>/chain, and in every bundle). A resident
ID number or a mobile number typed into it is masked before it is stored or sealed, as in
an objection (votes.core.identity.mask_in_text): the last six characters of an ID number
are an owner's second factor, and a chain entry can never be taken back."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.factories import make_draft, make_open_proposal, resident_id
from tests.test_corrections import correct, open_with_paper
from tests.test_withdrawals import withdraw

ID_NUMBER = resident_id(7)
PHONE = "13812345678"
TYPED = f"业主张三（身份证 {ID_NUMBER}，电话 {PHONE}）反映"


def _uid(app, pid) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(str(pid)).uid


def _public_chain(client, uid: str) -> str:
    page = client.get(f"/api/proposals/{uid}/chain")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _no_numbers(text: str) -> None:
    assert ID_NUMBER not in text and ID_NUMBER[-6:] not in text and PHONE not in text, text
    assert "138****5678" in text


def test_a_withdrawal_reason_on_the_public_board_shows_no_id_or_phone(app, runner, client,
                                                                      tmp_path):
    pid = make_draft(app, runner, tmp_path)
    app.config["VOTES_NOW"] = datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc)  # publicity
    done = runner.invoke(args=["proposal", "withdraw", str(pid), "--reason", TYPED + "方案有误"])
    assert done.exit_code == 0, done.output
    board = client.get(f"/p/{_uid(app, pid)}")
    assert board.status_code == 200
    text = board.get_data(as_text=True)
    assert "方案有误" in text
    _no_numbers(text)


def test_a_correction_reason_on_the_public_chain_shows_no_id_or_phone(app, runner, client,
                                                                     tmp_path):
    pid = open_with_paper(app, runner, tmp_path)
    fixed = correct(runner, pid, 1, "disagree", TYPED + "录入时勾错了意见")
    assert fixed.exit_code == 0, fixed.output
    _no_numbers(_public_chain(client, _uid(app, pid)))


def test_a_withdrawal_reason_on_the_public_chain_shows_no_id_or_phone(app, runner, client,
                                                                     tmp_path):
    proposal = make_open_proposal(app, runner, tmp_path)

    path = tmp_path / "ballots.csv"
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 form signed by 2-201")
    path.write_text("building,entrance,room,choice,channel,evidence,entered_by\n"
                    "1,1,101,agree,paper,scan.pdf,clerk\n", encoding="utf-8")
    entered = runner.invoke(args=["ballots", "import", str(proposal["id"]), str(path)])
    assert entered.exit_code == 0, entered.output
    taken = withdraw(runner, tmp_path, proposal["id"], 1, TYPED + "录入时错选了房号")
    assert taken.exit_code == 0, taken.output
    _no_numbers(_public_chain(client, proposal["uid"]))
