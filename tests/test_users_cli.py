"""`votes users`: the operator's accounts, and the way out when no administrator account
works (disable, enable, a new password), each audited as the web page's are."""

from __future__ import annotations

import csv
import io

import pytest

from tests.staff_world import PASSWORD, build, sign_in


@pytest.fixture
def world(app, runner, tmp_path):
    return build(app, runner, tmp_path)


def _audit_rows(app) -> list[dict]:
    admin = app.test_client()
    sign_in(admin, "admin1")
    text = admin.get("/admin/audit?format=csv").data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_account_the_operator_created_must_change_its_password(app, world, runner):
    """The operator typed (or a script generated) the password of `votes users create`, and
    so knew it for good, while an administrator's was replaced at the first sign-in. The
    member now chooses their own first, and the command says so; --no-must-change leaves
    it for automation that signs in with it."""
    made = runner.invoke(args=["users", "create", "cli_clerk", "--role", "committee",
                               "--community", "SUN", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert "首次登录时必须修改密码" in made.output
    member = app.test_client()
    r = member.post("/staff/login", data={"login": "cli_clerk", "password": PASSWORD})
    assert r.headers["Location"].endswith("/staff/password")
    assert member.get("/committee/").headers["Location"].endswith("/staff/password")
    robot = runner.invoke(args=["users", "create", "robot", "--role", "committee",
                                "--community", "SUN", "--password", PASSWORD,
                                "--no-must-change"])
    assert robot.exit_code == 0 and "必须修改" not in robot.output, robot.output
    r = app.test_client().post("/staff/login", data={"login": "robot", "password": PASSWORD})
    assert r.headers["Location"].endswith("/committee/")
    assert "--no-must-change" in runner.invoke(args=["users", "create", "--help"]).output


def test_the_operator_disables_enables_and_resets_an_account_from_the_command_line(
        app, world, runner):
    """Without an administrator account that works (its password lost, its member gone),
    the operator could neither stop an account nor give it a new password. The command line
    now does both, as the accounts page does: audited under "cli", ending the account's
    sessions, a new password shown once and replaced by the member at the next sign-in."""
    member = app.test_client()
    sign_in(member, "sun_committee")
    assert member.get("/committee/").status_code == 200
    off = runner.invoke(args=["users", "disable", "sun_committee"])
    assert off.exit_code == 0 and "已停用" in off.output, off.output
    assert member.get("/committee/").status_code == 302  # the live session ends
    refused = app.test_client().post("/staff/login", data={"login": "sun_committee",
                                                           "password": PASSWORD})
    assert refused.status_code == 200
    on = runner.invoke(args=["users", "enable", "SUN_committee"])  # letter case aside
    assert on.exit_code == 0 and "已启用" in on.output, on.output
    sign_in(member, "sun_committee")
    reset = runner.invoke(args=["users", "reset-password", "sun_committee"])
    assert reset.exit_code == 0, reset.output
    new = [line for line in reset.output.splitlines() if "新密码" in line][0].partition("：")[2]
    assert len(new) >= 10 and "首次登录时必须修改密码" in reset.output
    assert member.get("/committee/").status_code == 302  # signed out by the reset
    assert app.test_client().post("/staff/login", data={
        "login": "sun_committee", "password": PASSWORD}).status_code == 200
    r = app.test_client().post("/staff/login", data={"login": "sun_committee",
                                                     "password": new})
    assert r.headers["Location"].endswith("/staff/password")
    mine = [r for r in _audit_rows(app)
            if r["target"] == "sun_committee" and r["action"] == "account.change"]
    assert [(r["actor"], r["details"]) for r in mine] == [
        ("cli", '{"active":false}'), ("cli", '{"active":true}'),
        ("cli", '{"password":"reset"}')]


@pytest.mark.parametrize("command", ["disable", "enable", "reset-password"])
def test_an_unknown_login_is_told_and_changes_nothing(app, world, runner, command):
    result = runner.invoke(args=["users", command, "nobody"])
    assert result.exit_code == 1 and "没有登录名为 nobody 的账号" in result.output, \
        result.output
    assert not [r for r in _audit_rows(app) if r["action"] == "account.change"]


def test_users_list_names_a_committee_accounts_communities_by_code(app, world, runner):
    """The list printed a committee account's communities as internal ids (`1,2`), which
    the operator can match to nothing they see; it gives their codes, with the name when
    short, as the accounts page does."""
    long_name = "阳光花园" * 10
    assert runner.invoke(args=["community", "create", "LONG", "--name", long_name]
                         ).exit_code == 0
    made = runner.invoke(args=["users", "create", "--no-must-change", "two_estates", "--role",
                               "committee", "--community", "SUN", "--community", "MOON",
                               "--community", "LONG", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0, listed.output
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.output.splitlines()}
    assert rows["sun_committee"][2] == "SUN 阳光花园"
    assert rows["two_estates"][2] == "LONG 阳光花园阳光花园阳光花园阳光花园…, MOON 阳光花园, SUN 阳光花园"
    assert rows["district"][2] == "350502" and rows["admin1"][2] == "-"
    assert rows["admin1"][3] == "已启用"
    assert runner.invoke(args=["users", "disable", "two_estates"]).exit_code == 0
    rows = {line.split("\t")[0]: line.split("\t")
            for line in runner.invoke(args=["users", "list"]).output.splitlines()}
    assert rows["two_estates"][3] == "已停用"


def test_a_reset_password_follows_its_full_width_colon_without_a_space(app, world, runner,
                                                                       monkeypatch):
    """"新密码（只显示这一次）： x" had a space after the full-width colon (which a person
    copying the password took along); English keeps its ": "."""
    import re

    reset = runner.invoke(args=["users", "reset-password", "sun_committee"])
    line = [line for line in reset.output.splitlines() if "新密码" in line][0]
    assert re.fullmatch(r"新密码（只显示这一次）：\S{10,}", line), line
    monkeypatch.setenv("VOTES_LANG", "en")
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    reset = runner.invoke(args=["users", "reset-password", "sun_committee"])
    line = [line for line in reset.output.splitlines() if "password" in line][0]
    assert re.fullmatch(r"New password \(shown this once only\): \S{10,}", line), line


def test_a_full_width_spelling_that_signs_in_is_the_account_it_names(app, world, runner):
    """The sign-in reads full-width letters as ASCII (an input method left on), so
    "ｓｕｎ_ｃｏｍｍｉｔｔｅｅ" signs in as sun_committee; `votes users disable` said there was no
    such account while that spelling still signed in. The same name finds the same account."""
    member = app.test_client()
    sign_in(member, "sun_committee")
    off = runner.invoke(args=["users", "disable", "ｓｕｎ＿ｃｏｍｍｉｔｔｅｅ"])
    assert off.exit_code == 0 and "已停用" in off.output, off.output
    assert member.get("/committee/").status_code == 302
    refused = app.test_client().post("/staff/login", data={
        "login": "ｓｕｎ＿ｃｏｍｍｉｔｔｅｅ", "password": PASSWORD})
    assert refused.status_code == 200


@pytest.mark.parametrize("name, words", [
    ("王" * 101, "姓名最多 100 个字符"),
    ("张三\x1b[2J", "文字中不能包含控制字符"),
    ("张三\u202e", "文字中不能包含改变文字显示方向的控制符"),
])
def test_a_member_name_too_long_or_with_control_characters_is_refused(app, runner, name,
                                                                       words):
    """The account's display name went in unchecked: on SQLite any length (PostgreSQL's
    column refused past 100 with a 400), with escape sequences and direction controls. Told
    in words, nothing created."""
    result = runner.invoke(args=["users", "create", "--no-must-change", "member1", "--role",
                                 "admin", "--name", name, "--password", PASSWORD])
    assert result.exit_code == 1 and words in result.output, result.output
    listed = runner.invoke(args=["users", "list"])
    assert "member1" not in listed.output
