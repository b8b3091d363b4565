"""A flat's labels never make a scope, or a printed label, name other flats.

A scope is text (`entrance:A-3-1`, `unit:3-1-101`, `building:3,5`) cut at `-`, `,` and `:`
(votes.core.roll.Scope), and a unit's label joins its building, entrance and room with
`-`. A building labelled "A-3" beside a building "A" with an entrance "3-1" made
`entrance:A-3-1` hold the flats of both, and two flats print A-3-1-101. The roll's import
refuses such labels; a roll imported before it did cannot be given a new scope or frozen;
a vote frozen before keeps its units and still verifies."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import make_roll_csv, make_row, resident_id
from votes.core.roll import Scope, UnitRecord, AreaBasis

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # voting starts, 09:00 in Beijing


def _record(uid: str, building: str, entrance: str, room: str) -> UnitRecord:
    return UnitRecord(uid, building, entrance, room, 10000, AreaBasis.REGISTERED,
                      frozenset({uid}))


def _parts(r: UnitRecord) -> tuple[str, str, str]:
    return r.building, r.entrance, r.room


# Building A-3's entrance 1 and building A's entrance 3-1: one text names both.
ROLL = [_record("u1", "A-3栋", "1单元", "101"), _record("u2", "A", "3-1", "101"),
        _record("u3", "A", "3-1", "102"), _record("u4", "B", "1", "101")]


def test_the_string_rule_holds_both_flats_which_the_check_refuses():
    """What happened: the scope's text holds flats of two different entrances, and two
    flats print one label. The core's check refuses it, naming the flat and the label."""
    from votes.core.roll_labels import refuse_ambiguous

    scope = Scope.parse("entrance:A-3-1")
    assert [u.unit_id for u in scope.select(ROLL)] == ["u2", "u3", "u1"]
    assert ROLL[0].label == ROLL[1].label == "A-3-1-101"
    for text in ("entrance:A-3-1", "unit:A-3-1-101", "building:B"):
        with pytest.raises(ValueError) as refused:
            refuse_ambiguous(Scope.parse(text), ROLL, _parts)
        assert "A-3栋" in str(refused.value) and "“-”" in str(refused.value), str(refused.value)
    # Everyone is everyone, however labelled; but two flats printing one label are refused.
    with pytest.raises(ValueError) as refused:
        refuse_ambiguous(Scope("all"), ROLL, _parts)
    assert "A-3-1-101" in str(refused.value), str(refused.value)


@pytest.mark.parametrize(("building", "entrance", "room"), [
    ("3,5", "1", "101"), ("3，5号楼", "1", "101"), ("A－3", "1", "101"), ("A–3", "1", "101"),
    ("A—3", "1", "101"), ("A﹣3", "1", "101"), ("A‐3", "1", "101"), ("3", "1-2", "101"),
    ("3", "1：2", "101"), ("3:1", "1", "101"), ("3", "1", "101,102")])
def test_the_check_finds_every_separator_and_its_look_alikes(building, entrance, room):
    from votes.core.roll_labels import separator_in

    assert separator_in(building, entrance, room) is not None
    assert separator_in("A3栋", "1单元", "1-101") is None  # a room may hold a dash


def _community(runner, code: str = "SUN") -> None:
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0


def _import(runner, tmp_path, rows, *, replace: bool = False, code: str = "SUN"):
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    return runner.invoke(args=["roll", "import", "--community", code,
                               *(["--replace"] if replace else []), str(path)])


def _rows(*labels) -> list[dict]:
    return [make_row(building=b, entrance=e, room=r, owner_name=f"业主{i}",
                     owner_id=resident_id(10 + i)) for i, (b, e, r) in enumerate(labels)]


@pytest.mark.parametrize(("labels", "words"), [
    ((("A-3栋", "1", "101"),), "楼栋“A-3栋”含有“-”"),
    ((("A－3栋", "1", "101"),), "楼栋“A－3栋”含有“-”"),
    ((("A–3栋", "1", "101"),), "楼栋“A–3栋”含有“–”"),
    ((("3,5", "1", "101"),), "楼栋“3,5”含有“,”"),
    ((("3", "3-1", "101"),), "单元“3-1”含有“-”"),
    ((("3", "1：2", "101"),), "单元“1：2”含有“:”"),
    ((("3", "1", "101,102"),), "房号“101,102”含有“,”"),
])
def test_the_import_refuses_a_label_holding_a_separator(app, runner, tmp_path, labels, words):
    from votes.models import Unit

    _community(runner)
    result = _import(runner, tmp_path, _rows(("1", "1", "101"), *labels))
    assert result.exit_code == 1, result.output
    assert "第 3 行" in result.output and words in result.output, result.output
    with app.app_context():
        from votes.extensions import db

        assert db.session.scalars(select(Unit)).all() == []


def test_the_import_refuses_two_flats_printing_one_label(app, runner, tmp_path):
    """Building 3 without entrances (room 1-101) and building 3's entrance 1 (room 101)
    both print 3-1-101: refused, naming both rows; a room holding a dash alone is fine."""
    _community(runner)
    result = _import(runner, tmp_path, _rows(("3", "1", "101"), ("3", "", "1-102"),
                                             ("3", "", "1-101")))
    assert result.exit_code == 1, result.output
    assert "第 4 行" in result.output and "第 2 行" in result.output, result.output
    assert "“3-1-101”" in result.output, result.output
    fine = _import(runner, tmp_path, _rows(("3", "1", "101"), ("3", "", "1-102")))
    assert fine.exit_code == 0, fine.output
