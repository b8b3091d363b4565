"""`votes users create` says why a login is refused."""

from __future__ import annotations


def test_a_login_of_the_wrong_length_is_told_so(app, runner):
    # "x" is letters only: a message naming the characters alone left the clerk guessing.
    for login in ("x", "a" * 65):
        result = runner.invoke(args=["users", "create", "--no-must-change", login, "--role", "admin",
                                     "--password", "long-enough-password"])
        assert result.exit_code == 1 and "2 至 64" in result.output, result.output
    result = runner.invoke(args=["users", "create", "--no-must-change", "张三", "--role", "admin",
                                 "--password", "long-enough-password"])
    assert result.exit_code == 1 and "登录名只能包含" in result.output, result.output
