"""A dishonest clerk uses transfers (§16) to count one buyer twice, or to supersede an
owner's own online ballot with a "sale" to the owner themselves."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, resident_id
from tests.races import held_race, one_accepted
from tests.staff_world import PASSWORD, sign_in
from tests.test_procedure import _chain


def _transfer(runner, vote, tmp_path, building, room, buyer_id, name="周九"):
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate " + room.encode())
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.4 buyer's ballot " + building.encode() + room.encode())
    return runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", building, "--entrance", "1",
        "--room", room, "--choice", "agree", "--buyer-name", name, "--buyer-id", buyer_id,
        "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form", str(tmp_path / "form.pdf"),
        "--entered-by", "clerk"])


def _ballots(app, vote):
    return [e for e in _chain(app, vote) if e["kind"] == "ballot"]


def test_one_buyer_of_two_units_is_not_counted_twice(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    first = _transfer(runner, vote, tmp_path, "1", "202", resident_id(10))
    assert first.exit_code == 0, first.output
    # 2-201 is 李四's only unit of his own: sold to the same buyer, spelled with a space.
    buyer = resident_id(10)[:6] + " " + resident_id(10)[6:]
    second = _transfer(runner, vote, tmp_path, "2", "201", buyer)
    assert second.exit_code != 0 and "按一人计" in second.output, second.output
    assert len(_ballots(app, vote)) == 1
    # The same unit's transfer entered again (the buyer's name put right) is still
    # possible; the same entry again is a repeat, refused.
    repeat = _transfer(runner, vote, tmp_path, "1", "202", resident_id(10))
    assert repeat.exit_code != 0 and "已按相同意见录入" in repeat.output, repeat.output
    again = _transfer(runner, vote, tmp_path, "1", "202", resident_id(10), name="周玖")
    assert again.exit_code == 0, again.output


def test_an_owner_already_in_the_vote_cannot_also_take_a_sellers_place(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    # 张三 (1-101 and 1-201) already votes; buying 1-202 would count him twice.
    result = _transfer(runner, vote, tmp_path, "1", "202", resident_id(1), name="张三")
    assert result.exit_code != 0 and "按一人计" in result.output, result.output
    assert _ballots(app, vote) == []


def test_a_sale_to_the_seller_is_no_transfer(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    # 赵六 owns 1-202 alone: a "transfer" to 赵六 would let staff replace his own ballot.
    result = _transfer(runner, vote, tmp_path, "1", "202", resident_id(4).lower(), name="赵六")
    assert result.exit_code != 0 and "同一人" in result.output, result.output
    assert _ballots(app, vote) == []


def test_a_co_owner_elsewhere_is_another_voter_and_may_buy(app, runner, tmp_path):
    """王五 owns 1-102 together with 李四. The roll groups units by their exact set of owners
    (李四 himself votes for 1-102 with 王五 and alone for 2-201), so 王五 buying 1-202 alone
    is a voter of his own, as he would be on the next roll: not counted twice."""
    vote = make_open_proposal(app, runner, tmp_path)
    result = _transfer(runner, vote, tmp_path, "1", "202", resident_id(3), name="王五")
    assert result.exit_code == 0, result.output
    assert len(_ballots(app, vote)) == 1


def _transfer_form(room: str, buyer_id: str) -> dict:
    return {"building": {"202": "1", "201": "2"}[room], "entrance": "1", "room": room,
            "choice": "agree", "buyer_name": "周九", "buyer_id": buyer_id,
            "transfer_evidence": (io.BytesIO(b"%PDF-1.4 certificate " + room.encode()), "deed.pdf"),
            "ballot_form": (io.BytesIO(b"%PDF-1.4 buyer's ballot " + room.encode()), "form.pdf"),
            "confirm": "1"}


@pytest.mark.postgresql_only
@pytest.mark.parametrize("held_at", ["lock_proposal", "_append"])
def test_two_clerks_entering_two_sales_to_one_buyer_at_once_count_the_buyer_once(
        app, runner, tmp_path, monkeypatch, held_at):
    """Two clerks, two flats sold to one buyer (1-202 and 2-201), entered at the same moment:
    one is accepted, the other refused as counting the buyer twice. The first clerk is held
    just before the proposal's lock (the second then runs to its end), or holding it, past
    its checks (the second then waits for the lock): either way the second must see the
    first's sale. Checked before the lock, both sales passed and the buyer counted twice."""
    from votes.models import Transfer
    from votes.services import ballots

    vote = make_open_proposal(app, runner, tmp_path)
    clerks = {}
    for who in ("A", "B"):
        result = runner.invoke(args=["users", "create", "--no-must-change", f"clerk{who}", "--role", "committee",
                                     "--community", "SUN", "--password", PASSWORD])
        assert result.exit_code == 0, result.output
        clerks[who] = app.test_client()
        sign_in(clerks[who], f"clerk{who}")
    buyer = resident_id(10)
    rooms = {"A": "202", "B": "201"}

    def enter(who):
        done = clerks[who].post(f"/committee/p/{vote['id']}/transfer",
                                data=_transfer_form(rooms[who], buyer))
        return "accepted" if done.status_code == 302 else done.get_data(as_text=True)

    outcome = held_race(app, monkeypatch, ballots, held_at, enter)
    one_accepted(outcome, "按一人计")
    with app.app_context():
        from votes.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
    assert len(_ballots(app, vote)) == 1


def test_an_owner_of_only_a_storeroom_left_out_of_the_count_may_buy_a_flat(app, runner,
                                                                            tmp_path):
    """孙八 holds only a storeroom, which the rules leave out of the headcount: he is no
    voter of this vote (docs/verification.md §16, 16.5), so buying 1-202 counts him once."""
    from tests.test_procedure import parking_rows

    vote = make_open_proposal(app, runner, tmp_path, rows=parking_rows(),
                              rules=["excluded_kinds=parking,storeroom"])
    result = _transfer(runner, vote, tmp_path, "1", "202", resident_id(9), name="孙八")
    assert result.exit_code == 0, result.output
    assert len(_ballots(app, vote)) == 1
    # 张三's parking space is left out too, but he votes for his flats: still refused.
    again = _transfer(runner, vote, tmp_path, "2", "201", resident_id(1), name="张三")
    assert again.exit_code != 0 and "按一人计" in again.output, again.output


FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789X"})


@pytest.mark.parametrize("spell", [
    lambda i: i.translate(FULL_WIDTH),         # ０-９, as a Chinese input method types them
    lambda i: i[:6] + "\u200b" + i[6:],        # a zero-width space pasted from a document
    lambda i: i[:6] + "\u3000" + i[6:],        # an ideographic space
    lambda i: i[:6] + "-" + i[6:14] + "-" + i[14:],  # grouped with hyphens
])
def test_another_spelling_of_the_buyers_id_is_still_one_person(app, runner, tmp_path, spell):
    """The roll and the buyers already entered know an ID in one spelling; the buyer's, typed
    another way, must still be found there, or one person counts twice."""
    vote = make_open_proposal(app, runner, tmp_path)
    # 张三 (1-101 and 1-201) already votes.
    owner = _transfer(runner, vote, tmp_path, "1", "202", spell(resident_id(1)), name="张三")
    assert owner.exit_code != 0 and "按一人计" in owner.output, owner.output
    assert "Traceback" not in owner.output
    # 周九 bought 1-202; buying 2-201 (李四's own) too would count him twice.
    assert _transfer(runner, vote, tmp_path, "1", "202", resident_id(10)).exit_code == 0
    second = _transfer(runner, vote, tmp_path, "2", "201", spell(resident_id(10)))
    assert second.exit_code != 0 and "按一人计" in second.output, second.output
    assert len(_ballots(app, vote)) == 1


def test_a_buyers_id_in_look_alike_letters_is_refused(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    cyrillic = "91350500MA2XXXXX1A".replace("X", "\u0425")  # Х, not X
    result = _transfer(runner, vote, tmp_path, "1", "202", cyrillic, name="阳光地产有限公司")
    assert result.exit_code != 0 and "拉丁字母" in result.output, result.output
    assert _ballots(app, vote) == []


def test_an_owner_whose_roll_id_has_a_hyphen_is_found_as_typed(app, runner, tmp_path):
    """An organisation code kept in the roll as 12345678-9 is matched however the buyer's ID
    is typed with its hyphen (full-width, or with a space, too)."""
    from tests.factories import make_row, sample_rows

    rows = sample_rows() + [make_row(building="2", room="301", owner_name="某单位",
                                     owner_id="12345678-9", owner_kind="单位")]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    for spelling in ("12345678-9", "12345678 -9", "１２３４５６７８－９"):
        result = _transfer(runner, vote, tmp_path, "1", "202", spelling, name="某单位")
        assert result.exit_code != 0 and "按一人计" in result.output, (spelling, result.output)
    assert _ballots(app, vote) == []


@pytest.mark.parametrize("on_roll", ["12345678-9", "12345678\u30009", "1234-5678 9"])
def test_an_owner_whose_roll_id_has_a_hyphen_or_a_space_is_found_typed_without(app, runner,
                                                                                 tmp_path,
                                                                                 on_roll):
    """The roll keeps an ID as it was typed there; the clerk types the buyer's from the
    certificate, plainly: folded on both sides, as buyers already entered are compared."""
    from tests.factories import make_row, sample_rows

    rows = sample_rows() + [make_row(building="2", room="301", owner_name="某单位",
                                     owner_id=on_roll, owner_kind="单位")]
    vote = make_open_proposal(app, runner, tmp_path, rows=rows)
    for spelling in ("123456789", "１２３４５６７８９", "12345678-9"):
        result = _transfer(runner, vote, tmp_path, "1", "202", spelling, name="某单位")
        assert result.exit_code != 0 and "按一人计" in result.output, (spelling, result.output)
    assert _ballots(app, vote) == []


@pytest.mark.parametrize("clerk", ["   ", "\u3000"])
def test_a_transfer_entered_by_nobody_is_refused(app, runner, tmp_path, clerk):
    """A blank clerk would put on the chain a buyer's ballot that no one entered."""
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 certificate")
    (tmp_path / "form.pdf").write_bytes(b"%PDF-1.4 buyer's ballot")
    result = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周九", "--buyer-id",
        resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"), "--form",
        str(tmp_path / "form.pdf"), "--entered-by", clerk])
    assert result.exit_code == 1 and "录入人" in result.output, result.output
    assert _ballots(app, vote) == []
