"""Steps 1.4–4: canonical bytes, types, file digests, manifest, keys and anchor, chain links."""

from __future__ import annotations

import base64
from typing import Iterable, Iterator

from votes.core import signing
from votes.core.bundle import FORMAT, FORMAT_V2, OLDER_FORMATS, SPEC_VERSIONS
from votes.core.bundle_types import (KEYS_FILE, MANIFEST, MANIFEST_WITNESSED, PROPOSAL,
                                     ROLL, TALLY_FILE, entry_type_errors, tally_file_spec,
                                     type_errors)
from votes.core.bundle_types_v2 import ROLL_V2, entry_type_errors_v2
from votes.core.bundle_zip import MAX_JSON
from votes.core.canonical import (CanonicalError, check_depth, digest_hex, parse_canonical,
                                  parse_time, read_json)
from votes.core.chain import GENESIS_PREV, VERSION, entry_digest
from votes.core.verifier_base import (Anchor, _Bundle, _Run, canonical_b64, canonical_b64_bytes,
                                     fingerprint, unread)

SERVER_ALG = "Ed25519"
# -- step 1.4 / 1.5: canonical bytes, types ------------------------------------------------

# Lines of chain.jsonl (or witness.jsonl) that fail 1.4 or 1.5 (10.1) after which the file
# is not read further (§5, "What a failure skips"): 256 MiB of newlines deflate to a
# quarter of a megabyte, and as many failures, each kept with its line, would take hours
# and more memory than the regulator's computer has. An honest chain has none.
BAD_LINES = 1000


def split_lines(data: bytes):
    """The lines of a file of lines, each without its newline (none after the last one),
    one at a time: data.split would make a list as long as the file has newlines."""
    start, end = 0, len(data)
    while start < end:
        stop = data.find(b"\n", start)
        if stop < 0:
            stop = end
        yield data[start:stop]
        start = stop + 1


def _parse_files(b: _Bundle, run: _Run) -> None:
    data = b.files["chain.jsonl"]
    manifest = MANIFEST_WITNESSED if "witness.jsonl" in b.files else MANIFEST
    roll = ROLL
    for name, spec, attr in (("manifest.json", manifest, "manifest"),
                             ("proposal.json", PROPOSAL, "proposal"),
                             ("roll.json", None, "roll"), ("tally.json", TALLY_FILE, "tally_file")):
        try:
            value = parse_canonical(b.files[name])
        except CanonicalError as exc:
            run.fail("1.4", f"{name} 不是规范 JSON / {name}: {exc}")
            continue
        if name == "manifest.json" and type(value) is dict and value.get("format") == FORMAT_V2:
            b.version, roll = 2, ROLL_V2  # typed by the rules of version 2 (§9.1)
        if spec is None:
            spec = roll
        if spec is TALLY_FILE:
            spec = tally_file_spec(value)
        errors = type_errors(value, spec, name)
        for error in errors:
            run.fail("1.5", f"{name} 字段类型不符 / {error}")
        if not errors:
            setattr(b, attr, value)
    if data and not data.endswith(b"\n"):
        run.fail("1.4", "chain.jsonl 未以换行结尾 / chain.jsonl does not end with a newline")
    # Read here, not in the pool of --jobs: sending 100,000 parsed lines back from other
    # processes cost more CPU than reading them (measured on 2 cores; docs/performance.md).
    bad = 0
    keys = _raw_keys(b.manifest) if run.signatures.pool is not None else None
    for n, (line, problem, errors, digest) in enumerate(_read_lines(split_lines(data),
                                                                    b.version)):
        if keys and problem is None and not errors:
            _sign_ahead(run, keys, n, line, digest)
        if problem is not None or errors:
            bad += 1
            if bad > BAD_LINES:
                run.fail("1.4", f"chain.jsonl 有超过 {BAD_LINES} 行未通过第 1.4 或 1.5 步，"
                                f"自第 {n + 1} 行起不再读取 / more than {BAD_LINES} lines of "
                                f"chain.jsonl fail step 1.4 or 1.5: it is not read further "
                                f"(from line {n + 1} on)")
                b.unread = True
                return
        if problem is not None:
            run.fail("1.4", f"chain.jsonl 第 {n + 1} 行不是规范 JSON / line {n + 1} of "
                            f"chain.jsonl: {problem}", n)
        for error in errors:
            run.fail("1.5", f"chain.jsonl 第 {n + 1} 行字段类型不符 / chain.jsonl line "
                            f"{n + 1}: {error}", n)
        b.lines.append(line)
        b.typed.append(problem is None and not errors)
        b.digests.append(digest)


def _raw_keys(manifest: dict | None) -> dict[str, bytes]:
    """The manifest's keys that step 4.4 may check with, as raw bytes, taken at face value:
    only a guess of step 3's keyring (see _sign_ahead)."""
    if manifest is None:
        return {}
    raw = {item["key_id"]: canonical_b64_bytes(item["public_key"], 32)
           for item in manifest["keys"] if item["alg"] == SERVER_ALG}
    return {kid: key for kid, key in raw.items() if key is not None}


def _sign_ahead(run: _Run, keys: dict[str, bytes], n: int, line: dict, digest: str) -> None:
    """Send step 4.4's check of a well-typed line to the pool while the chain is still read
    (with --jobs the other cores were idle until step 4): the task _check_links will bring,
    if the guessed key is the one step 3 trusts. It checks a task equal to this one or
    this one is not used, so a wrong guess costs time, never a verdict."""
    raw = keys.get(line["entry"]["key_id"])
    sig = canonical_b64_bytes(line["sig"], 64) if raw is not None else None
    if sig is not None:
        run.signatures.ahead(n, ("ed25519", raw, sig, digest.encode("ascii")))


def _read_lines(raw_lines: Iterable[bytes], version: int) -> Iterator[tuple]:
    """Steps 1.4 and 1.5 for some lines of chain.jsonl, each on its own, typed by the rules
    of the bundle's spec version: (parsed line or None, why it is not canonical or None, its
    type errors, the entry's recomputed digest or None), one line at a time. Pure."""
    entry_errors = entry_type_errors_v2 if version == 2 else entry_type_errors
    for raw in raw_lines:
        if len(raw) > MAX_JSON:
            yield None, f"longer than {MAX_JSON:,} bytes: not read", [], None
            continue
        try:
            line = parse_canonical(raw, check_depth=False)
            errors = entry_errors(line)
            # A well-typed line's depth is bounded by its type, except a works entry's:
            # its `data` is any object (typed by its stage in 18.1).
            if errors or line["entry"]["kind"] == "works":
                check_depth(line)
        except CanonicalError as exc:
            yield None, str(exc), [], None
            continue
        if not errors and line["entry"]["v"] != VERSION:
            errors = [f"$.entry.v must be {VERSION}"]
        if not errors:
            digest = digest_hex(_entry_bytes(raw))
        else:
            entry = line.get("entry") if isinstance(line, dict) else None
            digest = entry_digest(entry) if isinstance(entry, dict) else None
        yield line, None, errors, digest


_ENTRY_START = len('{"digest":"') + 64 + len('","entry":')


def _entry_bytes(line: bytes) -> bytes:
    """The canonical bytes of a canonical, well-typed line's entry, cut from the line itself
    (keys are sorted: digest, entry, sig; a string cannot hold an unescaped `,"sig":`)."""
    return line[_ENTRY_START:line.rindex(b',"sig":')]


# -- steps 2 and 3: digests, manifest, keys, anchor ----------------------------------------

def _check_digests(b: _Bundle, run: _Run) -> None:
    if b.manifest is None:
        run.skip("2.1", unread("manifest.json"))
        return
    for name, expected in b.manifest["files"].items():
        if expected != digest_hex(b.files[name]):
            run.fail("2.1", f"{name} 的 SHA-256 摘要与清单不符 / {name}: SHA-256 does not "
                            "match the manifest")


def _load_keys(items: list, run: _Run | None, step: str = "3.1") -> signing.KeyRing:
    keys = {}
    for item in items:
        kid = item["key_id"]
        problem = None
        if item["alg"] != SERVER_ALG:
            problem = (f"密钥 {kid[:40]} 的算法 {item['alg'][:20]!r} 不是 {SERVER_ALG!r}",
                       f"key {kid[:40]}: alg {item['alg'][:20]!r} is not exactly "
                       f"{SERVER_ALG!r}")
        elif kid in keys:
            problem = f"密钥 {kid[:40]} 列出两次", f"key {kid[:40]} is listed twice"
        else:
            try:
                if not canonical_b64(item["public_key"], 32):
                    raise ValueError("not canonical base64")
                public = signing.load_public_key_b64(item["public_key"])
                if signing.public_key_b64(public) != item["public_key"] or \
                        signing.key_id(public) != kid:
                    problem = (f"密钥编号 {kid[:40]} 与其公钥不符",
                               f"key id {kid[:40]} does not match its public key")
                else:
                    keys[kid] = public
            except ValueError:
                problem = (f"密钥 {kid[:40]} 的 public_key 不是 base64 编码的 Ed25519 公钥",
                           f"key {kid[:40]}: public_key is not a base64 Ed25519 key")
        if problem:
            if run is None:  # a keys file (--keys, a witness's pins): its callers' English
                raise ValueError(problem[1])
            run.fail(step, " / ".join(problem))
    return signing.KeyRing(keys)


def load_keys_file(data: bytes) -> signing.KeyRing:
    """A --keys file: {"keys": [{"key_id", "alg": "Ed25519", "public_key"}]}, as served at
    /.well-known/votes-keys.json (any JSON layout; duplicate keys and floats refused; a
    leading UTF-8 byte order mark ignored, as editors on Windows add one on saving)."""
    value = read_json(data)
    errors = type_errors(value, KEYS_FILE, "keys file")
    if errors:
        raise ValueError("; ".join(errors))
    return _load_keys(value["keys"], None)


def _check_manifest(b: _Bundle, anchor: Anchor, run: _Run,
                    allow_formats: tuple[str, ...] = ()) -> None:
    m = b.manifest
    if m is None:
        run.skip("3.1–3.4", unread("manifest.json"))
        return
    bundle_keys = _load_keys(m["keys"], run)
    b.signer = m["key_id"]
    signer = bundle_keys.get(m["key_id"])
    if signer is None:
        run.fail("3.1", f"清单的签名密钥 {m['key_id'][:40]} 不在清单所列密钥中 / manifest "
                        f"signer {m['key_id'][:40]} is not among its keys")
    elif not _sig_ok(signer, b.files["manifest.json"], b.files["manifest.sig"]):
        run.fail("3.2", "清单的签名验证失败 / manifest signature does not verify")
    b.keyring = _anchor_keys(bundle_keys, anchor, run)
    b.anchored = anchor.given and signer is not None and m["key_id"] in b.keyring.keys
    fmt = m["format"]
    if fmt not in SPEC_VERSIONS:
        run.fail("3.4", f"导出包格式 {fmt[:40]!r} 既不是 {FORMAT!r} 也不是 {FORMAT_V2!r} / "
                        f"format {fmt[:40]!r} is neither {FORMAT!r} nor {FORMAT_V2!r}")
    elif fmt in OLDER_FORMATS and fmt not in allow_formats:
        run.fail("3.4", f"导出包格式 {fmt!r} 是旧格式，按规范第 {SPEC_VERSIONS[fmt]} 版的规则"
                        "核对，不含第 15–19 步（更正、议事规则、异议、工程、从多）；除非您预期的"
                        f"就是该格式的导出包（--allow-format {fmt}），否则不予接受 / "
                        f"format {fmt!r} is an older format, checked by the rules of version "
                        f"{SPEC_VERSIONS[fmt]} of the specification, without steps 15–19 "
                        "(corrections, rules of procedure, objections, works, 从多); refused "
                        f"unless you expect a bundle of that format: --allow-format {fmt}")
    if b.proposal is not None and m["proposal"] != b.proposal["uid"]:
        run.fail("3.4", "清单所载事项编号与 proposal.json 的 uid 不同 / manifest proposal "
                        "differs from proposal.json's uid")
    times = [e["time"] for _, e in b.entries()]
    if times and parse_time(m["created_at"]) < parse_time(max(times)):
        run.fail("3.4", f"导出时间 created_at {m['created_at']} 早于链中最后一条记录的时间 / "
                        f"created_at {m['created_at']} is earlier than the chain's last entry")


def _sig_ok(key, data: bytes, sig) -> bool:
    if isinstance(sig, bytes):
        try:
            sig = sig.decode("ascii")
        except UnicodeDecodeError:
            return False
    return isinstance(sig, str) and canonical_b64(sig, 64) and signing.verify(key, data, sig)


def _anchor_keys(bundle_keys: signing.KeyRing, anchor: Anchor, run: _Run) -> signing.KeyRing:
    """The bundle's keys the anchor vouches for (all of them, failing 3.3 if any is not)."""
    if not anchor.given or anchor.trust_bundle_keys:
        return bundle_keys
    vouched = {}
    for kid, key in bundle_keys.keys.items():
        if anchor.keys is not None:
            known = anchor.keys.get(kid)
            ok = known is not None and signing.public_key_b64(known) == \
                signing.public_key_b64(key)
        else:
            ok = False
        ok = ok or kid in anchor.key_ids or fingerprint(key) in anchor.fingerprints
        if ok:
            vouched[kid] = key
        else:
            fp = fingerprint(key)
            run.fail("3.3", f"密钥 {kid}（指纹 {fp}）不是您信任的密钥 / key {kid} "
                            f"(fingerprint {fp}) is not one you trust")
    return signing.KeyRing(vouched)


# -- step 4: the chain's links --------------------------------------------------------------

BAD_SERVER_SIG = "服务器签名验证失败 / server signature does not verify"


def _check_links(b: _Bundle, run: _Run) -> None:
    uid = b.uid
    if uid is None:
        run.skip("4.5", unread("proposal.json"))
    if b.manifest is None:
        run.skip("4.4, 4.6", "manifest.json 未通过第 1.4 或 1.5 步，没有可用于核对的密钥 / "
                             "manifest.json failed step 1.4 or 1.5: no keys to check with")
    prev = GENESIS_PREV
    raw_keys: dict[str, bytes] = {}  # key id → raw public key, encoded once per key
    for n, line in enumerate(b.lines):
        entry = line.get("entry") if isinstance(line, dict) else None
        if not isinstance(entry, dict):
            prev = None  # the next entry's prev cannot be checked against an unreadable one
            continue
        seq = entry.get("seq")
        if type(seq) is not int or seq != n:
            run.fail("4.1", f"记录序号为 {str(seq)[:20]}，应为 {n} / sequence number "
                            f"{str(seq)[:20]} where {n} was expected", n)
        if prev is None:
            run.fail("4.2", "前一条记录无法读取（1.4），prev 无从核对 / the entry before it "
                            "is unreadable (1.4), so prev cannot match", n)
        elif entry.get("prev") != prev:
            run.fail("4.2", "prev 不是前一条记录重算的摘要 / prev is not the recomputed "
                            "digest of the entry before it", n)
        if line.get("digest") != b.digests[n]:
            run.fail("4.3", "digest 与记录内容不符 / digest does not match the entry's "
                            "content", n)
        if b.manifest is not None:
            kid = entry.get("key_id")
            key = b.keyring.get(kid) if isinstance(kid, str) else None
            sig = line.get("sig")
            sig = canonical_b64_bytes(sig, 64) if isinstance(sig, str) else None
            if key is None:
                run.fail("4.4", f"签名密钥 {str(kid)[:40]} 未知或不受信任 / signing key "
                                f"{str(kid)[:40]} is unknown or not trusted", n)
            elif sig is None:
                run.fail("4.4", BAD_SERVER_SIG, n)
            else:
                raw = raw_keys.get(kid)
                if raw is None:
                    raw = raw_keys[kid] = base64.b64decode(signing.public_key_b64(key))
                run.signature("4.4", n, BAD_SERVER_SIG, (
                    "ed25519", raw, sig, b.digests[n].encode("ascii")), ahead=n)
        if uid is not None and entry.get("proposal") != uid:
            run.fail("4.5", "记录属于另一事项 / entry belongs to another proposal", n)
        prev = b.digests[n]
    if b.manifest is not None and (b.manifest["chain_head"] != (b.digests[-1] if b.digests
                                                                 else None)
                                   or b.manifest["chain_length"] != len(b.lines)):
        run.fail("4.6", "链头或记录条数与清单不符 / chain head or length differs from the "
                        "manifest")


# -- step 5: genesis, proposal, rules --------------------------------------------------------
