"""Every `votes` command's and group's help, and every option's, reads Chinese by default and
English with VOTES_LANG=en (votes/commands/help_text.py), laid out by the columns a
terminal gives Chinese characters: Flask-Migrate's `votes db` and its commands too, and
click's placeholders of a value (TEXT, INTEGER, FILE: 文本, 整数, 文件)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Chinese an English help keeps on purpose: examples of what is typed, as the roll or the
# committee's page spells it.
EXAMPLES = ("阳光花园业主委员会", "阳光花园", "3号楼", "3栋")
ENGLISH_LEFT = ("Usage:", "Options:", "Commands:", "Show this message", "[required]",
                "default:", "Load environment", "The Flask application", "Set debug mode")
WIDTH = 80
# click's placeholders of what an option takes, in English (an argument keeps its name,
# PROPOSAL or FILE, which the command's help refers to it by)
PLACEHOLDERS = re.compile(r"\b(TEXT|INTEGER|FLOAT|RANGE|BOOLEAN|FILENAME|FILE|DIRECTORY|PATH"
                          r"|NAME|VALUE)\b")


RENDER = """
import json, sys
import click
from click.testing import CliRunner
from votes.cli import main
from votes.commands.help_text import said

found = []

def walk(command, path, parent, alone=False):
    ctx = click.Context(command, info_name=path[-1] if path else "votes", parent=parent)
    if alone:  # the command by itself, named as `votes` names it
        shown = CliRunner().invoke(command, ["--help"], prog_name=" ".join(("votes", *path)),
                                   terminal_width=%d)
    else:
        shown = CliRunner().invoke(main, [*path, "--help"], prog_name="votes",
                                   terminal_width=%d)
    found.append({
        "path": path, "help": command.help, "said": said(command.help or ""),
        "epilog": said(command.epilog) if command.epilog else None,
        "shorts": [command.get_command(ctx, name).get_short_help_str(40)
                   for name in command.list_commands(ctx)]
        if isinstance(command, click.Group) else [],
        "options": [param.get_help_record(ctx) for param in command.get_params(ctx)
                    if isinstance(param, click.Option) and not param.hidden],
        "shown": shown.output, "code": shown.exit_code})
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            if name != "verify":  # its options and help are argparse's (votes/verify.py)
                walk(command.get_command(ctx, name), (*path, name), ctx, alone)

walk(main, (), None)
# Flask-Migrate's group, which `votes --help` does not list (votes/cli.py). `votes` finds it
# by building the app, as the group does before any of its commands' --help (its callback
# is with_appcontext: 0.2 s each, 3 s in all); each is shown by itself, named as `votes`
# names it (test_flask_migrates_commands_in_both_languages goes through `votes`).
from flask_migrate.cli import db
walk(db, ("db",), click.Context(main, info_name="votes"), alone=True)
json.dump(found, sys.stdout)
""" % (WIDTH, WIDTH)


def _walk(lang: str | None) -> list[dict]:
    """Every command and group under `votes` but `votes verify`, with its help as shown in
    a process of its own (click words a type's metavar, FILE or 文件, when the command is
    declared, in the language of the process)."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "VOTES_LANG"}
    if lang:
        env["VOTES_LANG"] = lang
    done = subprocess.run([sys.executable, "-c", RENDER], env=env, capture_output=True,
                          text=True, check=True)
    walked = json.loads(done.stdout)
    assert len(walked) > 75
    assert sum(command["path"][:1] == ["db"] for command in walked) > 10
    for command in walked:
        assert command["code"] == 0, command
    return walked


def _columns(line: str) -> int:
    from votes.commands.help_text import columns

    return columns(line)


def _help(path, lang, monkeypatch) -> str:
    from votes.cli import main

    if lang:
        monkeypatch.setenv("VOTES_LANG", lang)
    else:
        monkeypatch.delenv("VOTES_LANG", raising=False)
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="votes",
                                terminal_width=WIDTH)
    assert result.exit_code == 0, (path, result.output, result.exception)
    return result.output


def test_every_help_is_chinese_by_default():
    for command in _walk(None):
        path, shown = " ".join(command["path"]), command["shown"]
        assert command["help"], f"votes {path} has no help"
        assert _CJK.search(command["said"]), (path, command["said"])
        assert command["epilog"] is None or _CJK.search(command["epilog"]), path
        for short in command["shorts"]:
            assert _CJK.search(short), (path, short)
        for spec, text in command["options"]:
            assert text, f"votes {path} {spec}: no help"
            assert _CJK.search(text), (path, spec, text)
        assert shown.startswith("用法：votes"), (path, shown)  # no space after "："
        assert "： " not in shown, (path, [line for line in shown.splitlines() if "： " in line])
        usage = shown.partition("\n\n")[0]
        assert not re.search(r"OPTIONS|COMMAND|ARGS", usage), (path, usage)
        for spec, _text in command["options"]:
            # what follows an option's name: a placeholder, or the choices as typed
            assert not PLACEHOLDERS.search(re.sub(r"\[[a-z_|]+\]", "", spec)), (path, spec)
        for words in ENGLISH_LEFT:
            assert words not in shown, (path, words, shown)
        assert command["said"][:10] in shown, (path, shown)
        # wrapped by columns: click's own wrapping made Chinese lines twice the width
        assert max(map(_columns, shown.splitlines())) <= WIDTH, (path, shown)


def test_every_help_is_english_with_votes_lang_en():
    for command in _walk("en"):
        path, shown = " ".join(command["path"]), command["shown"]
        if command["path"][:1] != ["db"]:  # Flask-Migrate's help is English as written
            assert command["said"] != command["help"], f"votes {path}: no English"
        assert shown.startswith("Usage: votes"), (path, shown)
        assert "[OPTIONS]" in shown.partition("\n")[0], (path, shown)
        assert command["said"][:10] in shown, (path, shown)
        left = shown
        for example in EXAMPLES:
            left = left.replace(example, "")
        assert not _CJK.search(left), (path, [line for line in shown.splitlines()
                                              if _CJK.search(line)])
        assert max(map(_columns, shown.splitlines())) <= WIDTH, (path, shown)


def test_the_command_list_and_an_option_in_both_languages(monkeypatch):
    listed = _help((), None, monkeypatch)
    assert "  proposal   表决事项：起草、公示、开始和结束表决、公布结果、查看\n" in listed
    assert "  verify     离线验证导出包；用法见 votes verify --help\n" in listed
    assert "\n命令：\n" in listed and "\n选项：\n" in listed
    assert "--debug / --no-debug  设置调试模式。" in listed  # Flask's own option
    assert "--help                显示本说明后退出。" in listed

    shown = _help(("proposal", "create"), None, monkeypatch)
    assert "  --community 文本        小区编码 [必填]\n" in shown
    assert shown.startswith("用法：votes proposal create [选项]\n")
    assert "  --doc 文件              附件文件（可重复）\n" in shown
    rules = _help(("community", "rules"), None, monkeypatch)
    assert "用法：votes community rules [选项] CODE\n" in rules
    assert "--set 名称=值" in rules
    assert "-e, --env-file 文件" in listed and "用法：votes [选项] 命令 [参数]...\n" in listed
    # a sentence too long for the list: its clauses that fit, not "..."
    assert "  delivery            记录表决通知已证实送达某户业主\n" in \
        _help(("proposal",), None, monkeypatch)

    english = _help(("proposal", "create"), "en", monkeypatch)
    assert "Create a draft proposal and print its id." in english
    assert "  --community TEXT        Community code  [required]\n" in english
    assert english.startswith("Usage: votes proposal create [OPTIONS]\n")
    assert "  --doc FILE " in english
    assert "--set NAME=VALUE" in _help(("community", "rules"), "en", monkeypatch)
    assert "Proposals: draft, publicise" in _help((), "en", monkeypatch)
    assert "Usage: votes [OPTIONS] COMMAND [ARGS]...\n" in _help((), "en", monkeypatch)


def test_flask_migrates_commands_in_both_languages(monkeypatch):
    """`votes db upgrade` is what an operator runs on every upgrade: its help and its
    group's in Chinese by default, Flask-Migrate's English with VOTES_LANG=en."""
    group = _help(("db",), None, monkeypatch)
    assert "Perform database migrations" not in group and "Upgrade to a later" not in group
    assert "用法：votes db [选项] 命令 [参数]...\n" in group
    for name in ("upgrade", "downgrade", "current", "history"):
        shown = _help(("db", name), None, monkeypatch)
        assert _CJK.search(shown.split("\n\n")[1]), (name, shown)
        for words in ("Migration script directory", "Don't emit SQL", "Use more verbose",
                      "Revert", "Display the current"):
            assert words not in shown, (name, words, shown)
    english = _help(("db", "upgrade"), "en", monkeypatch)
    assert "Upgrade to a later version" in english
    assert "Usage: votes db upgrade [OPTIONS] [REVISION]" in english
    # the folder Flask-Migrate is given (votes.app), not its "migrations" of the current one
    assert "Migration script directory (default: the migrations folder where votes is " \
        "installed)" in " ".join(english.split())
    assert not _CJK.search(english), english


def test_every_flask_migrate_text_is_translated():
    """A Flask-Migrate release that rewords a help is caught here, not by an operator
    reading English in the Chinese help."""
    from flask_migrate.cli import db

    from votes.commands.migrate_help import MIGRATE

    texts = {db.help, *(param.help for param in db.params)}
    for command in db.commands.values():
        texts |= {command.help, *(getattr(param, "help", None) for param in command.params)}
    texts.discard(None)
    assert texts <= set(MIGRATE), texts - set(MIGRATE)


@pytest.mark.parametrize("text, limit, short", [
    ("结束表决并计票（在表决结束时间之后，或全体业主都已表决时）。", 20, "结束表决并计票"),
    ("检查本部署的设置、密钥、数据库和 Redis；有任何问题时退出状态为 1。", 40,
     "检查本部署的设置、密钥、数据库和 Redis"),
    ("立即开始公示，并冻结表决名册。以后的句子不列出。", 40, "立即开始公示，并冻结表决名册"),
    ("一二三四五六七八九十一二三四五六七八九十", 11, "一二三四五…"),
    ("Close voting. Later sentences are left out.", 40, "Close voting."),
])
def test_a_commands_line_in_its_groups_list(text, limit, short):
    from votes.commands.help_text import columns, short_help

    assert short_help(text, limit) == short
    assert columns(short) <= limit


def test_chinese_is_wrapped_by_columns_without_breaking_before_punctuation():
    from votes.commands.help_text import columns, wrap_text

    text = "表决事项类型：use_fund（使用维修资金）、raise_fund（筹集维修资金）、other（其他重大事项） [必填]"
    lines = wrap_text(text, 30, "  ", "  ").splitlines()
    assert all(columns(line) <= 30 for line in lines), lines
    assert not any(line.strip()[0] in "，。、；：）" for line in lines), lines
    assert any(line.endswith("[必填]") or "[必填]" in line for line in lines), lines
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    # an English text is click's to wrap, as before
    assert wrap_text("a b c", 78) == "a b c"


def test_an_options_notes_are_separated_as_chinese_separates_them(monkeypatch):
    """click joined an option's notes with "; " inside the Chinese ([默认：60; 1<=x<=86400]):
    a full-width semicolon as every Chinese help separates its clauses; English keeps
    click's."""
    def entry(page: str, option: str) -> str:
        lines = page.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {option} "))
        said = [lines[at]]
        for line in lines[at + 1:]:
            if not line.startswith(" " * 10):
                break
            said.append(line.strip())
        return said[0].split("  ")[-1].strip() + "".join(said[1:]) if len(said) > 1 \
            else " ".join(said[0].split()[2:])

    shown = _help(("witness", "serve"), None, monkeypatch)
    assert entry(shown, "--interval") == "两轮之间的秒数 [默认：60；1<=x<=86400]", shown
    assert "; " not in shown, shown
    english = _help(("witness", "serve"), "en", monkeypatch)
    assert "Seconds between rounds  [default: 60;" in english and "1<=x<=86400]" in english
