"""`votes doctor`'s checks of the secrets: each set for the whole deployment, none left at the
example file's placeholder, none short or patterned enough to be guessed."""

from __future__ import annotations

import base64
import binascii

from flask import Flask

from votes.services.doctor import Check

PLACEHOLDER = "change-me"  # what deploy/votes.env.example gives every secret
MIN_SECRET_CHARS = 16  # what the generated ones far exceed (token_urlsafe: 32, 43)


def secrets(app: Flask, several_processes: bool) -> list[Check]:
    # Each problem its own line: stopping at the first, an operator who fixed a generated
    # passphrase learnt only from the next run that the session key was still change-me.
    checks = []
    generated = app.config.get("SECRETS_FROM_INSTANCE") or []
    names = "、".join(f"VOTES_{n}" for n in generated)
    if generated and several_processes:
        checks.append(Check(False, f"{names} 是在实例目录自动生成的；多进程、多台服务器必须在环境变量或"
                                   f"密钥库中统一设置",
                            f"{', '.join(generated)} were generated in the instance folder; "
                            f"several processes or hosts must all get the same values from the "
                            f"environment"))
    # deploy/votes.env.example's placeholder, public in the source: a session key anyone
    # can read lets anyone forge a staff session.
    placeholders = [n for n in ("SECRET_KEY", "KEY_PASSPHRASE")
                    if str(app.config.get(n) or "").strip().lower() == PLACEHOLDER]
    if placeholders:
        names = ", ".join(f"VOTES_{n}" for n in placeholders)
        checks.append(Check(False, f"{names} 仍是示例文件中的 {PLACEHOLDER}，请从密钥库设置随机值",
                            f"{names} still {PLACEHOLDER} as in the example file: set a random "
                            f"value from the secret store"))
    # A short one is guessed: the session key by trying keys on one staff cookie, the
    # passphrase on a copy of the key folder (a backup, the shared mount). The value itself
    # is never printed.
    short = [n for n in ("SECRET_KEY", "KEY_PASSPHRASE") if n not in placeholders
             and len(str(app.config.get(n) or "").strip()) < MIN_SECRET_CHARS]
    if short:
        names = ", ".join(f"VOTES_{n}" for n in short)
        checks.append(Check(False, f"{names} 太短，容易被猜中：须至少 {MIN_SECRET_CHARS} 个字符，"
                                   f"请从密钥库设置随机值（见 deploy/votes.env.example）",
                            f"{names} too short to be secret: at least {MIN_SECRET_CHARS} "
                            f"characters, a random value from the secret store (see "
                            f"deploy/votes.env.example)"))
    try:
        ok = len(base64.b64decode(app.config["DATA_KEY"], validate=True)) == 32
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        checks.append(Check(False, "VOTES_DATA_KEY 必须是 32 字节的 base64 编码",
                            "VOTES_DATA_KEY must be 32 bytes, base64-encoded"))
    return checks or [Check(True, "密钥已设置", "secrets are set")]


def _guessable_key(raw: bytes) -> bool:
    """32 bytes no generator of random keys gives: fewer than 16 distinct values (a random
    key has about 30; fewer than 16 comes once in far more than 2^100 keys), or every byte a
    printable ASCII character (a phrase base64-encoded: once in 2^45)."""
    return len(set(raw)) < 16 or all(0x20 <= b < 0x7F for b in raw)


def data_key_strength(app: Flask, encrypted: bool) -> list[Check]:
    # Whoever guesses it opens every owner's name, ID number and phone in a copy of the
    # database (a backup, a dump) and makes voting links. The value is never printed.
    try:
        raw = base64.b64decode(app.config["DATA_KEY"], validate=True)
    except (binascii.Error, ValueError):
        return []  # not a key at all: the secrets' check says so
    if len(raw) != 32 or not _guessable_key(raw):
        return []
    if encrypted:
        # Told, not failing: no command re-encrypts the stored data under a new key, and
        # the unit runs doctor before every start.
        return [Check(True, "VOTES_DATA_KEY 不像随机生成的密钥（字节大量重复，或全是可打印字符），"
                            "容易被猜中；但数据库中已有用它加密的资料，换用新密钥将无法打开：请严格保管"
                            "此密钥及数据库的每份副本",
                      "VOTES_DATA_KEY does not look randomly generated (its bytes repeat, or "
                      "are all printable characters), so it may be guessed; but the stored "
                      "data is encrypted with it and a new key would not open it: guard this "
                      "key and every copy of the database closely", warning=True)]
    return [Check(False, "VOTES_DATA_KEY 不像随机生成的密钥（字节大量重复，或全是可打印字符），容易被"
                         "猜中；请在首次导入名册之前，用 deploy/votes.env.example 中的命令生成并从"
                         "密钥库设置",
                  "VOTES_DATA_KEY does not look randomly generated (its bytes repeat, or are "
                  "all printable characters), so it may be guessed: before the first roll "
                  "import, generate one with the command in deploy/votes.env.example and set "
                  "it from the secret store")]
