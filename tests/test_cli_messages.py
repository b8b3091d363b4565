"""Click's and argparse's own messages (usage errors, prompts) speak the `votes` command's
language as its refusals do: Chinese first, English with VOTES_LANG=en."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import click
from click.testing import CliRunner

_CJK = re.compile(r"[\u4e00-\u9fff]")

USAGE_ERRORS = (  # real mistakes an operator makes, each one of click's usage errors
    (["users", "create"], "缺少参数 'LOGIN'"),
    (["users", "create", "x", "--password", "correct horse battery"], "缺少选项 '--role'"),
    (["users", "create", "x", "--role", "god"], "'--role' 的取值无效：'god' 不在可选值"),
    (["users", "list", "--bogus"], "没有选项 '--bogus'"),
    (["users", "crate"], "没有命令 'crate'"),
    (["doctor", "extra"], "多出了一个参数（extra）"),
    (["roll", "show", "--community"], "选项 '--community' 后面要给一个值"),
    (["demo", "--port", "x"], "'x' 不是有效的整数。"),
    (["users"], None),  # a group without its command: its help, in Chinese headings
)


def _first(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def test_click_usage_errors_are_chinese_first():
    from votes.cli import main

    for args, said in USAGE_ERRORS:
        result = CliRunner().invoke(main, args)
        out = result.output
        assert result.exit_code == 2, (args, out)
        assert _CJK.search(_first(out)), (args, out)
        assert "Usage:" not in out and "Error:" not in out and "Try '" not in out, (args, out)
        assert "： " not in out, (args, out)  # 用法：votes …, not click's "用法： votes"
        assert "[OPTIONS]" not in out, (args, out)
        if said:
            assert "错误：" in out and said in out, (args, out)


def test_a_usage_error_shows_the_usage_line_in_chinese():
    from votes.cli import main

    result = CliRunner().invoke(main, ["users", "create"], prog_name="votes")
    assert result.output.startswith("用法：votes users create [选项] LOGIN\n"
                                    "用 'votes users create --help' 查看用法。\n"), result.output


def test_click_usage_errors_in_english_with_votes_lang_en(monkeypatch):
    from votes.cli import main

    monkeypatch.setenv("VOTES_LANG", "en")
    result = CliRunner().invoke(main, ["users", "create", "x", "--role", "god"],
                                prog_name="votes")
    assert result.exit_code == 2
    assert result.output.startswith("Usage: votes users create [OPTIONS] LOGIN\n"
                                    "Try 'votes users create --help' for help.\n")
    assert "Error: Invalid value for '--role': 'god' is not one of 'admin', 'committee', " \
           "'regulator'." in result.output
    assert not _CJK.search(result.output)


def test_password_prompts_are_chinese(sqlite_app, monkeypatch):
    """A Chinese prompt ends with a full-width colon and no space (click's ": " after it
    before); a question's [y/N] follows its full-width question mark with no space."""
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "a1", "--role", "admin"],
                           input="correct horse battery\nsomething else\n")
    assert result.output == ("密码：\n再输入一次以确认：\n错误：两次输入的不一致。\n密码：\n\n"
                             "已放弃。\n"), result.output
    assert result.exit_code != 0
    result = runner.invoke(args=["proposal", "delete", "99"], input="n\n")
    assert result.output == "删除草稿 99？[y/N]：n\n已放弃。\n", result.output

    monkeypatch.setenv("VOTES_LANG", "en")
    sqlite_app.config["BABEL_DEFAULT_LOCALE"] = "en"
    result = runner.invoke(args=["users", "create", "a1", "--role", "admin"],
                           input="correct horse battery\nsomething else\n")
    assert result.output == ("Password: \nRepeat for confirmation: \nError: The two entered "
                             "values do not match.\nPassword: \n\nAborted!\n"), result.output
    result = runner.invoke(args=["proposal", "delete", "99"], input="n\n")
    assert result.output == "Delete draft 99? [y/N]: n\nAborted!\n", result.output


def _click_messages(modules) -> set[str]:
    """Every message these modules of click word through gettext (the others: Windows'
    console, pagers, shell completion scripts)."""
    found = set()
    folder = Path(click.__file__).parent
    for path in (folder / f"{name}.py" for name in modules):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_click_message_is_translated_or_never_met():
    from votes.commands.click_messages import CLICK, MODULES, NOT_FOR_OPERATORS

    messages = _click_messages(MODULES)
    assert len(messages) > 50
    left = messages - set(CLICK) - set(NOT_FOR_OPERATORS)
    assert not left, f"click messages neither translated nor listed as not for operators: {left}"
    fields = string.Formatter()
    for english, chinese in CLICK.items():
        assert {f[1] for f in fields.parse(english) if f[1]} == \
            {f[1] for f in fields.parse(chinese.msgid) if f[1]}, english
    assert all(hasattr(__import__(f"click.{m}", fromlist=["_"]), "_") for m in MODULES)


def _votes(*args: str, lang: str | None = None, cwd=None):
    """The console script `votes` (votes.cli:main) in a process of its own: stdout, stderr
    and exit status as an operator's shell sees them."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "VOTES_LANG"}
    if lang:
        env["VOTES_LANG"] = lang
    return subprocess.run([sys.executable, "-c", "from votes.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, cwd=cwd)


VERIFY_MISTAKES = (  # (args, Chinese, argparse's English)
    (["verify"], "缺少参数：bundle", "the following arguments are required: bundle"),
    (["verify", "b.zip", "--nope"], "无法识别的参数：--nope", "unrecognized arguments: --nope"),
    (["verify", "--jobs", "x", "b.zip"], "--jobs：'x' 不是有效的值（int）",
     "argument --jobs: invalid int value: 'x'"),
    (["verify", "b.zip", "--head"], "--head：后面要给一个值",
     "argument --head: expected one argument"),
)


def test_verify_command_line_mistakes_are_chinese_first():
    for args, chinese, _english in VERIFY_MISTAKES:
        done = _votes(*args)
        assert done.returncode == 2, done
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert lines[0] == f"votes verify: 命令行有误：{chinese}", done.stderr
        assert lines[1] == "用 votes verify --help 查看用法。"
        assert lines[2].startswith("用法：votes verify [-h] [--head 链头摘要]")
        assert "usage" not in done.stderr and "error" not in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_verify_command_line_mistakes_in_english_with_votes_lang_en():
    for args, _chinese, english in VERIFY_MISTAKES:
        done = _votes(*args, lang="en")
        assert done.returncode == 2, done
        lines = done.stderr.splitlines()
        assert lines[0] == f"votes verify: error: {english}", done.stderr
        assert lines[1] == "Try votes verify --help for help."
        assert lines[2].startswith("usage: votes verify [-h] [--head HEAD]")
        assert not _CJK.search(done.stderr), done.stderr


def test_verify_help_headings_follow_the_language():
    zh, en = _votes("verify", "--help"), _votes("verify", "--help", lang="en")
    assert zh.returncode == en.returncode == 0
    assert zh.stdout.startswith("用法：votes verify") and "\n参数：\n" in zh.stdout
    assert "\n选项：\n" in zh.stdout and ":\n" not in zh.stdout
    assert "-h, --help            显示本说明后退出。" in zh.stdout
    assert en.stdout.startswith("usage: votes verify") and "\npositional arguments:\n" in en.stdout
    assert "show this help message and exit" in en.stdout


VERIFY_OPTIONS = ("--head", "--keys", "--key-id", "--fingerprint", "--trust-bundle-keys",
                  "--jobs", "--witness-keys", "--cosignatures", "--receipt", "--find-receipt",
                  "--participation", "--allow-format", "--json")


def _described(help_text: str) -> dict[str, str]:
    """Each argument of a --help page and what it says, its lines joined."""
    said: dict[str, str] = {}
    name = None
    for line in help_text.splitlines():
        m = re.match(r"  (-h, --help|bundle|--[a-z-]+)(?: [A-Z_\u4e00-\u9fff]+)?(?:\s{2,}(.*))?$",
                     line)
        if m:
            name = m.group(1)
            said[name] = m.group(2) or ""
        elif name and line.startswith(" " * 10):
            said[name] += line.strip()
        else:
            name = None
    return said


def test_verify_help_describes_every_option_in_chinese_first():
    """The regulator's `votes verify --help` had argparse's headings in Chinese and every
    option's help in English; the option names stay as they are (scripts use them)."""
    zh, en = _votes("verify", "--help"), _votes("verify", "--help", lang="en")
    assert zh.returncode == en.returncode == 0
    said, english = _described(zh.stdout), _described(en.stdout)
    assert set(said) == set(english) == {"-h, --help", "bundle", *VERIFY_OPTIONS}, said
    for name, text in said.items():
        assert _CJK.search(text), (name, zh.stdout)
        assert not re.search(r"\b(the|a|of|and|with)\b", text), (name, text)
        assert not _CJK.search(english[name]), (name, en.stdout)
    assert "离线验证导出包" in zh.stdout.split("参数：")[0]
    assert said["bundle"] == "导出包（ZIP 文件）"
    assert "可重复给出" in said["--fingerprint"] and "64 位十六进制数字" in said["--fingerprint"]
    assert "votes-bundle/1" in said["--allow-format"]
    assert "第3.4步" in said["--allow-format"].replace(" ", "")  # a line may end at a space
    assert english["--json"] == "print the report as JSON"
    assert "Verify an export bundle offline" in en.stdout
    for option in VERIFY_OPTIONS:  # the usage line names each as before
        assert f"[{option}" in " ".join(zh.stdout.split()), option


def _columns(line: str) -> int:
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in line)


def test_verify_help_fits_the_terminal_in_chinese(monkeypatch):
    """argparse wraps help by characters at spaces: a Chinese line has none and each of its
    characters takes two columns, so the help ran past an 80-column terminal, or broke at the
    one space inside it ("（10" / "位短码"); a path was cut at its hyphen ("votes-" /
    "keys.json") in both languages."""
    monkeypatch.setenv("COLUMNS", "80")
    for lang in (None, "en"):
        page = _votes("verify", "--help", lang=lang).stdout
        lines = page.splitlines()
        assert max(map(_columns, lines)) <= 80, page
        assert "/.well-known/votes-keys.json" in page and "votes-bundle/1" in page, page
        assert not [line for line in lines if re.search(r"[（(]\d+$", line)], page
        usage = lines[:lines.index("")]  # the usage's lines line up under its first option
        first = usage[0].index("[-h]")
        assert all(_columns(line[:len(line) - len(line.lstrip())]) ==
                   _columns(usage[0][:first]) for line in usage[1:]), page


def test_verify_repeats_a_hostile_argument_escaped_and_shortened():
    done = _votes("verify", "b.zip", "--nope", "\x1b[2J" + "z" * 10_000)
    assert done.returncode == 2
    assert "\x1b" not in done.stderr and max(map(len, done.stderr.splitlines())) < 200
    assert "无法识别的参数：--nope \\u{001B}[2Jzzz" in done.stderr and "z…" in done.stderr


def test_verify_leaves_argparse_as_it_found_it():
    """argparse is the standard library's: other parsers in the process keep its words."""
    import argparse

    from votes.verify import main

    before = argparse._
    try:
        main(["--nope"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert argparse._ is before
    assert argparse.ArgumentParser(prog="x").format_usage().startswith("usage: x")


def _argparse_messages() -> set[str]:
    """Every message argparse words through gettext."""
    import argparse

    found = set()
    for node in ast.walk(ast.parse(Path(argparse.__file__).read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("_", "ngettext"):
            found |= {a.value for a in node.args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_argparse_message_is_translated_or_never_met():
    from votes.argparse_messages import ARGPARSE, NOT_FOR_OPERATORS

    messages = _argparse_messages()
    assert len(messages) > 20
    left = messages - set(ARGPARSE) - set(NOT_FOR_OPERATORS)
    assert not left, f"argparse messages neither translated nor listed as not for operators: {left}"
    named = re.compile(r"%\((\w+)\)|%[sr]")
    for english, chinese in ARGPARSE.items():
        assert sorted(named.findall(english)) == sorted(named.findall(chinese)), english


def test_typed_values_are_repeated_escaped_and_shortened():
    from votes.cli import main

    for args in (["demo", "--port", "x" * 5000], ["users", "list", "--" + "y" * 5000],
                 ["demo", "--port", "\x1b[31m" + "9" * 3000]):
        out = CliRunner().invoke(main, args).output
        assert "\x1b" not in out and max(map(len, out.splitlines())) < 300, out[:500]
        assert "…" in out
    out = CliRunner().invoke(main, ["demo", "--port", "\x1b[2J"]).output
    assert "\x1b" not in out and "'\\u{001B}[2J'" in out  # as the verifier shows it


def test_unpause_repeats_a_typed_name_safely(sqlite_app):
    from votes.cli import main

    runner = sqlite_app.test_cli_runner()
    for typed in ("\x1b[31m", "x" * 5000):
        out = runner.invoke(main, ["users", "unpause", typed]).output
        assert "\x1b" not in out and len(out) < 300, out[:300]


def _verify_refusal(tmp_path, *args: str, lang: str | None = None) -> str:
    """`votes verify` refusing what it was given before it checks anything: its one stderr
    line, exit status 2, nothing on stdout. Run in this process (the `votes` group as the
    console script calls it, in tmp_path, VOTES_LANG as given): a process of its own for
    each of some 25 refusals took 0.45 s apiece, and the console script's own process (its
    stderr, its exit status, its prog name) is what the VERIFY_MISTAKES tests run. Exit
    status 2 is not an exception escaping (CliRunner makes that 1)."""
    from contextlib import chdir

    from votes.cli import main

    with chdir(tmp_path):
        done = CliRunner().invoke(main, ["verify", *args], env={"VOTES_LANG": lang})
    assert done.exit_code == 2, (done.output, done.exception)
    assert done.stdout == "" and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    if lang == "en":
        assert not _CJK.search(lines[0]), lines[0]
    return lines[0]


def test_verify_refuses_its_files_in_the_operators_language(tmp_path):
    """votes verify's own refusals (a bundle, keys file or receipt it cannot read, a bad
    --fingerprint) were fixed Chinese-plus-English lines; they come from the catalogue:
    Chinese, English with VOTES_LANG=en."""
    (tmp_path / "keys.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "big.json").write_bytes(b" " * 1_000_001)
    (tmp_path / "folder").mkdir()
    cases = (
        (["nope.zip", "--trust-bundle-keys"],
         "无法读取导出包 nope.zip：文件不存在", "Cannot read the bundle nope.zip: there is no such file"),
        (["folder", "--trust-bundle-keys"], "无法读取导出包 folder：这是一个文件夹，不是文件",
         "Cannot read the bundle folder: it is a folder, not a file"),
        (["b.zip", "--keys", "gone.json"], "无法读取密钥文件 gone.json：文件不存在",
         "Cannot read the keys file gone.json: there is no such file"),
        (["b.zip", "--keys", "big.json"], "无法读取密钥文件 big.json：文件大于 1,000,000 字节",
         "Cannot read the keys file big.json: the file is larger than 1,000,000 bytes"),
        (["b.zip", "--keys", "keys.json"], "密钥文件 keys.json 的内容有误：not valid JSON: ",
         "The keys file keys.json is not as expected: not valid JSON: "),
        (["b.zip", "--trust-bundle-keys", "--receipt", "r.json"],
         "无法读取文件 r.json：文件不存在", "Cannot read the file r.json: there is no such file"),
        (["b.zip", "--trust-bundle-keys", "--receipt", "keys.json"],
         "文件 keys.json 的内容有误：not valid JSON: ",
         "The file keys.json is not as expected: not valid JSON: "),
        (["b.zip", "--fingerprint", "abc"],
         "--fingerprint 应为 64 位十六进制数字（可用空格、冒号或连字符分隔），而不是 abc",
         "--fingerprint must be 64 hexadecimal digits (spaces, colons or hyphens between them "
         "allowed), not abc"),
        (["b.zip", "--trust-bundle-keys", "--cosignatures", "c.jsonl"],
         "--cosignatures 需要同时给出 --witness-keys（见证人的公钥文件）",
         "--cosignatures needs --witness-keys (the witnesses' public keys file)"),
    )
    for args, chinese, english in cases:
        assert _verify_refusal(tmp_path, *args).startswith(chinese), args
        assert _verify_refusal(tmp_path, *args, lang="en").startswith(english), args


def test_verify_repeats_what_was_typed_in_its_refusals_escaped_and_shortened(tmp_path):
    """Its own refusals repeated a typed value raw: an escape sequence in a --fingerprint
    played on the terminal, a 10,000-character one was echoed whole. A path is repeated
    whole (which file is meant), its hidden characters shown as \\u{XXXX}."""
    hostile = "\x1b[2J" + "f" * 10_000
    for lang in (None, "en"):
        line = _verify_refusal(tmp_path, "b.zip", "--fingerprint", hostile, lang=lang)
        assert "\x1b" not in line and len(line) < 200, line
        assert line.endswith("\\u{001B}[2J" + "f" * 76 + "…"), line
    long_name = "z" * 10_000 + ".zip"  # no folder in it: cut, as the system refuses it anyway
    line = _verify_refusal(tmp_path, long_name, "--trust-bundle-keys")
    assert line.startswith("无法读取导出包 " + "z" * 80 + "…：文件名过长"), line[:200]
    spoofed = str(tmp_path / "piz.\u202egpj")  # shows as "pjg.zip" where it is not escaped
    line = _verify_refusal(tmp_path, "b.zip", "--keys", spoofed)
    assert line == (f"无法读取密钥文件 {tmp_path}/piz.\\u{{202E}}gpj：文件不存在"), line
    line = _verify_refusal(tmp_path, spoofed, "--trust-bundle-keys", lang="en")
    assert line == (f"Cannot read the bundle {tmp_path}/piz.\\u{{202E}}gpj: there is no such "
                    "file"), line


def test_a_usage_error_ends_with_a_chinese_full_stop(monkeypatch):
    """click put its ASCII full stop (and a space) after the Chinese of a missing argument or
    option ("缺少参数 'LOGIN'.") and two spaces before its suggestion; English keeps click's."""
    from votes.cli import main

    monkeypatch.delenv("VOTES_LANG", raising=False)
    shown = {tuple(args): CliRunner().invoke(main, args).output.splitlines()[-1]
             for args in (["users", "create"], ["proposal", "show"],
                          ["users", "create", "x", "--rol"])}
    assert shown[("users", "create")] == "错误：缺少参数 'LOGIN'。"
    assert shown[("proposal", "show")] == "错误：缺少参数 'PROPOSAL'。"
    assert shown[("users", "create", "x", "--rol")] == "错误：没有选项 '--rol'。是不是 '--role'？"
    out = CliRunner().invoke(main, ["users", "create", "x", "--password", "correct horse 1"]).output
    assert "错误：缺少选项 '--role'。可选：\n\tadmin,\n" in out, out

    monkeypatch.setenv("VOTES_LANG", "en")
    assert CliRunner().invoke(main, ["users", "create"]).output.splitlines()[-1] == \
        "Error: Missing argument 'LOGIN'."
    assert CliRunner().invoke(main, ["users", "create", "x", "--rol"]).output \
        .splitlines()[-1] == "Error: No such option '--rol'. Did you mean '--role'?"
    out = CliRunner().invoke(main, ["users", "create", "x", "--password", "correct horse 1"]).output
    assert "Error: Missing option '--role'. Choose from:\n\tadmin,\n" in out, out


def test_a_number_refused_names_its_kind_in_chinese(monkeypatch):
    """click named the type in English inside the Chinese ("'x' 不是有效的数（integer）",
    "…（integer range）"); English says what click says, of a range too."""
    from votes.cli import main

    cases = ((["demo", "--port", "x"], "'--port'"), (["witness", "serve", "--interval", "x"],
                                                      "'--interval'"))
    monkeypatch.delenv("VOTES_LANG", raising=False)
    for args, name in cases:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.output.splitlines()[-1] == f"错误：{name} 的取值无效：'x' 不是有效的整数。"
    monkeypatch.setenv("VOTES_LANG", "en")
    for args, name in cases:
        assert CliRunner().invoke(main, args).output.splitlines()[-1] == \
            f"Error: Invalid value for {name}: 'x' is not a valid integer."


def test_the_env_file_option_speaks_the_operators_language(tmp_path):
    """Flask's -e/--env-file said "File '…' 不存在。" (click's word for a path, English when
    Flask declared the option before our words were installed), refused an existing file in
    English when python-dotenv is missing, and its help spoke of .env and .flaskenv files,
    which `votes` never reads."""
    import importlib.util

    (tmp_path / "votes.env").write_text("VOTES_LANG=en\n", encoding="utf-8")
    missing = tmp_path / "nope.env"
    done = _votes("-e", str(missing), "users", "list")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == \
        f"错误：'-e' / '--env-file' 的取值无效：文件 '{missing}' 不存在。"
    done = _votes("-e", str(missing), "users", "list", lang="en")
    assert done.stderr.splitlines()[-1] == \
        f"Error: Invalid value for '-e' / '--env-file': File '{missing}' does not exist."
    for folder in (_votes("-e", str(tmp_path), "users", "list"),):
        assert folder.stderr.splitlines()[-1] == \
            f"错误：'-e' / '--env-file' 的取值无效：文件 '{tmp_path}' 是文件夹。"
    if importlib.util.find_spec("dotenv") is None:
        done = _votes("-e", str(tmp_path / "votes.env"), "users", "list")
        assert done.returncode == 2
        assert done.stderr.splitlines()[-1] == (
            "错误：'-e' / '--env-file' 的取值无效：读取环境变量文件须先安装 python-dotenv"
            "（pip install python-dotenv）")
        done = _votes("-e", str(tmp_path / "votes.env"), "users", "list", lang="en")
        assert done.stderr.splitlines()[-1] == (
            "Error: Invalid value for '-e' / '--env-file': reading an environment file needs "
            "python-dotenv (pip install python-dotenv)")

    def entry(page: str) -> str:
        lines = page.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("  -e, --env-file"))
        said = [lines[at][22:].strip()]
        for line in lines[at + 1:]:
            if not line.startswith(" " * 22):
                break
            said.append(line.strip())
        return "".join(said) if _CJK.search(said[0]) else " ".join(said)

    zh, en = _votes("--help"), _votes("--help", lang="en")
    assert entry(zh.stdout) == ("从此文件读取环境变量（如 VOTES_DATABASE_URL），已在环境中设置的"
                                "变量优先；须安装 python-dotenv。"), zh.stdout
    assert "  -e, --env-file 文件 " in zh.stdout
    assert entry(en.stdout) == ("Load environment variables (such as VOTES_DATABASE_URL) from "
                                "this file; variables already set in the environment take "
                                "precedence. python-dotenv must be installed."), en.stdout
    assert "  -e, --env-file FILE " in en.stdout


def test_verify_help_names_what_each_option_takes_in_chinese():
    """`votes verify --help` had argparse's ASCII colons after its Chinese headings (参数:)
    and the options' English placeholders (--head HEAD, --keys KEYS): as every other
    command's help (选项：, --community 文本), Chinese, lined up by the columns they take."""
    zh, en = _votes("verify", "--help"), _votes("verify", "--help", lang="en")
    lines = zh.stdout.splitlines()
    assert lines[:7] == [
        "用法：votes verify [-h] [--head 链头摘要] [--keys 密钥文件]",
        "                   [--key-id 密钥编号] [--fingerprint 公钥指纹]",
        "                   [--trust-bundle-keys] [--jobs 进程数]",
        "                   [--witness-keys 公钥文件] [--cosignatures 会签文件]",
        "                   [--receipt 回执文件] [--find-receipt 回执短码]",
        "                   [--participation] [--allow-format 格式] [--json]",
        "                   bundle"], zh.stdout
    assert "参数：" in lines and "选项：" in lines and "参数:" not in lines
    for line in ("  --head 链头摘要       此前记下的链头：证明记录链是它的延续",
                 "  --jobs 进程数         核对记录链签名的进程数，每个处理器核心至多一个；0（默",
                 "  --fingerprint 公钥指纹", "  --find-receipt 回执短码",
                 "  --allow-format 格式   接受这一旧格式（votes-bundle/1）的导出包，按其所属规范"):
        assert line in lines, (line, zh.stdout)
    assert not re.search(r"\b[A-Z_]{4,}\b", zh.stdout.replace("SHA-256", "").replace(
        "JSON", "").replace("ZIP", "")), zh.stdout
    assert en.stdout.startswith("usage: votes verify [-h] [--head HEAD] [--keys KEYS] "
                                "[--key-id KEY_ID]\n"), en.stdout
    for line in ("  --head HEAD           a chain head noted earlier: prove the chain extends it",
                 "  --find-receipt CODE   ", "  --allow-format FORMAT", "positional arguments:",
                 "options:"):
        assert any(shown.startswith(line) for shown in en.stdout.splitlines()), (line, en.stdout)
