"""End to end through the CLI: roll → proposal → open → paper ballots → close → export → verify."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import make_roll_csv

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing


def at(app, when: datetime) -> None:
    app.config["VOTES_NOW"] = when


def setup_roll(runner, tmp_path, code="SUN"):
    assert runner.invoke(args=["community", "create", code, "--name", "阳光花园"]).exit_code == 0
    result = runner.invoke(args=["roll", "import", "--community", code,
                                 str(make_roll_csv(tmp_path / "roll.csv"))])
    assert result.exit_code == 0, result.output


def create(runner, *extra, scope="all", budget="6547.50", code="SUN"):
    result = runner.invoke(args=[
        "proposal", "create", "--community", code, "--title", "电梯更换", "--matter", "use_fund",
        "--scope", scope, "--budget", budget,
        "--publicity-start", "2026-11-20T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-08T09:00", "--schedule", *extra])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _open_building_1(app, runner, tmp_path) -> str:
    """A vote on building 1 of the roll, opened an hour after T0."""
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner, scope="building:1")
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    return pid


def write_ballots(tmp_path, rows, name="ballots.csv", absent=("missing.pdf",)):
    """Each scan a row names is a file of its own (but those `absent`): one signed form is
    one voter's."""
    for row in rows:
        if row[5] not in absent:
            (tmp_path / row[5]).write_bytes(b"%PDF-1.4 scanned form " + row[5].encode())
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 written authorisation")
    lines = ["building,entrance,room,choice,channel,evidence,entered_by,"
             "proxy_name,proxy_id,authorisation"]
    # A proxy row names its proxy and the written authorisation (issue 12).
    lines += [",".join(r + (("钱七", "110101199003070011", "letter.pdf") if r[4] == "proxy"
                            else ("", "", ""))) for r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def show(runner, pid) -> dict:
    result = runner.invoke(args=["proposal", "show", pid, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_whole_vote_end_to_end(app, runner, tmp_path):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner, "--item", "电梯:6000.00", "--item", "监理:547.50")
    assert show(runner, pid)["state"] == "draft"

    at(app, T0 + timedelta(minutes=5))
    opened = runner.invoke(args=["proposal", "open", pid])
    assert opened.exit_code == 0, opened.output
    assert "表决中" in opened.output
    fig = show(runner, pid)
    assert fig["state"] == "voting"
    assert fig["total_area"] == 65475 and fig["total_headcount"] == 5

    # 张三 (1-101 and 1-201: one voter), 李四+王五 (1-102), the developer (2-101),
    # 李四 alone (2-201): 4 of 5 voters, 59475 of 65475 centi-m².
    path = write_ballots(tmp_path, [
        ("1", "1", "101", "同意", "paper", "scan-1-101.pdf", "clerk1"),
        ("1", "1", "102", "agree", "proxy", "scan-1-102.pdf", "clerk1"),
        ("2号楼", "1", "101", "反对", "纸质", "scan-2-101.pdf", "clerk2"),
        ("2", "1", "201", "弃权", "paper", "scan-2-201.pdf", "clerk2"),
    ])
    result = runner.invoke(args=["ballots", "import", pid, path])
    assert result.exit_code == 0, result.output
    fig = show(runner, pid)
    assert fig["participating_headcount"] == 4
    assert fig["participating_area"] == 8950 + 7525 + 12000 + 20000 + 11000
    # How anyone voted stays sealed until the close.
    assert fig["revealed"] is False and "agree_headcount" not in fig and "passed" not in fig

    early = runner.invoke(args=["proposal", "close", pid])
    assert early.exit_code == 1 and "未表决" in early.output

    at(app, T0 + timedelta(days=7, hours=1))
    closed = runner.invoke(args=["proposal", "close", pid])
    assert closed.exit_code == 0, closed.output
    fig = show(runner, pid)
    assert fig["state"] == "closed"
    assert fig["quorum_met"] is True and fig["revealed"] is True
    assert fig["agree_headcount"] == 2 and fig["agree_area"] == 8950 + 7525 + 12000
    # Agreement 2 of 4 heads is exactly half: not "more than half", so it fails.
    assert fig["passed"] is False

    bundle = tmp_path / "bundle.zip"
    exported = runner.invoke(args=["export", pid, "-o", str(bundle)])
    assert exported.exit_code == 0, exported.output
    from votes.verify import main as verify_main

    keys = tmp_path / "votes-keys.json"
    with app.app_context():
        from votes.services.keys import keyring

        keys.write_text(json.dumps(keyring().to_json_obj()))
    assert verify_main([str(bundle), "--keys", str(keys)]) == 0
    late = runner.invoke(args=["ballots", "import", pid, path])
    assert late.exit_code == 1 and "已结束" in late.output


def test_paper_ballot_rows_all_or_none(app, runner, tmp_path):
    pid = _open_building_1(app, runner, tmp_path)
    path = write_ballots(tmp_path, [
        ("1", "1", "101", "agree", "paper", "scan.pdf", "clerk"),   # fine
        ("9", "1", "901", "agree", "paper", "scan.pdf", "clerk"),   # unknown unit
        ("2", "1", "201", "agree", "paper", "scan.pdf", "clerk"),   # outside scope
        ("1", "1", "201", "agree", "paper", "scan.pdf", "clerk"),   # same voter as row 2
        ("1", "1", "202", "maybe", "paper", "scan-202.pdf", "clerk"),  # bad choice
        ("1", "1", "102", "agree", "paper", "missing.pdf", ""),     # no evidence, no clerk
        ("1", "1", "102", "agree", "paper", "scan-103.pdf", "\u200b"),  # a clerk not shown
        ("1", "1", "202", "agree", "paper", "scan-104.pdf", "abc\u202edcb"),  # reordered
    ])
    result = runner.invoke(args=["ballots", "import", pid, path])
    assert result.exit_code == 1
    out = result.output
    assert "第 3 行：名册中没有该房屋" in out
    assert "第 4 行：该房屋不在本次表决范围内" in out
    assert "第 5 行：该业主在第 2 行已有选票" in out
    assert "第 6 行：表决意见“maybe”无效" in out
    assert "第 7 行：录入人为空" in out and "第 7 行：找不到扫描件 missing.pdf" in out
    assert "第 8 行：录入人为空" in out and "第 9 行：录入人过长或含有控制字符" in out
    assert show(runner, pid)["ballots"] == 0

    ok = write_ballots(tmp_path, [("1", "1", "101", "agree", "paper", "scan.pdf", "clerk")],
                       "ok.csv")
    assert runner.invoke(args=["ballots", "import", pid, ok]).exit_code == 0
    again = runner.invoke(args=["ballots", "import", pid, ok])
    assert again.exit_code == 1 and "该业主已经表决" in again.output
    assert show(runner, pid)["ballots"] == 1


def test_ballots_refused_before_voting_opens(app, runner, tmp_path):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner)
    at(app, T0 - timedelta(days=1))
    early = runner.invoke(args=["proposal", "open", pid])
    assert early.exit_code == 1 and "未到" in early.output
    path = write_ballots(tmp_path, [("1", "1", "101", "agree", "paper", "scan.pdf", "c")])
    result = runner.invoke(args=["ballots", "import", pid, path])
    assert result.exit_code == 1 and "尚未开始" in result.output


@pytest.mark.parametrize("args, words", [
    (["--matter", "nonsense"], "matter"),
    (["--scope", "floor:3"], "scope"),
    (["--budget", "12.345"], "2"),
    (["--voting-end", "2026-11-30T09:00"], "end after"),
    (["--publicity-start", "2026-11-28T09:00"], "7 days"),
    (["--voting-start", "tomorrow"], "not a valid time"),
    (["--item", "电梯:1.00"], "add up"),
    (["--community", "NOPE"], "NOPE"),
    (["--scope", "building:77"], "No units"),
])
def test_create_rejects_bad_input_clearly(app, runner, tmp_path, args, words):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    base = {"--community": "SUN", "--title": "t", "--matter": "use_fund", "--scope": "all",
            "--budget": "100.00", "--publicity-start": "2026-11-20T09:00",
            "--voting-start": "2026-12-01T09:00", "--voting-end": "2026-12-08T09:00"}
    extra = []
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[args[i]] = args[i + 1]
        else:
            extra += args[i:i + 2]
    argv = ["proposal", "create"] + [x for kv in base.items() for x in kv] + extra
    result = runner.invoke(args=argv, env={"VOTES_LANG": "en"})  # the English catalogue
    assert result.exit_code != 0
    assert words in result.output
    assert "Traceback" not in result.output


def test_emergency_allows_short_publicity(app, runner, tmp_path):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    result = runner.invoke(args=[
        "proposal", "create", "--community", "SUN", "--title", "水管爆裂抢修",
        "--matter", "use_fund", "--scope", "all", "--budget", "5000", "--emergency",
        "--publicity-start", "2026-11-30T09:00", "--voting-start", "2026-12-01T09:00",
        "--voting-end", "2026-12-02T09:00"])
    assert result.exit_code == 0, result.output


def test_tick_moves_proposals_at_their_times(app, runner, tmp_path):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner)
    at(app, T0 - timedelta(days=2))
    assert "草稿 → 公示中" in runner.invoke(args=["tick"]).output
    at(app, T0 + timedelta(days=8))
    out = runner.invoke(args=["tick"]).output
    assert "公示中 → 已结束" in out
    fig = show(runner, pid)
    assert fig["state"] == "closed" and fig["chain_length"] == 2


def test_roll_replacement_leaves_a_frozen_electorate_alone(app, runner, tmp_path):
    from tests.factories import sample_rows

    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    pid = create(runner)
    at(app, T0 + timedelta(hours=1))
    assert runner.invoke(args=["proposal", "open", pid]).exit_code == 0
    smaller = make_roll_csv(tmp_path / "small.csv", sample_rows()[:2])
    assert runner.invoke(args=["roll", "import", "--community", "SUN", "--replace",
                               str(smaller)]).exit_code == 0
    fig = show(runner, pid)
    assert fig["total_headcount"] == 5 and fig["total_area"] == 65475


def test_keys_endpoint_and_rotation(app, runner, client):
    first = runner.invoke(args=["keys", "generate"]).output.strip()
    second = runner.invoke(args=["keys", "generate"]).output.strip()
    assert first.startswith("ed25519:") and second != first
    data = client.get("/.well-known/votes-keys.json").get_json()
    assert {k["key_id"] for k in data["keys"]} == {first, second}


def test_votes_verify_command_runs_without_the_app(tmp_path):
    from click.testing import CliRunner

    from tests.bundles import KEY_ID, good_story
    from votes.cli import main

    bundle = tmp_path / "b.zip"
    story = good_story()
    bundle.write_bytes(story.bundle())
    head = story.seal()[2].digest
    key = ["--key-id", KEY_ID]
    result = CliRunner().invoke(main, ["verify", str(bundle), "--head", head, *key])
    assert result.exit_code == 0 and "VERIFIED" in result.output
    result = CliRunner().invoke(main, ["verify", str(bundle), "--head", "ab" * 32, *key])
    assert result.exit_code == 1 and "[9.1]" in result.output


def test_community_rules_tighten_but_never_loosen(app, runner, tmp_path):
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    shown = runner.invoke(args=["community", "rules", "SUN"])
    assert "同意须参与表决的业主专有面积 >1/2" in shown.output
    loose = runner.invoke(args=["community", "rules", "SUN", "--set", "quorum_area=>=1/2"])
    assert loose.exit_code == 1 and "低于法定的" in loose.output
    # More than the whole: no vote could ever pass; refused rather than set without a word.
    for never in ("approval_area=>1/1", "quorum_headcount=>3/3"):
        refused = runner.invoke(args=["community", "rules", "SUN", "--set", never])
        assert refused.exit_code == 1 and "任何表决都不可能达到" in refused.output, refused.output
    assert runner.invoke(args=["community", "rules", "SUN", "--set",
                               "approval_area=>=1/1"]).exit_code == 0  # all: strict, possible
    assert runner.invoke(args=["community", "rules", "SUN", "--set",
                               "approval_area=>1/2"]).exit_code == 0
    strict = runner.invoke(args=["community", "rules", "SUN", "--set", "approval_area=>=2/3",
                                 "--set", "approval_headcount=>=2/3", "--set",
                                 "approval_base=total", "--set", "publicity_days=10"])
    assert strict.exit_code == 0, strict.output
    assert "同意须全体业主专有面积 ≥2/3" in strict.output
    short = runner.invoke(args=["proposal", "create", "--community", "SUN", "--title", "t",
                                "--matter", "use_fund", "--scope", "all", "--budget", "1",
                                "--publicity-start", "2026-11-23T09:00",
                                "--voting-start", "2026-12-01T09:00",
                                "--voting-end", "2026-12-08T09:00"])
    assert short.exit_code == 1 and "至少 10 天" in short.output
    pid = create(runner)
    at(app, T0 + timedelta(hours=1))
    runner.invoke(args=["proposal", "open", pid])
    path = write_ballots(tmp_path, [("1", "1", "101", "agree", "paper", "scan-1-101.pdf", "c"),
                                    ("1", "1", "102", "agree", "paper", "scan-1-102.pdf", "c"),
                                    ("2", "1", "101", "agree", "paper", "scan-2-101.pdf", "c"),
                                    ("2", "1", "201", "disagree", "paper", "scan-2-201.pdf", "c")])
    assert runner.invoke(args=["ballots", "import", pid, path]).exit_code == 0
    at(app, T0 + timedelta(days=7, hours=1))
    fig = show(runner, pid)
    # 3 of 5 owners agree: a majority of participants, but less than 2/3 of all owners.
    assert fig["quorum_met"] and not fig["passed"]


def test_the_voting_period_and_the_publicity_last_at_most_a_year(app, runner, tmp_path):
    """An end in the year 9999 held the fund for ever (no works before the close); a start
    years ahead did the same with a publicity nobody waits out."""
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)

    def attempt(start, end):
        return runner.invoke(args=[
            "proposal", "create", "--community", "SUN", "--title", "t", "--matter", "use_fund",
            "--scope", "all", "--budget", "1", "--publicity-start", "2026-11-20T09:00",
            "--voting-start", start, "--voting-end", end])

    forever = attempt("2026-12-01T09:00", "9999-12-31T23:59")
    assert forever.exit_code == 1 and "表决期不能超过 365 天" in forever.output
    assert "Traceback" not in forever.output
    assert attempt("2026-12-01T09:00", "2027-12-01T09:01").exit_code == 1
    year = attempt("2026-12-01T09:00", "2027-12-01T09:00")  # 365 days exactly
    assert year.exit_code == 0, year.output
    later = attempt("9999-12-01T09:00", "9999-12-08T09:00")
    assert later.exit_code == 1 and "公示期不能超过 365 天" in later.output
    assert "Traceback" not in later.output


def test_full_width_digits_are_read_as_days(app, runner, tmp_path):
    """A Chinese keyboard in full-width mode types １２ for 12: it was refused as fewer
    than 7 days."""
    at(app, T0 - timedelta(days=12))
    setup_roll(runner, tmp_path)
    wide = runner.invoke(args=["community", "rules", "SUN", "--set", "publicity_days= １２ "])
    assert wide.exit_code == 0, wide.output
    assert "公示期至少 12 天" in wide.output
    bad = runner.invoke(args=["community", "rules", "SUN", "--set", "publicity_days=１２天"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_a_missing_file_is_named_without_its_direction_controls(app, runner, tmp_path):
    """A file name typed in the CSV with U+202E (right-to-left override) was put into the
    message as it was: "找不到扫描件 scan‮fdp.exe" reads as "…scanexe.pdf" on the clerk's
    screen, another name than the one the file has to carry."""
    pid = _open_building_1(app, runner, tmp_path)
    path = write_ballots(tmp_path, [
        ("1", "1", "101", "agree", "paper", "scan\u202efdp.exe", "clerk"),
        ("1", "1", "102", "agree", "proxy", "scan-102.pdf", "clerk"),
    ], absent=("scan\u202efdp.exe",))
    text = open(path, encoding="utf-8").read().replace("letter.pdf", "letter\u202efdp.exe")
    open(path, "w", encoding="utf-8").write(text)
    result = runner.invoke(args=["ballots", "import", pid, path])
    assert result.exit_code == 1
    out = result.output
    assert "\u202e" not in out, out
    assert "第 2 行：找不到扫描件 scan\\u{202E}fdp.exe" in out, out
    assert "第 3 行：找不到授权委托书 letter\\u{202E}fdp.exe" in out, out
    assert show(runner, pid)["ballots"] == 0
