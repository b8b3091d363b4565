"""Issue 9.7: the ballots file's evidence column cannot make the CLI read any file."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from tests.factories import make_open_proposal

ROOMS = ("101", "102", "202")


def _write(folder, rows, name="ballots.csv"):
    lines = ["building,entrance,room,choice,channel,evidence,entered_by"]
    lines += [f"1,1,{room},agree,paper,{evidence},clerk" for room, evidence in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _ballots(app) -> int:
    from votes.extensions import db
    from votes.models import Ballot, Evidence

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ballot)) + \
            db.session.scalar(select(func.count()).select_from(Evidence))


def test_evidence_outside_the_folder_is_refused_row_by_row(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    instance = tmp_path / "instance"
    (instance / "data_key.secret").write_text("the instance's data key")
    outside = tmp_path / "outside.txt"
    outside.write_text("not for the clerk")
    (tmp_path / "link.pdf").symlink_to(outside)   # a symlink out of the evidence folder
    (tmp_path / "forms").mkdir()
    os.mkfifo(tmp_path / "pipe.pdf")              # reading it would hang the import
    (tmp_path / "ok.pdf").write_bytes(b"%PDF-1.4 a real scan")

    # The CSV sits in tmp_path, which also holds the instance folder: the default folder.
    attacks = [("/etc/passwd", "不在扫描件目录"), ("../../../../../etc/passwd", "不在扫描件目录"),
               ("instance/data_key.secret", "系统目录"), ("forms", "不是普通文件"),
               ("pipe.pdf", "不是普通文件")]
    for evidence, words in attacks:
        path = _write(tmp_path, [("101", "ok.pdf"), ("102", evidence)])
        result = runner.invoke(args=["ballots", "import", str(vote["id"]), path])
        assert result.exit_code == 1, (evidence, result.output)
        assert "第 3 行" in result.output and words in result.output, result.output
        assert "第 2 行" not in result.output
        assert _ballots(app) == 0

    nested = tmp_path / "forms"
    (nested / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    path = _write(tmp_path, [("101", "scan.pdf"), ("102", "../outside.txt")], "b.csv")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path,
                                 "--evidence-dir", str(nested)])
    assert result.exit_code == 1 and "第 3 行" in result.output and "--evidence-dir" in result.output
    link = _write(tmp_path, [("101", "../link.pdf")], "c.csv")
    assert runner.invoke(args=["ballots", "import", str(vote["id"]), link,
                               "--evidence-dir", str(tmp_path)]).exit_code == 1
    assert _ballots(app) == 0

    path = _write(tmp_path, [("101", "scan.pdf")], "d.csv")
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path,
                                 "--evidence-dir", str(nested)])
    assert result.exit_code == 0, result.output
    assert _ballots(app) == 2


def test_symlink_inside_the_folder_is_fine(app, runner, tmp_path):
    vote = make_open_proposal(app, runner, tmp_path)
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    (forms / "alias.pdf").symlink_to(forms / "scan.pdf")
    path = _write(forms, [("101", "alias.pdf")])
    result = runner.invoke(args=["ballots", "import", str(vote["id"]), path])
    assert result.exit_code == 0, result.output
