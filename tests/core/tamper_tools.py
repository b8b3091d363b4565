"""Byte-level and insider edits of test bundles, shared by the verifier's tests."""

from __future__ import annotations

import io
import json
import struct
import zipfile

from tests.bundles import KEY_ID, SERVER, files_of
from votes.core import chain, signing
from votes.core.canonical import canonical_bytes, digest_hex
from votes.core.verifier import verify_bundle


def verify(bundle, **kwargs):
    """Verify with the genuine server key as the anchor unless told otherwise."""
    if not {"trusted_keys", "key_ids", "fingerprints", "trust_bundle_keys"} & set(kwargs):
        kwargs["key_ids"] = [KEY_ID]
    return verify_bundle(bundle, **kwargs)


def failures(story) -> list[tuple[str, int | None, str]]:
    """A tests.bundles.Story closed and verified: each failure's (step, entry, message)."""
    report = verify(story.close().bundle())
    return [(f.step, f.entry, f.message) for f in report.failures]


class WellTyped:
    """A chain as a check over all of its entries reads it: only the well-typed entries,
    in order (a step tested against the spec's text without a bundle)."""

    def __init__(self, entries: list[dict]):
        self._entries = list(enumerate(entries))

    def entries(self, kind=None):
        assert kind is None
        return self._entries


def steps(bundle, **kwargs) -> set[str]:
    report = verify(bundle, **kwargs)
    assert not report.ok and report.outcome == "failed", report.render()
    text = report.render()
    assert "Traceback" not in text and "Error" not in text, text
    for failure in report.failures:
        assert str(failure).startswith(f"[{failure.step}]")
    return {f.step for f in report.failures}


def zip_members(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return out.getvalue()


def resign(files: dict[str, bytes], key=SERVER) -> dict[str, bytes]:
    """Fix the manifest's digests, head and length and re-sign it (an insider's edit),
    without assuming the chain parses."""
    files = dict(files)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: digest_hex(files[n]) for n in manifest["files"]}
    lines = [x for x in files["chain.jsonl"].split(b"\n") if x]
    try:
        manifest["chain_head"] = json.loads(lines[-1])["digest"] if lines else None
    except ValueError:
        pass
    manifest["chain_length"] = len(lines)
    if key is not SERVER:
        kid = signing.key_id(key.public_key())
        manifest["keys"] = signing.KeyRing({kid: key.public_key()}).to_json_obj()["keys"]
        manifest["key_id"] = kid
    files["manifest.json"] = canonical_bytes(manifest)
    files["manifest.sig"] = signing.sign(key, files["manifest.json"]).encode()
    return files


def rebundle(files: dict[str, bytes], key=SERVER) -> bytes:
    return zip_members(sorted(resign(files, key).items()))


def reseal_lines(lines: list[dict], key=SERVER) -> bytes:
    """chain.jsonl from entries edited in place, re-linked, re-digested and re-signed."""
    out, prev = [], chain.GENESIS_PREV
    kid = signing.key_id(key.public_key())
    for entry in lines:
        entry = dict(entry, prev=prev, key_id=kid)
        sealed = chain.seal(entry, key)
        out.append(sealed.to_line() + b"\n")
        prev = sealed.digest
    return b"".join(out)


def entries_of(bundle: bytes) -> list[dict]:
    return [json.loads(x)["entry"] for x in files_of(bundle)["chain.jsonl"].splitlines()]


def set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Make the central directory claim `size` uncompressed bytes for member `name`."""
    buf = bytearray(data)
    pos = 0
    target = name.encode()
    while True:
        pos = buf.find(b"PK\x01\x02", pos)
        if pos < 0:
            raise ValueError(name)
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46:pos + 46 + name_len]) == target:
            struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
        pos += 4
