"""`votes witness …`: run an independent witness of the apps' chains (issue 10).

Runs without the app: no app database or configuration, only its own key file and SQLite
file, and the apps' public URLs.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from votes.i18n import N_, _

KEY_HELP = N_("见证人的私钥文件（PEM；由 votes witness keygen 生成）")
DB_HELP = N_("见证人自己的 SQLite 数据库文件（由 votes witness init 生成一次）")
EXIT_HELP = N_("退出状态：命令无法运行时（选项、密钥、数据库或 --app 网址不可用：什么都没有核对）为 2，"
               "不会是 1：poll 的 1 只表示发现了另一份历史。")


class WitnessError(click.ClickException):
    """A witness command that cannot run: the key, the database, a path. Click says 1 of
    its errors, which `poll` means as a fork seen (monitoring's alarm): a witness mistyped
    into its unit must not raise that alarm, nor one that saw another history be taken
    for a misconfigured one."""

    exit_code = 2


class _WitnessCommand(click.Command):
    def invoke(self, ctx: click.Context):
        from votes.commands import undecodable_argument

        said = undecodable_argument(ctx)
        if said:
            raise WitnessError(said)
        return super().invoke(ctx)


class _WitnessGroup(click.Group):
    command_class = _WitnessCommand

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Click turns it into "Aborted!" and 1, the status poll keeps for a fork.
            from votes.commands import interrupted

            interrupted()
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 — a traceback's status, 1, is a fork's
            import traceback

            traceback.print_exc()
            click.echo(_("见证人命令未能完成：%(problem)s",
                         problem=f"{type(exc).__name__}: {str(exc)[:200]}"), err=True)
            raise SystemExit(2) from None


@click.group("witness", cls=_WitnessGroup, epilog=EXIT_HELP,
             help=N_("见证人：独立核对表决记录链，并会签其链头。"))
def witness_cli() -> None:
    pass


def _load_key(path: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise WitnessError(_("无法读取见证人密钥 %(path)s：%(problem)s", path=path,
                                                   problem=str(exc)))
    if not isinstance(key, Ed25519PrivateKey):
        raise WitnessError(_("%(path)s 不是 Ed25519 私钥", path=path))
    return key


def _public_json(key) -> str:
    from votes.core import signing

    return json.dumps(signing.KeyRing({signing.key_id(key.public_key()): key.public_key()})
                      .to_json_obj(), indent=2)


@witness_cli.command("keygen", help=N_(
    "生成见证人的密钥，并显示其公钥文件（交给应用的运维人员配置 WITNESS_KEYS，交给核验者用于 "
    "--witness-keys）。"))
@click.option("--key", "key_path", required=True, type=click.Path(),
              help=N_("新私钥写入的文件"))
def keygen(key_path: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(key_path)
    if path.exists():
        raise WitnessError(_("%(path)s 已存在，不覆盖", path=str(path)))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:  # a folder not made yet (a fresh host), or not ours
        raise WitnessError(_("无法写入 %(path)s：%(problem)s", path=str(path),
                                     problem=exc.strerror or str(exc))) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    click.echo(_public_json(key))


@witness_cli.command("pubkey", help=N_("显示见证人的公钥文件。"))
@click.option("--key", "key_path", required=True, type=click.Path(), help=KEY_HELP)
def pubkey(key_path: str) -> None:
    click.echo(_public_json(_load_key(key_path)))


def _pins(server_keys: str | None, fingerprints: tuple[str, ...]):
    """The server keys the witness trusts; refused at start if unusable."""
    from votes.witness.pins import PinError, Pins, parse_fingerprint

    try:
        pins = Pins(Path(server_keys) if server_keys else None,
                    frozenset(parse_fingerprint(fp) for fp in fingerprints))
        pins.file_keys()
    except PinError as exc:
        raise click.UsageError(str(exc))
    return pins


def _round(key_path: str, db_path: str, apps: tuple[str, ...], pins, round_budget: int):
    from votes.witness.poller import Witness

    store = _open_store(db_path)
    try:
        result = Witness(_load_key(key_path), store, pins,
                         round_budget=round_budget).poll(list(apps))
    finally:
        store.close()
    for line in result.lines():
        click.echo(line)
    return result


def _app_urls(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    """Refused at start: a URL the witness cannot ask (no scheme, another scheme, no host, a
    port that is no number) was a `problem:` line every round, for ever, as an app down
    is; a query or fragment would be cut into every address asked."""
    from urllib.parse import urlsplit

    for url in values:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 — raises ValueError for a port that is not a number
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.query or parts.fragment or "?" in url or "#" in url:
            raise click.BadParameter(_("%(url)s 不是应用的网址，应形如 "
                                       "https://votes.example.gov.cn", url=url))
    return values


def _options(fn):
    from votes.witness import ROUND_BUDGET

    fn = click.option("--round-budget", default=ROUND_BUDGET, type=click.IntRange(1, 86400),
                      show_default=True,
                      help=N_("每一轮总共可用的秒数；到时尚未核对到的报告为 NOT REACHED，"
                              "下一轮再核对"))(fn)
    fn = click.option("--app", "apps", multiple=True, required=True, callback=_app_urls,
                      help=N_("应用的网址，例如 https://votes.example.gov.cn（可重复）"))(fn)
    fn = click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)(fn)
    fn = click.option("--server-fingerprint", "fingerprints", multiple=True,
                      help=N_("按 SHA-256 指纹（64 位十六进制数）固定信任一个服务器密钥"
                              "（可重复）"))(fn)
    fn = click.option("--server-keys", "server_keys", default=None, type=click.Path(),
                      help=N_("固定信任此密钥文件中的服务器密钥（辖区的 "
                              "/.well-known/votes-keys.json，在应用之外取得；每轮重新读取：密钥"
                              "轮换后把新密钥加入此文件）"))(fn)
    return click.option("--key", "key_path", required=True, type=click.Path(), help=KEY_HELP)(fn)


@witness_cli.command("poll", help=N_(
    "运行一轮：核对并会签每个应用的链头。\n\n退出状态：发现分叉、未固定信任的服务器密钥、会签被当作另一份"
    "历史拒绝（409），或工作人员审计日志比记录的短、不再含有记录的摘要（AUDIT FORK）时为 1，其他情况"
    "都不是 1；无法运行时（选项、密钥、数据库或 --app 网址不可用：什么都没有核对）为 2；有内容未能核对"
    "时（应用无法访问、应答被拒绝、本轮时间用完、本轮失败）为 3；只因应用的频率限制（429）未能完成时为 4"
    "（LIMITED 行：过了其 Retry-After 再轮询；应用的运维人员应把见证人的地址列入名单）；每个公布的链头"
    "都已核对时才为 0。"))
@_options
@click.option("--once", is_flag=True,
              help=N_("只运行一轮后退出（poll 本来就只运行一轮；持续轮询用 serve）"))
def poll(key_path: str, db_path: str, apps: tuple[str, ...], server_keys: str | None,
         fingerprints: tuple[str, ...], round_budget: int, once: bool) -> None:
    pins = _pins(server_keys, fingerprints)
    try:
        result = _round(key_path, db_path, apps, pins, round_budget)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 — a traceback's status is 1: a fork, to cron
        click.echo(f"problem: the round failed ({type(exc).__name__}: {str(exc)[:200]})")
        raise SystemExit(3) from None
    if result.forks or result.unpinned or result.conflicts or result.audit_forks:
        raise SystemExit(1)
    if result.problems or result.not_reached:
        # Run from cron, a round that refused a bad signature or never reached the app must
        # not look like a good one.
        raise SystemExit(3)
    if result.limited:
        # Neither a fault of the witness nor a sign of another history, but not a round
        # that checked everything either: a status of its own, for monitoring to tell a
        # witness the city forgot to list (LIMITED at every round) from one that saw harm.
        raise SystemExit(4)


@witness_cli.command("serve", help=N_("每隔 --interval 秒轮询一次各应用，直到被停止。"))
@_options
@click.option("--interval", default=60, type=click.IntRange(1, 86400), show_default=True,
              help=N_("两轮之间的秒数"))
def serve(key_path: str, db_path: str, apps: tuple[str, ...], server_keys: str | None,
          fingerprints: tuple[str, ...], round_budget: int, interval: int) -> None:
    _load_key(key_path)  # refuse a bad key at start, not after the first interval
    _open_store(db_path).close()  # and a missing database
    pins = _pins(server_keys, fingerprints)
    while True:
        try:
            _round(key_path, db_path, apps, pins, round_budget)
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 — one bad round must not end the witness
            click.echo(f"problem: the round failed ({type(exc).__name__}: {str(exc)[:200]})")
        time.sleep(interval)


@witness_cli.command("forks", help=N_(
    "列出发现的分叉：每个分叉互相矛盾的两条服务器签名记录；以及记录过、但应用不再提供的每个工作人员"
    "审计日志摘要（AUDIT FORK；--json 只列记录链的证明，不含这些）。"))
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help=N_("以 JSON 输出证明"))
def forks(db_path: str, as_json: bool) -> None:
    records = _read_store(db_path, lambda store: store.forks())
    if as_json:
        click.echo(json.dumps([{"proposal": f.proposal, "app": f.app, "reason": f.reason,
                                "time": f.time, "cosigned": f.old_line.decode("utf-8"),
                                "served": f.new_line.decode("utf-8")} for f in records],
                              ensure_ascii=False, indent=2))
        return
    audit_forks = _read_store(db_path, lambda store: store.audit_forks())
    if not records and not audit_forks:
        click.echo(_("未发现分叉"))
    from votes.witness.poller import printable

    for fork in audit_forks:  # digests only: the witness never saw the entries themselves
        click.echo(printable(fork.line()))

    for f in records:  # what the app chose (uid, lines) escaped: it cannot fake or hide a line
        click.echo(printable(f"{f.time} {f.proposal} at {f.app}: {f.reason}"))
        click.echo("  " + _("已会签：%(line)s",
                            line=printable(f.old_line.decode("utf-8", "replace")[:160])))
        click.echo("  " + _("被替换：%(line)s",
                            line=printable(f.new_line.decode("utf-8", "replace")[:160])))


def _open_store(db_path: str):
    """The witness's existing database. Never a new one by a typo'd path: a witness that
    started afresh would have forgotten every head it cosigned, and would cosign a
    rewritten history. `votes witness init` makes it, once."""
    import sqlite3

    from votes.witness.store import Store

    if not Path(db_path).is_file():
        raise WitnessError(_("见证人数据库 %(path)s 不存在（首次使用请先运行 votes witness "
                                     "init --db %(path)s）", path=db_path))
    try:
        return Store(db_path, existing=True)
    except sqlite3.DatabaseError as exc:
        raise WitnessError(_("%(path)s 不是见证人数据库：%(reason)s", path=db_path,
                                     reason=str(exc))) from None


def _read_store(db_path: str, read):
    """Read from the witness's existing database."""
    store = _open_store(db_path)
    try:
        return read(store)
    finally:
        store.close()


@witness_cli.command("init", help=N_(
    "生成见证人的数据库，只需一次（poll 和 serve 只使用已有的数据库）。"))
@click.option("--db", "db_path", required=True, type=click.Path(),
              help=N_("见证人数据库生成的位置"))
def init(db_path: str) -> None:
    from votes.witness.store import Store

    import sqlite3

    if Path(db_path).exists():
        raise WitnessError(_("%(path)s 已存在，不覆盖", path=db_path))
    try:
        Store(db_path).close()
    except (sqlite3.Error, OSError) as exc:  # a folder not made yet (a fresh host), or not ours
        raise WitnessError(_("无法创建见证人数据库 %(path)s：%(reason)s", path=db_path,
                                     reason=str(exc))) from None
    from votes.commands import echo

    echo(_("已创建见证人数据库 %(path)s", path=db_path))


@witness_cli.command("audit-heads", help=N_(
    "显示记录过的每个工作人员审计日志链头，每行一个 JSON（应用、序号、应用提供的摘要、该条记录的时间、"
    "首次见到的时间）：审计人员拿它核对应用审计 CSV 中该序号的 published 列（docs/deploy.md，"
    "Witnesses 一节）。"))
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--app", default=None, help=N_("只显示这个应用的（其网址，与给 poll/serve 的相同）"))
def audit_heads(db_path: str, app: str | None) -> None:
    heads = _read_store(db_path, lambda store: store.audit_heads(
        app.rstrip("/") if app is not None else None))
    for head in heads:
        click.echo(json.dumps(head, ensure_ascii=False, sort_keys=True))


@witness_cli.command("cosignatures", help=N_(
    "显示做过的每个会签，每行一个 JSON，按记录条数排序：交给核验者（votes verify --cosignatures "
    "FILE），运维人员就无法略去；任何时候的导出包都用记录条数不多于它的会签核对。给辖区的核验者时只给其"
    "应用的（--app）：另一个应用可能以相同的 uid 提供另一条记录链，其会签与辖区的记录链不符。"))
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--proposal", default=None, help=N_("只显示这个表决事项的（其 uid）"))
@click.option("--app", default=None,
              help=N_("只显示这个应用提供的记录链的（其网址，与给 poll/serve 的相同）"))
def cosignatures(db_path: str, proposal: str | None, app: str | None) -> None:
    made = _read_store(db_path, lambda store: store.made(
        app.rstrip("/") if app is not None else None, proposal))
    for line in made:
        click.echo(line.decode("utf-8"))
