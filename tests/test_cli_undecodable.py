"""A terminal (or an SSH client) set to GBK sends what the operator types as bytes that are
not UTF-8; Python hands them to the command as lone surrogates ("\\udcd0"). A text argument
holding one was a UnicodeEncodeError traceback from the database driver; a file named in
that encoding (an archive unpacked from a Windows machine) could not be imported."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.factories import make_roll_csv

GBK_TYPED = "阳光".encode("gbk").decode("utf-8", "surrogateescape")  # what Python is given


def _said(result, *words):
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.mark.parametrize("args", [
    ["proposal", "show", GBK_TYPED],
    ["roll", "show", "--community", GBK_TYPED],
    ["community", "rules", GBK_TYPED],
    ["users", "unpause", GBK_TYPED],
    ["works", "tolerance", GBK_TYPED, "5"],
])
def test_a_text_argument_that_is_not_utf8_is_refused_in_words(app, runner, args):
    _said(runner.invoke(args=args), "UTF-8")


def test_a_witness_option_that_is_not_utf8_is_refused_in_words(tmp_path):
    from votes.cli import main

    db = str(tmp_path / "w.sqlite3")
    runner = CliRunner()
    assert runner.invoke(main, ["witness", "init", "--db", db]).exit_code == 0
    for command in ("audit-heads", "cosignatures"):
        result = runner.invoke(main, ["witness", command, "--db", db, "--app", GBK_TYPED])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "UTF-8" in result.output, result.output


def test_a_roll_file_named_in_another_encoding_is_imported(app, runner, tmp_path):
    import os

    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    named = tmp_path / f"{GBK_TYPED}.csv"
    try:
        make_roll_csv(named)
    except (UnicodeEncodeError, OSError):  # a file system that keeps names in UTF-8 only
        pytest.skip("this file system cannot hold a name that is not UTF-8")
    assert os.fsencode(named.name) == "阳光".encode("gbk") + b".csv"
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(named)])
    assert result.exit_code == 0, result.output
