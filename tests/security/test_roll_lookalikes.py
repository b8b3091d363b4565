"""An owner roll whose cells look alike but differ: one person or one flat twice.

The committee (or the property company that gave it the file) decides what the roll holds;
what it must not do is hold one owner as two voters, or two flats printed alike, without
anyone seeing it. The headcount of the double majority counts owners by their ID number,
and ballots, proxies and notices name a flat by its printed label."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_roll_csv, make_row, resident_id


def _import(runner, tmp_path, rows):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    path = make_roll_csv(tmp_path / "roll.csv", rows)
    return runner.invoke(args=["roll", "import", "--community", "SUN", str(path)])


def _owners(app) -> int:
    from votes.extensions import db
    from votes.models import Owner

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Owner))


ID = resident_id(1)
COMPANY = "91350500MA2XXXXX1B"


@pytest.mark.parametrize("first, second, kind", [
    (ID, ID[:6] + "-" + ID[6:], "个人"),  # a person's ID with a hyphen: no checksum is asked
    (ID, ID[:6] + "." + ID[6:14] + "." + ID[14:], "个人"),
    (COMPANY, COMPANY[:8] + "-" + COMPANY[8:], "单位"),
    ("A123456(7)", "A1234567", "个人"),  # a Hong Kong identity card, its check digit bracketed
])
def test_one_id_spelled_with_and_without_punctuation_is_not_two_owners(app, runner, tmp_path,
                                                                       first, second, kind):
    """Proxies and buyers take "9135-0500MA…" and "91350500MA…" for one person (proxies.
    canonical_id); the roll hashed them as two owners: 张三 listed on two flats, his ID
    once written with a hyphen, was two voters in the double majority's headcount."""
    result = _import(runner, tmp_path, [
        make_row(room="101", owner_name="张三", owner_id=first, owner_kind=kind),
        make_row(room="102", owner_name="张三", owner_id=second, owner_kind=kind)])
    assert result.exit_code == 1, result.output
    assert "第 3 行：证件号码" in result.output, result.output
    assert "与第 2 行的证件号码是同一号码的不同写法" in result.output, result.output
    assert _owners(app) == 0


@pytest.mark.parametrize("id_number, letter", [
    ("91350500MA2\u0425XXXX1B", "\u0425"),  # Cyrillic Ха, drawn as the Latin X
    ("91350500MA2XXXXX1\u0392", "\u0392"),  # Greek Beta, drawn as B
    ("9135050OMA2XXXXX1B", None),  # a Latin O for a zero is another number, and ASCII
])
def test_a_letter_of_another_script_in_an_id_is_refused(app, runner, tmp_path, id_number,
                                                        letter):
    """A company whose code is written once with a Cyrillic Х (a text pasted from a web
    page) was a second owner, and a second voter, beside the one written with a Latin X;
    the proxy and buyer forms refuse such IDs, the roll took them."""
    result = _import(runner, tmp_path, [
        make_row(room="101", owner_name="丙公司", owner_id=COMPANY, owner_kind="单位"),
        make_row(room="102", owner_name="丙公司", owner_id=id_number, owner_kind="单位")])
    if letter is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    assert f"第 3 行：证件号码含有“{letter}”：证件号码只能包含数字和拉丁字母" in result.output, \
        result.output
    assert _owners(app) == 0


@pytest.mark.parametrize("column, honest, lookalike, letter", [
    ("building", "A", "\u0410", "\u0410"),  # Cyrillic А: both flats print A-1-101
    ("building", "C座", "\u0421座", "\u0421"),  # Cyrillic С
    ("entrance", "B", "\u0392", "\u0392"),  # Greek Beta
    ("room", "101", "1\u041e1", "\u041e"),  # a Cyrillic О for the zero of a room
    ("room", "101", "\u0661\u0660\u0661", "\u0661"),  # Arabic-Indic digits, which NFKC keeps
    ("building", "口", "\u30ed", "\u30ed"),  # Katakana ロ for the Han 口
])
def test_a_label_with_a_letter_of_another_script_is_refused(app, runner, tmp_path, column,
                                                            honest, lookalike, letter):
    """Two flats printed alike are refused (roll_labels.same_labels), but only when their
    labels are the same text: A-1-101 and А-1-101 (a Cyrillic А) were two flats on the
    roll with two owners, printed as one label on the ballots, the proxies and the board."""
    from votes.models import Unit

    first = make_row(owner_name="甲", owner_id=resident_id(7), **{column: honest})
    second = make_row(owner_name="乙", owner_id=resident_id(8), **{column: lookalike})
    result = _import(runner, tmp_path, [first, second])
    assert result.exit_code == 1, result.output
    assert "第 3 行：" in result.output and f"含有“{letter}”" in result.output, result.output
    assert "只能使用汉字、数字和拉丁字母" in result.output, result.output
    from votes.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


@pytest.mark.parametrize("label", ["Ⅱ座", "①", "〇一", "甲", "A座（东）", "３号楼", "十二"])
def test_labels_of_chinese_rolls_are_still_taken(app, runner, tmp_path, label):
    """Roman numerals, circled and full-width digits fold to ASCII (and so are told apart
    from, or found equal to, the ASCII ones); Han characters and 〇 are what rolls use."""
    result = _import(runner, tmp_path, [make_row(building=label)])
    assert result.exit_code == 0, result.output
