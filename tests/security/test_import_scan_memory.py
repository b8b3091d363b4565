"""`votes ballots import` holds every scan it reads in memory until the file's ballots are
entered: each file is read once however many rows name it, and the scans of one import
are capped in total (BALLOT_IMPORT_MAX_BYTES), past which the whole file is refused before
anything is entered and nothing more is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import make_open_proposal

PROXY = "钱七,110101199003070011"
ROOMS = (("1", "101"), ("1", "102"), ("1", "202"), ("2", "201"))


def _file(tmp_path, rows) -> str:
    """rows: (building, room, form[, letter]); a row with a letter is a proxy ballot."""
    lines = ["楼栋,单元,房号,意见,方式,凭证,录入人,受托人,受托人证件号码,授权委托书"]
    for building, room, form, *letter in rows:
        lines.append(f"{building},1,{room},同意,委托,{form},clerk,{PROXY},{letter[0]}" if letter
                     else f"{building},1,{room},同意,纸质,{form},clerk,,,")
    path = tmp_path / "ballots.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _forms(tmp_path, size: int) -> list[str]:
    names = []
    for building, room in ROOMS:
        name = f"form-{building}-{room}.pdf"
        (tmp_path / name).write_bytes(f"%PDF-1.4 {building}-{room} ".encode().ljust(size, b"."))
        names.append(name)
    return names


@pytest.fixture
def opened(monkeypatch):
    """The names of the files the import opens, in order."""
    seen: list[str] = []
    real = os.open

    def spy(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    return seen


def _stored(app) -> tuple[int, int]:
    from votes.extensions import db
    from votes.models import Ballot, Evidence

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Ballot)),
                db.session.scalar(select(func.count()).select_from(Evidence)))


def test_a_letter_named_by_every_row_is_read_once_and_counted_once(app, runner, tmp_path,
                                                                   opened):
    vote = make_open_proposal(app, runner, tmp_path)
    forms = _forms(tmp_path, 100)
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 one letter, four principals".ljust(2000))
    # The letter four times would be 8,000 bytes; once, with the forms, 2,400.
    app.config["BALLOT_IMPORT_MAX_BYTES"] = 2500
    path = _file(tmp_path, [(b, r, f, "letter.pdf") for (b, r), f in zip(ROOMS, forms)])
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path])
    assert result.exit_code == 0, result.output
    assert opened.count("letter.pdf") == 1
    assert all(opened.count(f) == 1 for f in forms)
    assert _stored(app) == (4, 5)


def test_scans_past_the_limit_refuse_the_file_before_anything_is_entered(app, runner,
                                                                         tmp_path, opened):
    vote = make_open_proposal(app, runner, tmp_path)
    forms = _forms(tmp_path, 1200)
    app.config["BALLOT_IMPORT_MAX_BYTES"] = 3000  # two forms fit, the third does not
    path = _file(tmp_path, [(b, r, f) for (b, r), f in zip(ROOMS, forms)])
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path])
    assert result.exit_code == 1
    assert result.output.count("BALLOT_IMPORT_MAX_BYTES") == 1, result.output
    assert "2.93 KB" in result.output and forms[2] in result.output
    assert "未录入任何选票" in result.output and "第 4 行" not in result.output
    assert forms[3] not in opened  # nothing read past the limit
    assert _stored(app) == (0, 0)


def test_a_letter_past_the_limit_refuses_the_whole_file_not_its_row(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    forms = _forms(tmp_path, 100)
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 letter".ljust(5000))
    app.config["BALLOT_IMPORT_MAX_BYTES"] = 4000
    path = _file(tmp_path, [("1", "101", forms[0]), ("1", "102", forms[1], "letter.pdf")])
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path])
    assert result.exit_code == 1
    assert "letter.pdf" in result.output and "BALLOT_IMPORT_MAX_BYTES" in result.output
    assert "第 3 行：" not in result.output, result.output
    assert _stored(app) == (0, 0)


def test_the_limit_defaults_to_eight_uploads_and_is_read_from_the_environment():
    from votes.settings import ballot_import_max_bytes

    assert ballot_import_max_bytes({"MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
                                    "BALLOT_IMPORT_MAX_BYTES": ""}) == 256 * 1024 * 1024
    assert ballot_import_max_bytes({"BALLOT_IMPORT_MAX_BYTES": "1048576"}) == 1048576
    for bad in ("0", "-5", "lots"):
        with pytest.raises(ValueError):
            ballot_import_max_bytes({"BALLOT_IMPORT_MAX_BYTES": bad})
