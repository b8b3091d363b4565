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

from votes.i18n import _

KEY_HELP = "the witness's private key file (PEM; made by `votes witness keygen`)"
DB_HELP = "the witness's own SQLite database file (made once by `votes witness init`)"
EXIT_HELP = ("Exit status: 2 when the command could not run (an option, the key, the database "
             "or an --app URL unusable: nothing was checked), never 1, which poll keeps for "
             "another history seen.")


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


@click.group("witness", cls=_WitnessGroup, epilog=EXIT_HELP)
def witness_cli() -> None:
    """见证人：独立核对并会签表决记录链 (an independent witness that cosigns chain heads)."""


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


@witness_cli.command("keygen")
@click.option("--key", "key_path", required=True, type=click.Path(),
              help="where to write the new private key")
def keygen(key_path: str) -> None:
    """Make the witness's key; print its public keys file (give it to the app operator for
    WITNESS_KEYS and to verifiers for --witness-keys)."""
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


@witness_cli.command("pubkey")
@click.option("--key", "key_path", required=True, type=click.Path(), help=KEY_HELP)
def pubkey(key_path: str) -> None:
    """Print the witness's public keys file."""
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
                      help="seconds a round may take in all; what it has not reached by "
                           "then is reported (NOT REACHED) and checked next round")(fn)
    fn = click.option("--app", "apps", multiple=True, required=True, callback=_app_urls,
                      help="an app's base URL, e.g. https://votes.example.gov.cn (repeatable)")(fn)
    fn = click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)(fn)
    fn = click.option("--server-fingerprint", "fingerprints", multiple=True,
                      help="pin a server key by its SHA-256 fingerprint, 64 hex digits "
                           "(repeatable)")(fn)
    fn = click.option("--server-keys", "server_keys", default=None, type=click.Path(),
                      help="pin the server keys in this keys file (the district's "
                           "/.well-known/votes-keys.json, obtained outside the app; re-read "
                           "every round: add a rotated key to it)")(fn)
    return click.option("--key", "key_path", required=True, type=click.Path(), help=KEY_HELP)(fn)


@witness_cli.command("poll")
@_options
@click.option("--once", is_flag=True, help="one round, then exit (what poll always does; "
                                           "`serve` keeps polling)")
def poll(key_path: str, db_path: str, apps: tuple[str, ...], server_keys: str | None,
         fingerprints: tuple[str, ...], round_budget: int, once: bool) -> None:
    """One round: check and cosign every app's heads; exit 1 if a fork, a server key
    that is not pinned, a cosignature refused as another history (409) or a staff audit log
    shorter than, or not holding a digest as, recorded (AUDIT FORK) was seen, and for
    nothing else; 2 if it could not run (an option, the key, the database or an --app URL
    unusable: nothing was checked); 3 if something could not be checked (an app not
    reached, an answer refused, the round's time budget ran out, the round failed), 4 if
    nothing but an app's rate limit (429) held the round back (LIMITED lines: polled again
    once its Retry-After has passed; its operator should list the witness's address), 0
    only when every announced head was checked."""
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


@witness_cli.command("serve")
@_options
@click.option("--interval", default=60, type=click.IntRange(1, 86400), show_default=True,
              help="seconds between rounds")
def serve(key_path: str, db_path: str, apps: tuple[str, ...], server_keys: str | None,
          fingerprints: tuple[str, ...], round_budget: int, interval: int) -> None:
    """Poll the apps every --interval seconds until stopped."""
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


@witness_cli.command("forks")
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="print the proofs as JSON")
def forks(db_path: str, as_json: bool) -> None:
    """List the forks seen: for each, the two server-signed entries that contradict; and
    each staff audit log digest recorded that an app no longer served (AUDIT FORK; not in
    --json, which lists the chains' proofs)."""
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


@witness_cli.command("init")
@click.option("--db", "db_path", required=True, type=click.Path(),
              help="where to make the witness's database")
def init(db_path: str) -> None:
    """Make the witness's database, once (poll and serve use only an existing one)."""
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


@witness_cli.command("audit-heads")
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--app", default=None, help="only this app's (its URL as given to poll/serve)")
def audit_heads(db_path: str, app: str | None) -> None:
    """Print every staff audit log head recorded, one JSON line each (app, seq, digest as
    served, the entry's time, when first seen): an auditor holds each against the `published`
    column of the app's audit CSV at that seq (docs/deploy.md, Witnesses)."""
    heads = _read_store(db_path, lambda store: store.audit_heads(
        app.rstrip("/") if app is not None else None))
    for head in heads:
        click.echo(json.dumps(head, ensure_ascii=False, sort_keys=True))


@witness_cli.command("cosignatures")
@click.option("--db", "db_path", required=True, type=click.Path(), help=DB_HELP)
@click.option("--proposal", default=None, help="only this proposal's (its uid)")
@click.option("--app", default=None,
              help="only those of chains this app served (its URL as given to poll/serve)")
def cosignatures(db_path: str, proposal: str | None, app: str | None) -> None:
    """Print every cosignature made, one JSON line each, in order of length: give them to a
    verifier (`votes verify --cosignatures FILE`) so the operator cannot leave them out; a
    bundle of any age is checked by those of no more entries than it holds. Give a
    district's verifier its app's (--app): another app may serve a chain under the same
    uid, whose cosignatures do not match the district's chain."""
    made = _read_store(db_path, lambda store: store.made(
        app.rstrip("/") if app is not None else None, proposal))
    for line in made:
        click.echo(line.decode("utf-8"))
