"""Free text a committee or a clerk types that a stranger can read without signing in: a
proposal's withdrawal reason (on the public board) and a correction's or a withdrawal's
reason (on the public chain, /api/proposals/<uid>/chain, and in every bundle). A resident
ID number or a mobile number typed into it is masked before it is stored or sealed, as in
an objection (votes.core.identity.mask_in_text): the last six characters of an ID number
are an owner's second factor, and a chain entry can never be taken back."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.factories import make_draft, resident_id

ID_NUMBER = resident_id(7)
PHONE = "13812345678"
TYPED = f"业主张三（身份证 {ID_NUMBER}，电话 {PHONE}）反映"


def _uid(app, pid) -> str:
    with app.app_context():
        from votes.services.lifecycle import get_proposal

        return get_proposal(str(pid)).uid


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
