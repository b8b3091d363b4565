"""Mutated bundles for fuzzing the verifier: byte damage, edited values, ZIP tricks, and
ballots re-signed with an attacker's key. Shared by tests/security/test_verifier_fuzz.py and
bench/fuzz_verify.py."""

from __future__ import annotations

import io
import json
import random
import zipfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import Story, files_of, good_story
from votes.core import signing
from votes.core.canonical import canonical_bytes, digest_hex

ATTACKER = Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32)
NAMES = ("manifest.json", "manifest.sig", "proposal.json", "roll.json", "chain.jsonl",
         "tally.json", "ballots.csv", "report.txt")


def originals() -> list[bytes]:
    """Genuine bundles to mutate: closed, interim, one change allowed."""
    changed = Story()
    changed.proposal["max_changes"] = 1
    changed.genesis().device("v-a", "2026-12-01T02:00:00Z") \
        .online("v-a", "agree", "2026-12-01T02:00:00Z") \
        .online("v-a", "disagree", "2026-12-02T02:00:00Z", nonce="n2").close()
    # (The owner changes their own online ballot: a paper entry may not supersede it, §16.)
    interim = Story().genesis().paper("v-b", "agree", "2026-12-01T02:00:00Z")
    return [good_story().bundle(), changed.bundle(), interim.bundle()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                z.writestr(name, data)
    return out.getvalue()


def _random_value(rng: random.Random):
    return rng.choice([0, 1, -1, 2**53, 2**63, True, False, None, "", "x", "agree", 1.5,
                       [], {}, "0" * 64, "2026-12-01T02:00:00Z", "v-a", ["u1"], {"a": 1}])


def _mutate_json(rng: random.Random, value):
    """Replace, delete or add one field somewhere inside value."""
    containers = []

    def walk(node):
        if isinstance(node, dict):
            containers.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            containers.append(node)
            for v in node:
                walk(v)

    walk(value)
    if not containers:
        return _random_value(rng)
    node = rng.choice(containers)
    if isinstance(node, dict):
        if node and rng.random() < 0.7:
            key = rng.choice(list(node))
            if rng.random() < 0.2:
                del node[key]
            else:
                node[key] = _random_value(rng)
        else:
            node[rng.choice(["extra", "seq", "kind", "v"])] = _random_value(rng)
    else:
        if node and rng.random() < 0.5:
            node[rng.randrange(len(node))] = _random_value(rng)
        elif node and rng.random() < 0.5:
            node.pop(rng.randrange(len(node)))
        else:
            node.append(_random_value(rng))
    return value


def _encode(rng: random.Random, value) -> bytes:
    try:
        if rng.random() < 0.85:
            return canonical_bytes(value)
    except TypeError:
        pass
    return json.dumps(value, ensure_ascii=rng.random() < 0.5,
                      indent=rng.choice([None, 1])).encode()


def _edit_member(rng: random.Random, name: str, data: bytes) -> bytes:
    if name == "chain.jsonl":
        lines = data.split(b"\n")[:-1]
        op = rng.randrange(7)
        if op == 0 and len(lines) > 1:
            i, j = rng.sample(range(len(lines)), 2)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 1 and lines:
            lines.pop(rng.randrange(len(lines)))
        elif op == 2 and lines:
            lines.insert(rng.randrange(len(lines)), rng.choice(lines))
        elif op == 3:
            return data.rstrip(b"\n")
        elif op == 4:
            return data.replace(b"\n", b"\r\n")
        elif lines:
            i = rng.randrange(len(lines))
            try:
                lines[i] = _encode(rng, _mutate_json(rng, json.loads(lines[i])))
            except ValueError:
                pass
        return b"".join(line + b"\n" for line in lines)
    if name.endswith(".json"):
        return _encode(rng, _mutate_json(rng, json.loads(data)))
    buf = bytearray(data or b"\0")
    buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _resign(files: dict[str, bytes], key) -> dict[str, bytes]:
    """Re-digest the files and re-sign the manifest with key (its own, listed)."""
    try:
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = {n: digest_hex(files[n]) for n in NAMES[2:]}
        kid = signing.key_id(key.public_key())
        manifest["keys"] = signing.KeyRing({kid: key.public_key()}).to_json_obj()["keys"]
        manifest["key_id"] = kid
        files["manifest.json"] = canonical_bytes(manifest)
        files["manifest.sig"] = signing.sign(key, files["manifest.json"]).encode()
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    return files


def _reseal_chain(data: bytes, key) -> bytes:
    """Re-link and re-sign every parsable entry with key (the attacker's rewrite)."""
    from votes.core import chain

    out, prev = [], chain.GENESIS_PREV
    kid = signing.key_id(key.public_key())
    for raw in data.split(b"\n"):
        if not raw:
            continue
        try:
            entry = dict(json.loads(raw)["entry"], prev=prev, key_id=kid)
            sealed = chain.seal(entry, key)
        except (ValueError, TypeError, KeyError, AttributeError):
            out.append(raw + b"\n")
            continue
        out.append(sealed.to_line() + b"\n")
        prev = sealed.digest
    return b"".join(out)


def mutate(rng: random.Random, original: bytes) -> bytes:
    """One mutant of a genuine bundle."""
    kind = rng.randrange(10)
    if kind < 3:  # raw damage to the ZIP bytes
        buf = bytearray(original)
        for _ in range(rng.choice([1, 1, 2, 8])):
            if not buf:
                buf = bytearray(b"PK")
            op, i = rng.randrange(5), rng.randrange(len(buf))
            if op == 0:
                buf[i] ^= 1 << rng.randrange(8)
            elif op == 1:
                buf[i] = rng.randrange(256)
            elif op == 2:
                buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
            elif op == 3:
                del buf[i:i + rng.randrange(1, 64)]
            else:
                del buf[i:]
        return bytes(buf)
    files = files_of(original)
    if kind == 3:  # ZIP members: extra, duplicate, missing, traversal, renamed
        members = list(files.items())
        op = rng.randrange(5)
        if op == 0:
            members.append((rng.choice(["pad", "../x", "/etc/x", "a/../roll.json", "ROLL.JSON",
                                        "roll.json/", "chain.jsonl\0"]), b"data"))
        elif op == 1:
            members.append(rng.choice(members))
        elif op == 2:
            members.pop(rng.randrange(len(members)))
        elif op == 3:
            i = rng.randrange(len(members))
            members[i] = ("./" + members[i][0], members[i][1])
        else:
            i = rng.randrange(len(members))
            members[i] = (members[i][0], members[i][1] + b"\0" * rng.randrange(1, 5000))
        return _zip(members)
    name = rng.choice(NAMES)
    files[name] = _edit_member(rng, name, files[name])
    if kind >= 7:  # an attacker re-signs everything with their own key
        files["chain.jsonl"] = _reseal_chain(files["chain.jsonl"], ATTACKER)
        files = _resign(files, ATTACKER)
    return _zip(sorted(files.items()) if rng.random() < 0.8 else list(files.items()))


def same_content(a: bytes, b: bytes) -> bool:
    """True when two ZIPs hold the same members with the same bytes (framing aside)."""
    try:
        with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
            if sorted(za.namelist()) != sorted(zb.namelist()):
                return False
            return all(za.read(n) == zb.read(n) for n in za.namelist())
    except Exception:  # noqa: BLE001 - a mutant that zipfile cannot read differs
        return False


def judged(mutant: bytes):
    """The verifier's report on a mutant, which it must give without raising, within 5 s of
    CPU, every failure a numbered step's and none a step that could not be completed."""
    import time

    from tests.bundles import KEY_ID
    from votes.core.verifier import verify_bundle

    started = time.process_time()
    report = verify_bundle(mutant, key_ids=[KEY_ID])  # must not raise
    assert time.process_time() - started < 5
    for failure in report.failures:
        assert failure.step[0].isdigit() and "cannot be completed" not in failure.message, \
            failure
    return report
