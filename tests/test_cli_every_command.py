"""Every `votes` command, given what an operator or a regulator may type by mistake or on
purpose: a refusal in words (the first line Chinese, exit status not 0), never a Python
traceback, and nothing written in the folder the command was pointed at.

HOSTILE names the cases of each command; a command added to the CLI without its cases
fails test_every_command_has_its_hostile_cases. The cases are data: `{name}` is filled
from the world the test builds (proposals in each stage, files of every awkward kind)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
from click.testing import CliRunner

HUGE = "99999999999999999999"  # more than a 64-bit integer holds
GBK = "阳光".encode("gbk").decode("utf-8", "surrogateescape")  # typed in a GBK terminal
ESC = "\x1b[31m"  # a terminal's escape sequence, typed or pasted
P = "{closed}"  # the proposal most commands are given: voted, passed and closed

# (command path) -> argument lists, each refused.
HOSTILE: dict[tuple[str, ...], list[list[str]]] = {
    ("ballots", "correct"): [
        [P, "--entry", "1", "--choice", "agree", "--reason", "r", "--entered-by", "c"],
        ["{open}", "--entry", HUGE, "--choice", "agree", "--reason", "r", "--entered-by", "c"],
        ["{open}", "--entry", "-1", "--choice", "maybe", "--reason", "r", "--entered-by", "c"],
        ["{open}", "--entry", "1", "--choice", "agree", "--reason", "r", "--entered-by", "c",
         "--evidence", "{dir}"]],
    ("ballots", "import"): [
        ["{open}", "{missing}"], ["{open}", "{dir}"], ["{open}", "{empty}"], ["{open}", "{bin}"],
        ["{open}", "{gbk}"], ["{open}", "{utf16}"], ["{open}", "{unreadable}"],
        ["{nothing}", "{gbk}"], ["{open}", "{gbk}", "--evidence-dir", "{missing}"]],
    ("ballots", "list"): [["{nothing}"], [HUGE], ["-1"], [GBK]],
    ("ballots", "transfer"): [
        ["{open}", "--building", "9", "--room", "999", "--choice", "agree", "--buyer-name", "买",
         "--buyer-id", "1", "--transfer-evidence", "{scan}", "--form", "{scan}",
         "--entered-by", "c"],
        ["{open}", "--building", "1", "--room", "101", "--choice", "agree", "--buyer-name", "买",
         "--buyer-id", "1", "--transfer-evidence", "{missing}", "--form", "{empty}",
         "--entered-by", "c"]],
    ("ballots", "withdraw"): [
        ["{open}", HUGE, "--reason", "r", "--evidence", "{scan}", "--entered-by", "c"],
        [P, "1", "--reason", "r", "--evidence", "{scan}", "--entered-by", "c"],
        ["{open}", "0", "--reason", "r", "--evidence", "{dir}", "--entered-by", "c"]],
    ("community", "contact"): [["NOPE", "--phone", "1"], [GBK, "--phone", "1"],
                               ["SUN", "--phone", "x" * 5000]],
    ("community", "create"): [["SUN", "--name", "x"], ["sun", "--name", "x"],
                              ["a b", "--name", "x"], ["", "--name", "x"], ["N", "--name", ""],
                              [GBK, "--name", "x"]],
    ("community", "list"): [["extra"]],
    ("community", "rules"): [["NOPE"], ["ＳＵＮ", "--set", "x=1"], ["SUN", "--matter", "fund"],
                             ["SUN", "--set", "approval_area=>=3/2"],
                             ["SUN", "--set", f"publicity_days={HUGE}"]],
    ("demo",): [["--port", "x"], ["--port", HUGE, "--no-run", "--host", GBK]],
    ("doctor",): [["extra"]],
    ("export",): [["{draft}", "-o", "{out}"], ["{nothing}", "-o", "{out}"],
                  [P, "-o", "{dir}"], [P, "-o", "{out_in_missing_dir}"], [P, "-o", "/proc/x.zip"],
                  [P]],
    ("init",): [["extra"]],
    ("keys", "generate"): [["extra"]],
    ("keys", "list"): [["extra"]],
    ("notices",): [["{draft}", "-o", "{out}"], ["{nothing}", "-o", "{out}"],
                   ["{open}", "-o", "{out}", "--building", "99"],
                   ["{open}", "-o", "{out_in_missing_dir}"], ["{open}", "-o", "{dir}"]],
    ("proposal", "answer"): [[P, HUGE, "--decision", "noted", "--text", "t"],
                             [P, "1", "--decision", "maybe", "--text", "t"],
                             ["{nothing}", "1", "--decision", "noted", "--text", "t"]],
    ("proposal", "close"): [["{draft}"], ["{nothing}"], [GBK]],
    ("proposal", "create"): [
        ["--community", c, "--title", "t", "--matter", m, "--scope", s, "--budget", b,
         "--voting-start", vs, "--voting-end", ve, *extra]
        for c, m, s, b, vs, ve, extra in (
            ("NOPE", "use_fund", "all", "1", "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "all", "1", "2027-02-30T09:00", "2027-03-07T09:00", ()),
            ("SUN", "use_fund", "all", "1", "2027-01-10T09:00+25:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "all", "-1", "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "all", "1e400", "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "all", HUGE, "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "fund", "all", "1", "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "building:99", "1", "2027-01-10T09:00", "2027-01-17T09:00", ()),
            ("SUN", "use_fund", "all", "1", "2027-01-17T09:00", "2027-01-10T09:00", ()),
            ("SUN", "use_fund", "all", "1", "2027-01-10T09:00", "2027-01-17T09:00",
             ("--doc", "{missing}")),
            ("SUN", "use_fund", "all", "1", "2027-01-10T09:00", "2027-01-17T09:00",
             ("--doc", "{dir}")),
            ("SUN", "use_fund", "all", "1", "2027-01-10T09:00", "2027-01-17T09:00",
             ("--doc", "{empty}")))],
    ("proposal", "delete"): [[P, "--yes"], ["{nothing}", "--yes"]],
    ("proposal", "delivery"): [
        [P, "--building", "1", "--room", "101", "--method", "hand", "--at", "2026-02-30T09:00",
         "--evidence", "{scan}"],
        ["{open}", "--building", "1", "--room", "101", "--method", "pigeon",
         "--at", "2026-12-01T09:00", "--evidence", "{scan}"],
        ["{open}", "--building", "9", "--room", "9", "--method", "hand",
         "--at", "2026-12-01T09:00+08:00", "--evidence", "{empty}"]],
    ("proposal", "edit"): [[P, "--title", "t"], ["{draft}", "--remove-doc", HUGE],
                           ["{draft}", "--budget", "-1"], ["{draft}", "--doc", "{dir}"],
                           ["{draft}", "--voting-start", "2027-13-01T09:00"]],
    ("proposal", "objection"): [
        ["{open}", "--building", "1", "--room", "101", "--text", "t", "--evidence", "{scan}"],
        [P, "--building", "9", "--room", "9", "--text", "t", "--evidence", "{empty}"]],
    ("proposal", "objections"): [["{nothing}"], [HUGE]],
    ("proposal", "open"): [[P], ["{draft}"], ["{nothing}"]],
    ("proposal", "publish-result"): [["{draft}"], ["{nothing}"]],
    ("proposal", "schedule-publicity"): [[P], ["{nothing}"]],
    ("proposal", "show"): [["{nothing}"], [HUGE], ["²"], [GBK], ["ＳＵＮ"]],
    ("proposal", "start-publicity"): [[P], ["{nothing}"]],
    ("proposal", "withdraw"): [[P, "--reason", "r"], ["{open}", "--reason", ""],
                               ["{nothing}", "--reason", "r"]],
    ("roll", "import"): [["--community", "NOPE", "{gbk}"], ["--community", "SUN", "{gbk}"]]
                        + [["--community", "SUN", "--replace", c] for c in (
                            "{missing}", "{dir}", "{empty}", "{bin}", "{gbk}", "{utf16}",
                            "{unreadable}")],
    ("roll", "show"): [["--community", "NOPE"], ["--community", "ＳＵＮ＿"], ["--community", GBK]],
    ("tick",): [["extra"]],
    ("users", "create"): [["root", "--role", "god", "--password", "correct horse battery"],
                          ["c1", "--role", "committee", "--community", "NOPE",
                           "--password", "correct horse battery"],
                          ["r1", "--role", "regulator", "--password", "short"],
                          [GBK, "--role", "admin", "--password", "correct horse battery"]],
    ("users", "disable"): [["nobody"], [GBK], [ESC + "nobody"]],
    ("users", "enable"): [["nobody"], ["x" * 5000], [ESC + "x" * 300]],
    ("users", "list"): [["extra"]],
    ("users", "reset-password"): [["nobody"]],
    ("users", "unpause"): [[GBK]],
    ("verify",): [["{missing}"], ["{dir}"], ["{empty}"], ["{bin}"], ["{zip_truncated}"],
                  ["{zip_traversal}"], ["{zip_bomb}"], ["{zip_many}"],
                  ["{zip_truncated}", "--keys", "{dir}"], ["{zip_truncated}", "--jobs", "x"]],
    ("witness", "audit-heads"): [["--db", "{missing}"], ["--db", "{bin}"],
                                 ["--db", "{witness_db}", "--app", GBK]],
    ("witness", "cosignatures"): [["--db", "{dir}"], ["--db", "{witness_db}", "--proposal", GBK]],
    ("witness", "forks"): [["--db", "{empty}"], ["--db", "{unreadable}"]],
    ("witness", "init"): [["--db", "{dir}"], ["--db", "{out_in_missing_dir}"],
                          ["--db", "/proc/w.sqlite3"]],
    ("witness", "keygen"): [["--key", "{dir}"], ["--key", "{out_in_missing_dir}"]],
    ("witness", "poll"): [
        ["--key", "{bin}", "--db", "{witness_db}", "--app", "http://127.0.0.1:1",
         "--server-fingerprint", "0" * 64],
        ["--key", "{witness_key}", "--db", "{witness_db}", "--app", "ftp://x",
         "--server-fingerprint", "0" * 64],
        ["--key", "{witness_key}", "--db", "{witness_db}", "--app", "http://127.0.0.1:1",
         "--server-keys", "{bin}"]],
    ("witness", "pubkey"): [["--key", "{missing}"], ["--key", "{empty}"], ["--key", "{dir}"]],
    ("witness", "serve"): [["--key", "{missing}", "--db", "{witness_db}", "--app",
                            "http://127.0.0.1:1", "--server-fingerprint", "0" * 64],
                           ["--key", "{witness_key}", "--db", "{missing}", "--app",
                            "http://127.0.0.1:1", "--server-fingerprint", "0" * 64],
                           ["--key", "{witness_key}", "--db", "{witness_db}", "--app",
                            "http://127.0.0.1:1", "--interval", "0"]],
    ("works", "acceptance"): [[P, "--date", d, "--participant", "业委会", "--evidence", "{scan}"]
                              for d in ("2026-02-30", "2026-12-09T09:00+08:00", "2099-01-01")],
    ("works", "application"): [["{open}", "-o", "{out}"], [P, "-o", "{out_in_missing_dir}"],
                               [P, "-o", "{dir}"]],
    ("works", "contract"): [[P, "--contractor", "c", "--amount", a, "--evidence", "{scan}"]
                            for a in ("-1", HUGE, "1e400", "nan")]
                           + [["{open}", "--contractor", "c", "--amount", "1",
                               "--evidence", "{scan}"],
                              [P, "--contractor", "c", "--amount", "1", "--evidence", "{dir}"]],
    ("works", "emergency"): [
        ["--community", c, "--title", "t", "--scope", s, "--budget", b, "--category", "fire",
         "--applicant", "committee", "--reason", "r", "--evidence", e]
        for c, s, b, e in (("NOPE", "all", "1", "{scan}"), ("SUN", "building:99", "1", "{scan}"),
                           ("SUN", "all", "-1", "{scan}"), ("SUN", "all", "1", "{empty}"))],
    ("works", "emergency-letters"): [[P, "-o", "{out}"], ["{nothing}", "-o", "{out}"]],
    ("works", "emergency-notice"): [[P, "-o", "{out}"], ["{nothing}", "-o", "{out}"]],
    ("works", "payment"): [[P, "--amount", a, "--evidence", "{scan}"]
                           for a in ("0", "-5", HUGE)] + [["{draft}", "--amount", "1",
                                                          "--evidence", "{scan}"]],
    ("works", "settle"): [[P, "--final-cost", c] for c in ("-1", HUGE, "abc")]
                         + [["{open}", "--final-cost", "1"]],
    ("works", "settlement-notice"): [[P, "-o", "{out}"], ["{open}", "-o", "{out}"]],
    ("works", "show"): [["{nothing}"], [GBK]],
    ("works", "tolerance"): [["NOPE", "5"], ["SUN", "-1"], ["SUN", "101"], ["SUN", HUGE],
                             ["SUN", "abc"]],
}


def _commands() -> dict[tuple[str, ...], click.Command]:
    from votes.cli import main

    found: dict[tuple[str, ...], click.Command] = {}

    def walk(command, path):
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), (*path, name))
        else:
            found[path] = command

    walk(main, ())
    return found


def test_every_command_has_its_hostile_cases():
    commands = set(_commands())
    assert commands - set(HOSTILE) == set(), "commands without hostile-input cases in HOSTILE"
    assert set(HOSTILE) - commands == set(), "cases of commands that no longer exist"


def _zips(folder: Path) -> dict[str, str]:
    import zipfile

    example = Path(__file__).parent.parent / "docs" / "examples" / "example-bundle.zip"
    data = example.read_bytes()
    members = {i.filename: zipfile.ZipFile(example).read(i.filename)
               for i in zipfile.ZipFile(example).infolist()}
    out = {"truncated": folder / "truncated.zip"}
    out["truncated"].write_bytes(data[: len(data) // 2])
    for name, extra in (("traversal", {"../../evil.txt": b"x", "/etc/evil": b"x"}),
                        ("bomb", {"chain.jsonl": b"\0" * (300 * 2**20)}),
                        ("many", {f"x/{i}": b"" for i in range(20_000)})):
        out[name] = folder / f"{name}.zip"
        with zipfile.ZipFile(out[name], "w", zipfile.ZIP_DEFLATED) as z:
            for member, content in {**members, **extra}.items():
                z.writestr(member, content)
    return {f"zip_{k}": str(v) for k, v in out.items()}


def _world(app, runner, tmp_path) -> dict[str, str]:
    from tests.factories import make_draft, make_open_proposal
    from tests.money_world import passed_vote, works_done

    draft = make_draft(app, runner, tmp_path, code="STAR", extra=())
    opened = make_open_proposal(app, runner, tmp_path, code="MOON")
    closed = passed_vote(app, runner, tmp_path)
    works_done(runner, tmp_path, closed["pid"], accepted=False)
    files = tmp_path / "files"
    files.mkdir()
    (files / "empty.csv").write_bytes(b"")
    (files / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (files / "gbk.csv").write_text("楼栋,单元,房号,表决意见\n1,1,101,同意\n", encoding="gbk")
    (files / "utf16.csv").write_text("楼栋,单元,房号,表决意见\n1,1,101,同意\n", encoding="utf-16")
    (files / "scan.pdf").write_bytes(b"%PDF-1.4 a signed form")
    (files / "folder").mkdir()
    out = tmp_path / "out"  # where a command is told to write; a refusal leaves it as it was
    out.mkdir()
    (out / "existing.pdf").write_bytes(b"what was there before")
    witness = tmp_path / "witness"
    witness.mkdir()
    w = CliRunner()
    from votes.cli import main

    assert w.invoke(main, ["witness", "init", "--db", str(witness / "w.sqlite3")]).exit_code == 0
    assert w.invoke(main, ["witness", "keygen", "--key", str(witness / "w.pem")]).exit_code == 0
    return {"open": str(opened["id"]), "closed": closed["pid"], "draft": str(draft),
            "nothing": "424242", "missing": str(files / "missing.csv"),
            "dir": str(files / "folder"), "empty": str(files / "empty.csv"),
            "bin": str(files / "binary.csv"), "gbk": str(files / "gbk.csv"),
            "utf16": str(files / "utf16.csv"), "unreadable": "/proc/self/mem",
            "scan": str(files / "scan.pdf"), "out": str(out / "existing.pdf"),
            "out_in_missing_dir": str(out / "no-such-folder" / "x.pdf"),
            "witness_db": str(witness / "w.sqlite3"), "witness_key": str(witness / "w.pem"),
            **_zips(files)}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _judged(path, args, result) -> str | None:
    """What is wrong with this refusal, or None."""
    out = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"raised {type(result.exception).__name__}: {result.exception}"
    if "Traceback" in out:
        return "printed a traceback"
    if result.exit_code == 0:
        return "succeeded"
    first = next((line for line in out.splitlines() if line.strip()), "")
    if path == ("verify",):  # the option parser's refusal (argparse's) is Chinese first too
        return None if "验证失败" in out or "无法读取" in out or "命令行有误" in first \
            else f"said {first!r}"
    if not _CJK.search(first):
        return f"said first {first[:120]!r}"
    if "\x1b" in out:
        return "played a typed escape sequence on the terminal"
    if any(len(line) > 400 for line in out.splitlines()):
        return "repeated a long typed value whole"
    return None


def test_no_hostile_input_is_a_traceback(sqlite_app, tmp_path):
    from votes.cli import main

    app = sqlite_app
    runner = app.test_cli_runner()
    world = _world(app, runner, tmp_path)
    out = tmp_path / "out"
    plain = CliRunner()
    wrong = []
    for path, cases in sorted(HOSTILE.items()):
        for case in cases:
            args = [*path, *(a.format(**world) if "{" in a else a for a in case)]
            before = _snapshot(out)
            if path[0] in ("witness", "verify"):  # these need no app (and run without one)
                result = plain.invoke(main, args, input="")
            else:
                result = runner.invoke(args=args, input="")
            problem = _judged(path, args, result)
            if problem is None and _snapshot(out) != before:
                problem = "changed the folder it was to write in"
            if problem:
                wrong.append(f"votes {' '.join(args)[:160]}: {problem}\n{result.output[-400:]}")
    assert not wrong, "\n".join(wrong)


def test_a_success_repeats_a_hostile_value_escaped_and_shortened(sqlite_app, tmp_path):
    """A success repeated what was typed raw, where a refusal shortens and escapes it
    (votes.commands.said): a file named with a carriage return (the line's start rewritten)
    or a direction override (the name shown reversed), a community's 200-character name.
    Paths stay whole, their hidden characters written as \\u{XXXX}."""
    from tests.factories import make_open_proposal
    from votes.cli import main

    app = sqlite_app
    runner = app.test_cli_runner()
    vote = make_open_proposal(app, runner, tmp_path)
    folder = tmp_path / "out\rfake\u202egpj"
    folder.mkdir()
    shown = str(folder).replace("\r", "\\u{000D}").replace("\u202e", "\\u{202E}")
    for args, plain in (
            (["export", str(vote["id"]), "-o", str(folder / "b.zip")], "已导出 "),
            (["notices", str(vote["id"]), "-o", str(folder / "n.pdf")], "已生成表决通知 "),
            (["roll", "import", "--community", "NEW", str(folder / "r\x07.csv")], None)):
        if args[0] == "roll":
            from tests.factories import make_roll_csv

            assert runner.invoke(args=["community", "create", "NEW", "--name", "新"]).exit_code == 0
            make_roll_csv(Path(args[-1]))
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        out = result.output
        assert "\r" not in out and "\u202e" not in out and "\x07" not in out, repr(out)
        if plain:
            assert f"{plain}{shown}{os.sep}" in out, out
        else:
            assert "正在读取名册 r\\u{0007}.csv …" in out, out
    name = "阳光花园" * 50
    result = runner.invoke(args=["community", "create", "LONG", "--name", name])
    assert result.exit_code == 0
    assert result.output == f"已创建小区 LONG {name[:80]}…\n"
    w = CliRunner().invoke(main, ["witness", "init", "--db", str(folder / "w.sqlite3")])
    assert w.exit_code == 0 and w.output == f"已创建见证人数据库 {shown}{os.sep}w.sqlite3\n"


def test_ctrl_c_in_the_middle_leaves_nothing_half_done(sqlite_app, tmp_path, monkeypatch):
    """Ctrl-C while a bundle is being written leaves no bundle and no temporary file; while
    a roll is being replaced, the roll as it was; at the password prompt, no account. None
    prints a traceback; each says 已中断 and exits 130, as a shell says of Ctrl-C (a
    refusal's 1 would read as the command having refused)."""
    import io
    import zipfile

    from tests.factories import make_open_proposal, make_roll_csv, sample_rows
    from votes.cli import main
    from votes.services import audit

    app = sqlite_app
    runner = app.test_cli_runner()
    vote = make_open_proposal(app, runner, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    written = zipfile.ZipFile.writestr

    def interrupted(self, *args, **kwargs):
        written(self, *args, **kwargs)
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "writestr", interrupted)
        result = runner.invoke(main, ["export", str(vote["id"]), "-o", str(out / "b.zip")])
    assert result.exit_code == 130 and "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit) and "已中断" in result.output
    assert list(out.iterdir()) == []

    before = runner.invoke(args=["roll", "show", "--community", "SUN", "--units"]).output
    community = runner.invoke(args=["community", "create", "MOON", "--name", "月亮湾"])
    assert community.exit_code == 0
    assert runner.invoke(args=["roll", "import", "--community", "MOON",
                               str(make_roll_csv(tmp_path / "a.csv"))]).exit_code == 0
    moon = runner.invoke(args=["roll", "show", "--community", "MOON", "--units"]).output

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(audit, "record", stop)
        result = runner.invoke(main, ["roll", "import", "--community", "MOON", "--replace",
                                      str(make_roll_csv(tmp_path / "b.csv", sample_rows()[:2]))])
    assert result.exit_code == 130 and "Traceback" not in result.output, result.output
    assert "已中断" in result.output  # interrupted, not refused
    assert runner.invoke(args=["roll", "show", "--community", "MOON", "--units"]).output == moon
    assert runner.invoke(args=["roll", "show", "--community", "SUN", "--units"]).output == before


    class CtrlC(io.BytesIO):  # the operator presses Ctrl-C at the password prompt
        def read(self, size=-1):
            if size == 0:  # the test runner's look at what the stream is
                return b""
            raise KeyboardInterrupt

        read1 = readline = readinto = readinto1 = read

    result = runner.invoke(main, ["users", "create", "late", "--role", "admin"], input=CtrlC())
    assert result.exit_code == 130 and "已中断" in result.output, result.output
    assert "late" not in runner.invoke(args=["users", "list"]).output


def test_ctrl_c_under_flask_is_said_as_under_votes(sqlite_app, tmp_path, monkeypatch):
    """The app's commands under `flask` (Flask's group, app.cli; test_cli_runner) said
    Ctrl-C as click does, 已放弃。 and exit 1, a refusal's status, where `votes` says 已中断
    and 130; in the command and at a sub-command's prompt alike."""
    import io
    import zipfile

    from flask.cli import ScriptInfo
    from flask.cli import cli as flask_cli

    from tests.factories import make_open_proposal

    app = sqlite_app
    runner = app.test_cli_runner()
    vote = make_open_proposal(app, runner, tmp_path)
    written = zipfile.ZipFile.writestr

    def interrupted(self, *args, **kwargs):
        written(self, *args, **kwargs)
        raise KeyboardInterrupt

    class CtrlC(io.BytesIO):  # the operator presses Ctrl-C at the password prompt
        def read(self, size=-1):
            if size == 0:
                return b""
            raise KeyboardInterrupt

        read1 = readline = readinto = readinto1 = read

    def under_flask(args, **kwargs):
        return CliRunner().invoke(flask_cli, args, obj=ScriptInfo(create_app=lambda: app),
                                  **kwargs)

    for invoke in (under_flask, lambda args, **kw: runner.invoke(args=args, **kw)):
        with monkeypatch.context() as patch:
            patch.setattr(zipfile.ZipFile, "writestr", interrupted)
            result = invoke(["export", str(vote["id"]), "-o", str(tmp_path / "b.zip")])
        assert result.exit_code == 130, result.output
        assert "已中断" in result.output and "已放弃" not in result.output
        assert "Traceback" not in result.output
        result = invoke(["users", "create", "late", "--role", "admin"], input=CtrlC())
        assert result.exit_code == 130 and "已中断" in result.output, result.output
        result = invoke(["users", "create", "late", "--role", "admin"], input="")
        assert result.exit_code == 1 and "已放弃" in result.output  # input ended: no Ctrl-C
    assert not (tmp_path / "b.zip").exists()
