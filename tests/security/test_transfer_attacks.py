"""A dishonest clerk uses transfers (§16) to count one buyer twice, or to supersede an
owner's own online ballot with a "sale" to the owner themselves."""

from __future__ import annotations

from tests.factories import make_open_proposal, resident_id
from tests.test_procedure import _chain


def _transfer(runner, vote, tmp_path, building, room, buyer_id, name="周九"):
    (tmp_path / "deed.pdf").write_bytes(b"%PDF certificate " + room.encode())
    (tmp_path / "form.pdf").write_bytes(b"%PDF buyer's ballot " + building.encode() + room.encode())
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
    # The same unit's transfer entered again (a corrected buyer) is still possible.
    again = _transfer(runner, vote, tmp_path, "1", "202", resident_id(10))
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
