"""Owners' and proxies' names holding direction controls (U+202E and its kind).

A name is printed joined with its co-owners' by "、" on the non-voters' XLSX, the committee's
pages and the notices: a right-to-left override in one name reversed what followed it, so
张三、李四 read as another list of names than the roll holds ("Trojan Source"). The roll
and the proxy forms refuse control characters; these are refused as such."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal, make_roll_csv, make_row, resident_id
from tests.test_procedure import _ballots_file, _proxy_row
from votes.core.bidi import BIDI_CONTROLS


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_an_owner_name_with_a_direction_control_is_refused_naming_its_row(app, runner,
                                                                          tmp_path, control):
    from votes.extensions import db
    from votes.models import Owner

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    path = make_roll_csv(tmp_path / "roll.csv", [
        make_row(room="101", owner_name="张三", owner_id=resident_id(1)),
        make_row(room="101", owner_name=f"李{control}四", owner_id=resident_id(2))])
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])
    assert result.exit_code == 1, result.output
    assert "第 3 行：业主姓名含有控制字符" in result.output, result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Owner)) == 0


def test_a_proxy_name_with_a_direction_control_is_refused(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    row = list(_proxy_row("1", "202"))
    row[7] = "钱\u202e七"
    result = runner.invoke(args=["ballots", "import", str(vote["id"]),
                                 _ballots_file(tmp_path, [tuple(row)])])
    assert result.exit_code != 0, result.output
    assert "第 2 行" in result.output and "受托人姓名过长或含有控制字符" in result.output, \
        result.output


def test_a_buyers_name_with_a_direction_control_is_refused(app, runner, tmp_path):
    """A buyer of a flat sold during the vote votes as its owner: the name is an owner's."""
    vote = make_open_proposal(app, runner, tmp_path)
    (tmp_path / "deed.pdf").write_bytes(b"%PDF-1.4 new certificate")
    (tmp_path / "buyer.pdf").write_bytes(b"%PDF-1.4 buyer's ballot")
    result = runner.invoke(args=[
        "ballots", "transfer", str(vote["id"]), "--building", "1", "--entrance", "1",
        "--room", "202", "--choice", "agree", "--buyer-name", "周\u2067九",
        "--buyer-id", resident_id(10), "--transfer-evidence", str(tmp_path / "deed.pdf"),
        "--form", str(tmp_path / "buyer.pdf"), "--entered-by", "clerk"])
    assert result.exit_code == 1, result.output
    assert "新业主姓名" in result.output and "Traceback" not in result.output, result.output
