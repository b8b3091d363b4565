"""The operator's long commands say what they are doing while they do it (DESIGN: progress
for long work): a city's roll (50,000 units from XLSX) took 5.6 s to import, opening a vote
on it 4.2 s and its export 2.8 s (bench/scale.py, SQLite, a shared 2-core machine), with
nothing on the screen until the end. Each says, on stderr, what it is doing before it does
it, so the operator's terminal is not silent for seconds and stdout stays the result alone."""

from __future__ import annotations

from tests.factories import make_roll_csv, sample_rows


def test_roll_import_says_each_stage_before_it_is_done(runner, tmp_path):
    assert runner.invoke(args=["community", "create", "SUN", "--name", "阳光花园"]).exit_code == 0
    roll = make_roll_csv(tmp_path / "roll.csv", sample_rows())
    result = runner.invoke(args=["roll", "import", "--community", "SUN", str(roll)])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert said[0] == "正在读取名册 roll.csv …"
    assert said[1].startswith("正在写入名册：") and "户" in said[1]
    assert "正在" not in result.stdout  # the result alone on stdout


def test_freeze_close_and_export_say_what_they_are_doing(app, runner, tmp_path):
    from tests.factories import make_draft

    pid = make_draft(app, runner, tmp_path, extra=())
    started = runner.invoke(args=["proposal", "start-publicity", str(pid)])
    assert started.exit_code == 0, started.output
    assert started.stderr.splitlines()[0] == f"正在冻结表决名册并开始公示（事项 {pid}）…"
    assert "正在" not in started.stdout

    bundle = tmp_path / "bundle.zip"
    refused = runner.invoke(args=["export", str(pid), "-o", str(bundle)])  # not open yet
    assert refused.exit_code != 0 and "正在导出" not in refused.output


def test_export_says_it_is_exporting(app, runner, tmp_path):
    from tests.factories import make_open_proposal

    made = make_open_proposal(app, runner, tmp_path)
    bundle = tmp_path / "bundle.zip"
    done = runner.invoke(args=["export", str(made["id"]), "-o", str(bundle)])
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[0] == f"正在导出事项 {made['id']} 的记录 …"
    assert bundle.is_file() and "正在" not in done.stdout
