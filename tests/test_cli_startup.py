"""`votes --help` starts fast: it lists the commands without building the app or importing
the database, PDF, spreadsheet or QR libraries (issue 8: 1.4 s for --help)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("sqlalchemy", "flask_sqlalchemy", "alembic", "flask_migrate", "flask_limiter",
         "flask_babel", "flask_wtf", "reportlab", "openpyxl", "qrcode", "PIL", "psycopg",
         "cryptography", "votes.app", "votes.models", "votes.web", "votes.extensions")
COMMANDS = ("ballots", "community", "demo", "doctor", "export", "init", "keys", "notices", "proposal",
            "roll", "tick", "users", "verify", "witness") + ("works",)

_PROBE = """
import contextlib, io, json, sys
sys.argv = ["votes"] + json.loads(sys.argv[1])
from votes.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _run(args: list[str], tmp_path) -> dict:
    env = {**os.environ, "VOTES_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("VOTES_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_help_lists_every_command_without_loading_the_app(tmp_path):
    result = _run(["--help"], tmp_path)
    assert result["code"] == 0
    listed = [line.split()[0] for line in result["out"].split("命令：")[1].splitlines()
              if line.strip()]
    assert sorted(listed) == sorted(COMMANDS)
    heavy = [name for name in HEAVY if _loaded(result["modules"], name)]
    assert heavy == [], f"votes --help imported {heavy}"
    services = [m for m in result["modules"] if m.startswith("votes.services.")]
    assert services == ["votes.services.errors"]
    assert not (tmp_path / "instance").exists(), "--help must not build the app"


def test_a_command_still_loads_the_app_when_it_runs(tmp_path):
    result = _run(["roll", "--help"], tmp_path)
    assert result["code"] == 0 and "import" in result["out"]
    # Commands that extensions add to the app (flask-migrate's db) still run by name.
    result = _run(["db", "--help"], tmp_path)
    assert result["code"] == 0 and "upgrade" in result["out"]
    assert _loaded(result["modules"], "flask_migrate")


def test_the_offline_verifier_builds_no_app_and_needs_no_server_settings(tmp_path):
    """`votes verify` is the regulator's, run on a machine of their own: it must start
    without the server's configuration, database or instance folder. Registered with the
    Flask group's own decorator it was wrapped in with_appcontext, so it built the whole
    web app first (1.3 s before every verification, an instance folder left behind) and,
    with a VOTES_CONFIG that machine does not have, refused to start at all."""
    env = {**os.environ, "VOTES_INSTANCE_PATH": str(tmp_path / "instance"),
           "VOTES_CONFIG": str(tmp_path / "the-servers-settings.py")}
    env.pop("VOTES_DATABASE_URL", None)
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"not a zip")
    for args in (["verify", "--help"], ["verify", str(bundle), "--trust-bundle-keys"]):
        done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert "设置有误" not in done.stderr + done.stdout, (args, done.stderr)
        result = json.loads(done.stdout.splitlines()[-1])
        heavy = [name for name in HEAVY if name != "cryptography"
                 and _loaded(result["modules"], name)]
        assert heavy == [], f"votes {' '.join(args)} imported {heavy}"
        assert not (tmp_path / "instance").exists(), args
    assert result["code"] not in (0, None)  # the file is no bundle: refused, by the verifier


def test_the_commands_are_the_same_whatever_ran_before_in_the_process(sqlite_app):
    """Looking up `votes db` made Flask add every installed package's `flask` plugin
    commands to the group for the rest of the process (flask-limiter's English `limiter`):
    the command list, and the hostile-input walk over it, depended on which test ran first."""
    import click

    from votes.cli import main

    before = main.list_commands(click.Context(main))
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(main, ["db", "current"]).exit_code == 0
    assert main.list_commands(click.Context(main)) == before and "limiter" not in before
    done = runner.invoke(main, ["limiter", "limits"])
    assert done.exit_code == 2 and "limiter" in done.output, done.output
