"""The ``votes`` command: a Flask CLI group, so ``votes --help`` needs no FLASK_APP.

The commands are this group's own, so listing them (``votes --help``) builds no app and
imports no database, PDF or spreadsheet library; a command loads the app when it runs.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from votes.commands import (click_messages, domain_errors, help_text, interruptible, said,
                            typed_values)
from votes.i18n import N_

click_messages.install()  # click's usage errors and prompts in our language
help_text.install()  # and every command's and option's help


def _create_app():
    import sys

    from limits.errors import ConfigurationError

    from votes import create_app

    try:
        return create_app()
    except ConfigurationError as err:
        # The rate limits' storage (an unknown scheme, its client library missing): named,
        # and without a password its URL may hold (before the @, or as ?password=).
        import re

        from votes.i18n import _
        from votes.services.doctor import shown_url

        reason = shown_url(re.sub(r"://[^@/\s]*@", "://***@",
                                  str(err).strip() or type(err).__name__))
        click.echo(_("设置有误，无法启动：%(reason)s",
                     reason=f"VOTES_RATELIMIT_STORAGE_URI ({reason})"), err=True)
        sys.exit(1)
    except (ValueError, OSError, SyntaxError) as err:
        # A wrong setting (a VOTES_* value, the database URL), an instance folder that
        # cannot be made, a VOTES_CONFIG file missing or broken: the deployment's mistake,
        # which the operator fixes from its name, not a fault whose traceback is wanted.
        # `votes doctor` runs before every start and printed only a traceback.
        from votes.i18n import _

        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        click.echo(_("设置有误，无法启动：%(reason)s", reason=reason), err=True)
        sys.exit(1)


class VotesGroup(FlaskGroup):
    def make_context(self, info_name, args, parent=None, **extra):
        typed = tuple(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            exc.message = said(exc.message, typed)
            raise
        ctx.meta["votes.typed"] = typed  # what the operator typed, for votes.commands.said
        return ctx

    def invoke(self, ctx: click.Context):
        # Ctrl-C, in a command or at its prompt: click said "Aborted!" and 1, the status of
        # a refusal; a shell's 130, as the witness's. What a command writes it writes whole
        # or not at all (a temporary file renamed, one transaction), so nothing is left.
        try:
            return interruptible(super().invoke)(ctx)
        except click.ClickException as exc:  # a usage error repeats what was typed: safely
            exc.message = said(exc.message, typed_values(ctx))
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Not FlaskGroup's: before a bare --help it reads Flask's own -e (FLASK_ENV_FILE) and
        # -A to list the app's commands, which list_commands does not (below); FLASK_ENV_FILE
        # is read by our -e as the command line's is.
        return click.Group.parse_args(self, ctx, args)

    def _load_plugin_commands(self) -> None:
        # Not the commands other installed packages offer every `flask` (entry points of
        # flask.commands: flask-limiter's English `limiter`, untested): the first lookup of
        # `db` in a process added them to this group for good, so `votes --help` and the
        # commands' hostile-input walk listed them in one process and not in another.
        return

    def list_commands(self, ctx: click.Context) -> list[str]:
        # FlaskGroup would build the app to list the commands extensions add to app.cli
        # (flask-migrate's db); they still run by name through get_command.
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        # Our own commands first: FlaskGroup would import every installed extension's
        # plugin commands (flask-limiter's pulls in asyncio) before looking.
        command = self.commands.get(name) or super().get_command(ctx, name)
        if name == "db" and command is not None and not getattr(command, "_votes", False):
            from votes.commands.migrations import with_progress, without_log

            command.invoke = _database_problems_said(command.invoke)
            for name, sub in getattr(command, "commands", {}).items():
                # upgrade and downgrade say their migrations in our words; the others
                # print their answer without Alembic's log before it
                said = with_progress if name in ("upgrade", "downgrade") else without_log
                sub.invoke = said(sub.invoke)
            command._votes = True
        return command


def _database_problems_said(invoke):
    """Flask-Migrate's `votes db …` on a database it cannot reach printed SQLAlchemy's
    traceback: say what is wrong, as every other command does."""
    def said(ctx: click.Context):
        from sqlalchemy.exc import DatabaseError

        try:
            return invoke(ctx)
        except DatabaseError as err:
            from votes.services.schema import database_problem

            problem = database_problem(err)
            if problem is None:
                raise
            click.echo(problem, err=True)
            raise SystemExit(1) from None

    return said


@click.group(cls=VotesGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False,
             help=N_("votes：住宅专项维修资金业主电子表决"))
def main() -> None:
    pass


# Flask's -A/--app names the app to load; the votes command always loads its own
# (create_app above), so Flask never reads it: not offered in the help.
for _param in main.params:
    if _param.name == "app":
        _param.hidden = True


def _env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    try:
        import dotenv  # noqa: F401
    except ImportError:
        from votes.i18n import _

        raise click.BadParameter(_("读取环境变量文件须先安装 python-dotenv（pip install "
                                   "python-dotenv）"), ctx=ctx, param=param) from None
    from flask.cli import load_dotenv

    load_dotenv(value, load_defaults=False)


# Flask's -e/--env-file in our words: its help spoke of .env and .flaskenv files, which the
# group never reads (load_dotenv=False), and it refused in English without python-dotenv.
# Ours and not Flask's object changed: that one is every FlaskGroup's in the process.
main.params[[p.name for p in main.params].index("env_file")] = click.Option(
    ["-e", "--env-file"], type=click.Path(exists=True, dir_okay=False), is_eager=True,
    expose_value=False, callback=_env_file,
    help=N_("从此文件读取环境变量（如 VOTES_DATABASE_URL），已在环境中设置的变量优先；"
            "须安装 python-dotenv。"))


@click.command("init", help=N_("创建数据库，或把数据库升级到最新结构（可重复运行）。"))
@click.option("--log", is_flag=True, envvar="VOTES_MIGRATIONS_LOG", show_envvar=True,
              help=N_("显示 Alembic 的迁移日志（英文），而不是每个迁移一行的进度"))
@with_appcontext
@domain_errors
def init(log: bool) -> None:
    from flask import current_app

    from votes.commands.migrations import progress_said
    from votes.i18n import _, ngettext
    from votes.services.schema import pending_revisions, upgrade_database

    current, pending = pending_revisions()
    if pending and not log:
        click.echo(ngettext("正在升级数据库结构（%(num)s 个迁移）……",
                            "正在升级数据库结构（%(num)s 个迁移）……", len(pending)) if current
                   else ngettext("正在创建数据库结构（%(num)s 个迁移）……",
                                 "正在创建数据库结构（%(num)s 个迁移）……", len(pending)))
    with progress_said(current_app, log=log):
        upgrade_database()
    click.echo(_("数据库已是最新结构"))


# The regulator's, on a machine of their own: no app (FlaskGroup.command would build it
# first, with the server's settings), only the standard library and cryptography.
@main.command("verify", context_settings={"ignore_unknown_options": True},
              add_help_option=False, with_appcontext=False,
              # its own options and their help: votes verify --help (argparse, votes/verify.py)
              help=N_("离线验证导出包；用法见 votes verify --help。"))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify(args: tuple[str, ...]) -> None:
    from votes.verify import main as verify_main

    raise SystemExit(verify_main(list(args)))


from votes.commands.witness import witness_cli  # noqa: E402  (needs no app)

main.add_command(witness_cli)


@click.command("demo", help=N_("创建数据库和一个正在表决的演示小区，然后启动网站。"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=N_("网站监听的地址"))
@click.option("--port", default=5000, type=int, show_default=True, help=N_("网站监听的端口"))
@click.option("--no-run", is_flag=True, help=N_("只准备演示数据，不启动网站"))
@with_appcontext
@domain_errors
def demo(host: str, port: int, no_run: bool) -> None:
    from flask import current_app

    from votes.commands import echo
    from votes.i18n import _
    from votes.services.demo import DEMO_PASSWORD, demo_voters, ensure_demo, ensure_demo_staff
    from votes.services.labels import role_label, state_label
    from votes.services.schema import upgrade_database

    from votes.instance import allow_log_sms

    allow_log_sms(current_app)
    if not (current_app.config.get("BASE_URL") or "").strip():
        current_app.config["BASE_URL"] = f"http://{host}:{port}"
    # Every address printed on the one base the owners' links use (a proxy's, a name a phone
    # reaches), not some on it and some on where the server listens.
    url = current_app.config["BASE_URL"].strip().rstrip("/")
    echo(_("正在准备数据库和演示数据……"))
    from votes.commands.migrations import quiet

    with quiet(current_app._get_current_object()):  # no alembic lines
        upgrade_database()
    proposal = ensure_demo()
    staff = ensure_demo_staff()
    echo("\n" + _("演示小区已就绪：DEMO，表决事项 %(id)s“%(title)s”（%(state)s）",
                        id=proposal.id, title=proposal.title, state=state_label(proposal.state)))
    echo(_("打开：%(url)s", url=f"{url}/"))
    from votes.services.procedure.notice_lines import procedure_lines

    for line in procedure_lines(proposal.rules or {}):
        echo(line)
    echo(_("公示栏：%(url)s", url=f"{url}/p/{proposal.uid}"))
    for label, link, suffix in demo_voters(proposal):
        echo(_("以 %(who)s 的身份试投票：%(link)s  身份证后6位：%(suffix)s", who=label,
                     link=link, suffix=suffix))
    echo(_("工作人员登录：%(url)s（密码 %(password)s）", url=f"{url}/staff/login",
                 password=DEMO_PASSWORD))
    for login, role in staff:
        echo(f"  {login}（{role_label(role)}）")
    echo(_("命令行：%(commands)s", commands=f".venv/bin/votes proposal show {proposal.id}  |  "
                 ".venv/bin/votes roll show --community DEMO") + "\n")
    if not no_run:
        # app.run() refuses to start inside a CLI command; werkzeug's server does not.
        from werkzeug.serving import run_simple

        run_simple(host, port, current_app._get_current_object(), threaded=True)


def _app_commands() -> tuple[click.Command, ...]:
    import votes.commands.ballots  # noqa: F401  (adds list and correct to ballots_cli)
    from votes.commands.doctor import doctor
    from votes.commands.proposal import (ballots_cli, export, keys_cli, notices, proposal_cli,
                                         tick)
    from votes.commands import procedure  # noqa: F401 - adds delivery/objection/answer
    from votes.commands.roll import community_cli, roll_cli
    from votes.commands.staff import users_cli
    from votes.commands.works import works_cli

    return (init, demo, community_cli, roll_cli, proposal_cli, ballots_cli, keys_cli, export,
            tick, notices, users_cli, doctor, works_cli)


def register(app) -> None:
    """Add every app-bound command to app.cli (so test_cli_runner sees them too). Each says
    Ctrl-C as `votes` does (已中断, 130) under `flask` too, whose group is Flask's."""
    for command in _app_commands():
        if not getattr(command.invoke, "interruptible", False):
            command.invoke = interruptible(command.invoke)
        app.cli.add_command(command)


for _command in _app_commands():
    main.add_command(_command)
