"""`votes doctor`: what a deployment of several processes or hosts must get right.

A "production" deployment is one with an https base URL or a database other than SQLite;
there every process must share secrets, keys, database and rate-limit counters, and the
checks that only matter there apply. A single-machine SQLite install passes with defaults,
but for in-memory rate limits, which need one gunicorn worker (VOTES_GUNICORN_WORKERS=1) or Redis."""

from __future__ import annotations

import binascii
import os
from dataclasses import dataclass

from flask import Flask


DEFAULT_BASE_URLS = ("http://127.0.0.1:5000", "http://localhost:5000", "")


@dataclass(frozen=True)
class Check:
    """One finding in both languages (an operator's report, written here rather than in the
    catalogue: the English names settings and commands the Chinese only mentions)."""

    ok: bool
    zh: str
    en: str
    # Told, but not failing: what no change to the deployment can fix, so that the unit,
    # which runs doctor before every start, is not kept from serving every other vote.
    warning: bool = False

    def line(self) -> str:
        from votes.i18n import language

        mark = "⚠" if self.warning else "✓" if self.ok else "✗"
        return f"{mark} {self.en if language() == 'en' else self.zh}"


def _production(app: Flask) -> bool:
    https = app.config["BASE_URL"].lower().startswith("https://")
    return https or not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _workers() -> int | None:
    """The gunicorn workers this host starts, as config/gunicorn.conf.py reads them; None
    if that config would refuse the setting (and gunicorn not start)."""
    from votes import gunicorn_workers

    try:
        return gunicorn_workers.workers()
    except ValueError:
        return None


def _several_processes(app: Flask) -> bool:
    return _production(app) or (_workers() or 2) > 1


def run_checks(app: Flask) -> list[Check]:
    """Every check, passed or failed, in the order an operator would fix them."""
    from votes.services.doctor_secrets import data_key_strength, secrets

    checks = [*secrets(app, _several_processes(app)), _base_url(app), _database(app)]
    encrypted = False  # whether stored data was seen to open with DATA_KEY
    if checks[-1].ok:
        checks.append(_migrated(app))
        if checks[-1].ok:
            checks.append(_signing_keys(app))
            data_checks, encrypted = _data_key()
            checks += data_checks
            if _production(app):
                checks.append(_demo_staff())
            checks += _damaged_older_chains()
    checks += data_key_strength(app, encrypted)
    if _workers() is None:
        checks.append(Check(False, "VOTES_GUNICORN_WORKERS 必须是整数（gunicorn 的进程数），gunicorn "
                                   "不会启动",
                            "VOTES_GUNICORN_WORKERS must be a whole number (gunicorn's worker "
                            "processes); gunicorn will not start"))
    checks += [_rate_limits(app), _witness_addresses(app), *_witness_keys(app), *_transport(app),
               _sms(app)]
    return checks


def _base_url(app: Flask) -> Check:
    from votes.instance import mode

    base = app.config["BASE_URL"]
    if _production(app) and base.rstrip("/") in DEFAULT_BASE_URLS:
        return Check(False, "未设置 VOTES_BASE_URL：通知和二维码会指向本机地址",
                     "VOTES_BASE_URL is not set: notices and QR codes would point at loopback")
    # Whatever the database: owners open these links (and sign in, and get a session
    # cookie) over the network, so only a development, demo or loopback address may be http.
    if base.strip() and not base.strip().lower().startswith("https://") and \
            mode(app) not in ("development", "demo", "testing") and not _loopback(base):
        return Check(False, f"对外地址 {base} 不是 https：通知、二维码中的链接和业主的登录 Cookie "
                            f"会以明文传输；请把 VOTES_BASE_URL 设为 https 地址（http 仅限本机地址或 "
                            f"VOTES_ENV=development）",
                     f"the base URL {base} is plain http: owners' links, QR codes and cookies "
                     f"would travel unencrypted; set VOTES_BASE_URL to an https address (http "
                     f"only for localhost or VOTES_ENV=development)")
    return Check(True, f"对外地址 {base}", "base URL set")


def _loopback(url: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # an unbalanced [ in the address
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown_url(url: str) -> str:
    """A database's or Redis's URL as printed: the password hidden wherever it is given,
    before the @ or as ?password= (libpq and redis-py take both)."""
    import re

    url = re.sub(r"://([^:@/?#]*):[^/?#]*@", r"://\1:***@", url)
    return re.sub(r"([?&][^=&#]*pass[^=&#]*=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)


def _database(app: Flask) -> Check:
    from sqlalchemy import inspect, text
    from sqlalchemy.engine import make_url

    from votes.extensions import db

    shown = shown_url(make_url(app.config["SQLALCHEMY_DATABASE_URI"])
                      .render_as_string(hide_password=True))
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            # Reads the schema: SQLite opens any file for SELECT 1, even one that is no
            # database (the next check then failed with a traceback).
            inspect(conn).has_table("alembic_version")
    except Exception as err:  # noqa: BLE001  (any driver error means "not reachable")
        reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        return Check(False, f"无法连接数据库 {shown}：{reason}",
                     f"cannot reach the database {shown}")
    return Check(True, f"数据库可连接 {shown}", "database reachable")


def _migrated(app: Flask) -> Check:
    from votes.services.schema import revisions

    current, heads, newer = revisions()
    if newer:
        return Check(False, f"数据库结构比本程序新（{', '.join(sorted(newer))}），请安装升级"
                            "数据库的那个版本，不要用本版本运行 votes init",
                     f"the database is at {sorted(newer)}, newer than this version knows: "
                     "install the release that migrated it (not `votes init`)")
    if current != heads:
        return Check(False, "数据库结构不是最新版本，请运行 votes init",
                     f"the database is at {sorted(current) or 'no revision'}, not at "
                     f"{sorted(heads)}: run `votes init`")
    return Check(True, "数据库结构是最新版本", "database migrated to head")


def _demo_staff() -> Check:
    """`votes demo` run against this database left sign-ins whose password is in the
    source code (an admin among them)."""
    from sqlalchemy import select

    from votes.extensions import db
    from votes.models import StaffUser
    from votes.services.demo import DEMO_PASSWORD, DEMO_STAFF
    from votes.services.staff import password_matches

    logins = [login for login, _role, _scope in DEMO_STAFF]
    found = [user.login for user in db.session.scalars(select(StaffUser).where(
        StaffUser.login.in_(logins), StaffUser.active.is_(True)))
        if password_matches(user.password_hash, DEMO_PASSWORD)]  # not one whose password was changed
    if found:
        names = "、".join(sorted(found))
        return Check(False, f"演示账号 {names} 可以用源代码中公开的演示密码登录：请在管理员"
                            f"页面（/admin）停用这些账号或重设密码",
                     f"the demo sign-ins {', '.join(sorted(found))} accept the demo password "
                     f"published in the source: disable them or reset their passwords on the "
                     f"admin page (/admin)")
    return Check(True, "没有使用公开演示密码的账号", "no account has the demo password")


def _damaged_older_chains() -> list[Check]:
    """A warning for each vote whose chain a release before version 3 started (exported as
    votes-bundle/1) and that holds an entry that format cannot hold: a release before the
    server refused them appended it, every export of the vote fails step 1.5 of `votes
    verify`, and a chain cannot take an entry back.

    Only such chains are read. They are found by their genesis in one query, without the
    rules of procedure the current format's genesis carries (bundle.chain_format), and
    confirmed on the few found: thousands of current votes cost one index lookup each, in
    the database, and none of their lines is sent."""
    import json

    from sqlalchemy import select

    from votes.core import bundle
    from votes.extensions import db
    from votes.models import ChainEntry, Proposal

    # From the proposals, each genesis by the (proposal_id, seq) index: a filter on seq
    # alone scanned that whole index, every vote's every entry (3x the time at 3,000 votes).
    genesis = db.session.execute(
        select(Proposal.id, Proposal.uid, ChainEntry.line)
        .join(ChainEntry, (ChainEntry.proposal_id == Proposal.id) & (ChainEntry.seq == 0))
        # Canonical JSON (no spaces): the key as the current genesis's rules carry it.
        .where(ChainEntry.line.not_like('%"objection_days":%'))).all()
    uids = {pid: uid for pid, uid, line in genesis
            if bundle.chain_format(json.loads(line)["entry"]["body"]) == bundle.FORMAT_V2}
    if not uids:
        return []
    first: dict[int, tuple[int, str]] = {}
    entries = db.session.execute(
        select(ChainEntry.proposal_id, ChainEntry.seq, ChainEntry.kind, ChainEntry.line)
        .where(ChainEntry.proposal_id.in_(list(uids)), ChainEntry.seq > 0)
        .order_by(ChainEntry.proposal_id, ChainEntry.seq)
        .execution_options(yield_per=500))
    for pid, seq, kind, line in entries:
        if pid in first:
            continue
        if not bundle.older_format_holds(kind, json.loads(line)["entry"]["body"]):
            first[pid] = (seq, kind)
    return [Check(True, f"表决 #{pid}（{uids[pid]}）由升级前的旧版本系统开始，记录链是旧格式"
                        f"（{bundle.FORMAT_V2}），却记有该格式不能记载的第 {seq} 条（{kind}）："
                        f"其导出包无法通过验证（votes verify 第 1.5 步），记录链也无法修复；"
                        f"请向监管方书面说明，必要时重新发起表决",
                  f"vote #{pid} ({uids[pid]}) was started before version 3 and is exported "
                  f"as {bundle.FORMAT_V2}, but holds entry {seq} ({kind}), which that format "
                  f"cannot hold: its bundle fails step 1.5 of `votes verify` at every export "
                  f"and the chain cannot be repaired; explain it to the regulator in writing "
                  f"and hold the vote again if need be", warning=True)
            for pid, (seq, kind) in sorted(first.items())]


def _data_key() -> tuple[list[Check], bool]:
    """The data key's checks, and whether it opens data already stored."""
    from votes.services.privacy import stored_data_opens

    try:
        opens = stored_data_opens()
    except (RuntimeError, ValueError, binascii.Error):
        return [], False  # not a key at all: the secrets' check says so
    if opens is False:
        return [Check(False, "VOTES_DATA_KEY 打不开数据库中已加密的业主资料和密封的选票（密钥被更换或"
                             "丢失？）；请恢复原来的数据密钥，否则无法计票、无法核对业主身份",
                      "VOTES_DATA_KEY does not open the owners' data and sealed choices already "
                      "in the database (changed or lost?): restore the original data key, or no "
                      "vote can be counted and no owner recognised")], False
    if opens is None:
        return [Check(True, "数据库中尚无加密数据，数据密钥待首次导入名册时使用",
                      "no encrypted data yet; the data key is first used by a roll import")], False
    return [Check(True, "数据密钥能打开已存的业主资料", "the data key opens the stored data")], True


def _signing_keys(app: Flask) -> Check:
    from sqlalchemy import select

    from votes.core import signing
    from votes.extensions import db
    from votes.models import ServerKey
    from votes.settings import keys_dir

    folder = keys_dir(app)
    where = f"KEYS_DIR={folder}"
    row = db.session.scalar(select(ServerKey).where(ServerKey.active.is_(True)))
    if row is None:
        probe = folder if folder.exists() else folder.parent
        if not os.access(probe, os.W_OK | os.X_OK):
            return Check(False, f"签名密钥目录 {folder} 不可写，无法生成第一把签名密钥",
                         f"cannot create the first signing key: {where} is not writable")
        return Check(True, "尚无签名密钥，首次开启表决时生成",
                     "no signing key yet; the first opening makes one")
    path = folder / f"{row.key_id.replace(':', '_')}.pem"
    try:
        pem = path.read_bytes()
        if not pem.lstrip().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"):
            # Damaged or replaced (a copy cut short, another file under its name): no
            # passphrase opens it, and saying one would send the operator to the wrong fix.
            return Check(False, f"{path} 不是加密的签名私钥文件（已损坏或被替换）；请从备份恢复"
                                f"该文件，各服务器须共用同一份密钥文件",
                         f"{path} is not an encrypted signing key file (damaged or replaced); "
                         f"restore it from the backup: every host needs the same key files")
        signing.decrypt_private_key(pem, app.config["KEY_PASSPHRASE"].encode())
    except OSError:
        return Check(False, f"读不到当前签名私钥 {row.key_id}（{folder}）；"
                            f"各服务器须共用同一密钥目录或同一份密钥文件",
                     f"the active signing key {row.key_id} is not readable in {where}; every "
                     f"host needs the same key files")
    except ValueError:
        return Check(False, f"签名私钥 {row.key_id} 无法用 VOTES_KEY_PASSPHRASE 解密",
                     f"the active signing key {row.key_id} does not open with "
                     f"VOTES_KEY_PASSPHRASE")
    return Check(True, f"签名私钥可读 {row.key_id}", "signing key readable")


def _rate_limits(app: Flask) -> Check:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        workers = _workers()
        if workers is not None and workers > 1:
            # Each worker counts on its own: every limit is multiplied by their number.
            return Check(False, f"限流计数保存在各进程内存中，而本机启动 {workers} 个 gunicorn 进程"
                                f"（VOTES_GUNICORN_WORKERS，默认 4），每个限额实际放大 {workers} 倍；"
                                f"请设置 VOTES_RATELIMIT_STORAGE_URI=redis://…（Redis）",
                         f"rate limits are counted per process, and this host starts {workers} "
                         f"gunicorn workers (VOTES_GUNICORN_WORKERS, default 4): every limit "
                         f"is {workers} times what it says; set "
                         f"VOTES_RATELIMIT_STORAGE_URI=redis://… (Redis) so all processes "
                         f"share them")
        if _several_processes(app):
            return Check(False, "限流计数保存在各进程内存中，多进程时形同虚设；"
                                "请设置 VOTES_RATELIMIT_STORAGE_URI=redis://…（Redis）",
                         "rate limits are counted per process; set "
                         "VOTES_RATELIMIT_STORAGE_URI=redis://… (Redis) so all processes "
                         "share them")
        return Check(True, "限流计数在本进程内存中（单进程）", "rate limits in memory (one process)")
    from limits.storage import storage_from_string

    try:
        options = {"socket_connect_timeout": 3, "socket_timeout": 3} \
            if uri.startswith(("redis://", "rediss://")) else {}
        reachable = storage_from_string(uri, **options).check()
    except Exception:  # noqa: BLE001  (a missing client library or a bad URL alike)
        reachable = False
    shown = shown_url(uri)
    if not reachable:
        return Check(False, f"无法连接限流存储 {shown}", f"rate-limit storage {shown} not reachable")
    return Check(True, f"限流存储可连接 {shown}", "rate-limit storage reachable")


def _holds_loopback(network) -> bool:
    """Whether any address of the block is loopback: ::/1 holds ::1 and 64.0.0.0/2 holds
    127.0.0.1 without starting there, and ::ffff:127.0.0.1 is IPv4's loopback written as IPv6."""
    import ipaddress

    loopbacks = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"),
                 ipaddress.ip_network("::ffff:127.0.0.0/104"))
    return any(network.version == lo.version and network.overlaps(lo) for lo in loopbacks)


def _witness_addresses(app: Flask) -> Check:
    # Told, never failing: a wrong value already stopped the start (votes.settings), and
    # none set is a deployment without witnesses, or whose witnesses poll within the limits.
    networks = app.config.get("WITNESS_NETWORKS") or ()
    if not networks:
        return Check(True, "未设置见证人地址（VOTES_WITNESS_ADDRESSES）：见证人与其他访问者一样"
                           "受公示栏和链接口的限流",
                     "no witness addresses (VOTES_WITNESS_ADDRESSES): witnesses are held to the "
                     "public board's and the chain API's limits like anyone")
    shown = ", ".join(str(n.network_address) if n.num_addresses == 1 else str(n)
                      for n in networks)
    if app.config["TRUSTED_PROXIES"] < 1 and any(_holds_loopback(n) for n in networks):
        # Without a trusted proxy the address a request comes from is the proxy's own, and
        # nginx on this host is 127.0.0.1: every visitor would pass as the witness.
        return Check(False, f"见证人地址含本机地址（{shown}），而 VOTES_TRUSTED_PROXIES=0：经本机"
                            "反向代理访问的每个人都会被当作见证人，公示栏和链接口的限流形同关闭",
                     f"a witness address is this host's loopback ({shown}) while "
                     "VOTES_TRUSTED_PROXIES=0: every visitor coming through a proxy on this "
                     "host passes as the witness, and the public limits are off")
    return Check(True, f"见证人地址不受公示栏和链接口限流：{shown}",
                 f"witness addresses exempt from the public board's and the chain API's "
                 f"limits: {shown}")


def _witness_keys(app: Flask) -> list[Check]:
    # The app reads the file at each cosignature, as the service's user: one it cannot read
    # or load refused every witness's cosignature (400), told only in the log.
    from pathlib import Path

    from votes.core.verifier_integrity import load_keys_file

    path = str(app.config.get("WITNESS_KEYS") or "").strip()
    if not path:
        return []
    try:
        ring = load_keys_file(Path(path).read_bytes())
        reason = "" if ring.keys else "no key in it"
    except OSError as err:
        reason = err.strerror or type(err).__name__
    except ValueError as err:
        reason = str(err)[:120]
    if reason:
        return [Check(False, f"见证人公钥文件 VOTES_WITNESS_KEYS={path} 无法使用（{reason}）：见证人的"
                             f"会签都会被拒绝；文件须能被本服务的用户读取，格式为 {{\"keys\": [...]}}",
                      f"the witnesses' keys file VOTES_WITNESS_KEYS={path} cannot be used "
                      f"({reason}): every witness's cosignature would be refused; the service's "
                      f"user must be able to read it, as {{\"keys\": [...]}}")]
    return [Check(True, f"见证人公钥 {len(ring.keys)} 把（{path}）",
                  f"{len(ring.keys)} witness key(s) ({path})")]


def _transport(app: Flask) -> list[Check]:
    if not app.config["BASE_URL"].lower().startswith("https://"):
        return []
    checks = []
    if not app.config["SESSION_COOKIE_SECURE"]:
        checks.append(Check(False, "对外地址是 https，但 Cookie 未设置 Secure（VOTES_SECURE_COOKIES）",
                            "the base URL is https but cookies are not Secure "
                            "(VOTES_SECURE_COOKIES)"))
    if not app.config["HSTS"]:
        checks.append(Check(False, "对外地址是 https，但未发送 HSTS（VOTES_HSTS）",
                            "the base URL is https but HSTS is off (VOTES_HSTS)"))
    # gunicorn serves plain HTTP here, so an https base URL means TLS ends at a proxy.
    if app.config["TRUSTED_PROXIES"] < 1:
        checks.append(Check(False, "经反向代理（https）对外服务，但 VOTES_TRUSTED_PROXIES=0："
                                   "所有业主会被当成同一个地址限流",
                            "served through an https proxy but VOTES_TRUSTED_PROXIES=0: every "
                            "owner would share the proxy's rate limits"))
    return checks or [Check(True, "https：Cookie 安全、HSTS、可信代理均已设置",
                            "https: secure cookies, HSTS and trusted proxies set")]


def _sms(app: Flask) -> Check:
    from votes.instance import refuse_log_sms

    # Outside tests and the demo, "log" was replaced at start by a sender refusing every
    # code (votes/instance.py): that is no gateway either, not "an SMS sender set".
    if app.config.get("SMS_SENDER") is refuse_log_sms:
        return Check(False, "未接入短信网关（SMS_SENDER 仍是 \"log\"），业主申请验证码都会被拒绝",
                     "SMS_SENDER is \"log\": no SMS gateway, every one-time code is refused")
    sender = app.config.get("SMS_SENDER", "log")
    if not callable(sender) and sender != "log":
        return Check(False, f"短信发送方式（SMS_SENDER = {sender!r}）不是发送函数，业主申请验证码都会"
                            "被拒绝；请在 VOTES_CONFIG 文件中定义 sender(phone, text) 调用短信网关",
                     f"SMS_SENDER = {sender!r} is no function: every one-time code is refused; "
                     "define sender(phone, text) calling the SMS gateway in the VOTES_CONFIG file")
    if _production(app) and app.config.get("SMS_SENDER", "log") == "log":
        return Check(False, "短信发送方式（SMS_SENDER）仍是 \"log\"（验证码只写进日志文件），"
                            "生产环境须接入短信网关",
                     "SMS_SENDER is \"log\" (codes go to a file): production needs an SMS gateway")
    if app.config.get("SMS_SENDER", "log") == "log":
        return Check(True, "短信写入日志文件（仅限单机演示）", "SMS codes logged to a file (demo only)")
    return Check(True, "短信发送方式已设置", "SMS sender set")
