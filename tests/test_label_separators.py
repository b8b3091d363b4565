"""A flat's labels never make a scope, or a printed label, name other flats.

A scope is text (`entrance:A-3-1`, `unit:3-1-101`, `building:3,5`) cut at `-`, `,` and `:`
(votes.core.roll.Scope), and a unit's label joins its building, entrance and room with
`-`. A building labelled "A-3" beside a building "A" with an entrance "3-1" made
`entrance:A-3-1` hold the flats of both, and two flats print A-3-1-101. The roll's import
refuses such labels; a roll imported before it did cannot be given a new scope or frozen;
a vote frozen before keeps its units and still verifies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

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


def _relabel(app, changes: dict[tuple[str, str, str], tuple[str, str, str]],
             frozen: bool = False) -> None:
    """What an import before the check (or a freeze before it) left: units labelled as
    `changes` says, each with its key as the import computes it."""
    from votes.core.roll import unit_key
    from votes.extensions import db
    from votes.models import FrozenUnit, Unit

    with app.app_context():
        for model in (Unit, FrozenUnit) if frozen else (Unit,):
            for row in db.session.scalars(select(model)):
                new = changes.get((row.building, row.entrance, row.room))
                if new:
                    row.building, row.entrance, row.room = new
                    row.unit_key = unit_key(*new)
        db.session.commit()


OLD = {("A3", "1", "101"): ("A-3", "1", "101"), ("A", "31", "101"): ("A", "3-1", "101"),
       ("A", "31", "102"): ("A", "3-1", "102")}


def _old_roll(app, runner, tmp_path) -> None:
    app.config["VOTES_NOW"] = T0 - timedelta(days=12)
    _community(runner)
    result = _import(runner, tmp_path, _rows(("A3", "1", "101"), ("A", "31", "101"),
                                             ("A", "31", "102"), ("B", "1", "101")))
    assert result.exit_code == 0, result.output


def _create(runner, scope: str):
    return runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "电梯更换", "--matter",
        "use_fund", "--scope", scope, "--budget", "1000.00", "--publicity-start",
        "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00", "--voting-end",
        "2026-12-08T09:00", "--schedule"])


@pytest.mark.parametrize("scope", ["entrance:A-3-1", "unit:A-3-1-101", "building:B", "all"])
def test_a_roll_imported_before_the_check_takes_no_new_scope(app, runner, tmp_path, scope):
    """On such a roll the electorate of entrance:A-3-1 would be A-3's entrance 1 and A's
    entrance 3-1 both: no scope is taken until the roll is imported again."""
    _old_roll(app, runner, tmp_path)
    _relabel(app, OLD)
    result = _create(runner, scope)
    assert result.exit_code == 1, result.output
    assert "重新导入名册" in result.output, result.output
    if scope != "all":  # everyone is everyone: only two flats printing one label refuse it
        assert "A-3" in result.output and "“-”" in result.output, result.output
    else:
        assert "A-3-1-101" in result.output, result.output


def test_the_scope_preview_says_so_too(app, runner, tmp_path):
    _old_roll(app, runner, tmp_path)
    _relabel(app, OLD)
    with app.test_request_context():
        from votes.services.committee_views import scope_preview
        from votes.services.communities import get_community

        preview = scope_preview(get_community("SUN"), "entrance:A-3-1", "100")
        assert preview.error and "重新导入名册" in preview.error, preview


def test_a_new_freeze_on_such_a_roll_is_refused_and_says_how_to_mend_it(app, runner,
                                                                        tmp_path):
    """A draft saved before the roll was found ambiguous: its freeze refuses, the draft
    stays a draft; once the roll is imported again with plain labels, it freezes exactly
    the flats the scope says."""
    _old_roll(app, runner, tmp_path)
    result = _create(runner, "entrance:A-31")
    assert result.exit_code == 0, result.output
    pid = result.output.strip()
    _relabel(app, OLD)
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    opened = runner.invoke(args=["proposal", "open", pid])
    assert opened.exit_code == 1, opened.output
    assert "重新导入名册" in opened.output and "A-3" in opened.output, opened.output
    shown = json.loads(runner.invoke(args=["proposal", "show", pid, "--json"]).output)
    assert shown["state"] == "draft"

    again = _import(runner, tmp_path, _rows(("A3", "1", "101"), ("A", "31", "101"),
                                            ("A", "31", "102"), ("B", "1", "101")),
                    replace=True)
    assert again.exit_code == 0, again.output
    opened = runner.invoke(args=["proposal", "open", pid])
    assert opened.exit_code == 0, opened.output
    from votes.extensions import db
    from votes.models import FrozenUnit

    with app.app_context():
        frozen = {(u.building, u.entrance, u.room)
                  for u in db.session.scalars(select(FrozenUnit))}
    assert frozen == {("A", "31", "101"), ("A", "31", "102")}


def test_a_vote_frozen_before_keeps_its_flats_and_verifies(app, runner, tmp_path):
    """A vote frozen on such a roll before the check: its frozen units stay; a paper ballot,
    a proxy and the share look-up name a flat by its three fields (unit_key), so each
    finds the one flat it names though both print A-3-1-101; its bundle verifies."""
    _old_roll(app, runner, tmp_path)
    pid = _create(runner, "all").output.strip()
    app.config["VOTES_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    assert runner.invoke(args=["tick"]).exit_code == 0  # publicity: the roll is frozen
    _relabel(app, OLD, frozen=True)  # as an older freeze of an older import left it
    app.config["VOTES_NOW"] = T0 + timedelta(hours=1)
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0

    for name in ("scan-a3.pdf", "scan-a.pdf", "letter.pdf"):
        (tmp_path / name).write_bytes(b"%PDF-1.4 " + name.encode())
    (tmp_path / "ballots.csv").write_text(
        "building,entrance,room,choice,channel,evidence,entered_by,proxy_name,proxy_id,"
        "authorisation\n"
        "A-3,1,101,agree,paper,scan-a3.pdf,clerk,,,\n"
        "A,3-1,101,disagree,proxy,scan-a.pdf,clerk,钱七,110101199003070011,letter.pdf\n",
        encoding="utf-8")
    result = runner.invoke(args=["ballots", "import", pid, str(tmp_path / "ballots.csv")])
    assert result.exit_code == 0, result.output

    from votes.extensions import db
    from votes.models import Ballot, FrozenUnit
    from votes.services.lifecycle import get_proposal
    from votes.services.plan import share_of

    with app.app_context():
        by_flat = {(u.building, u.entrance): u.voter_key
                   for u in db.session.scalars(select(FrozenUnit).where(FrozenUnit.room == "101"))}
        channels = {b.voter_key: b.channel for b in db.session.scalars(select(Ballot))}
        assert channels == {by_flat[("A-3", "1")]: "paper", by_flat[("A", "3-1")]: "proxy"}
        proposal = get_proposal(pid)
        for building, entrance in (("A-3", "1"), ("A", "3-1")):
            assert share_of(proposal, building, entrance, "101").found

    app.config["VOTES_NOW"] = T0 + timedelta(days=7, hours=1)
    assert runner.invoke(args=["proposal", "close", pid]).exit_code == 0
    from tests.procedure_world import export_and_verify

    _data, report = export_and_verify(app, runner, tmp_path, pid)
    assert report.outcome == "verified", report.render()
