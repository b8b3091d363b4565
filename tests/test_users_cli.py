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
