"""The witness's pinned keys file, as an attacker who can write odd bytes into it (or swap it
for something that is not a file) or publish a rotated key would: every odd content is a
PinError (the witness cosigns nothing that round, never a traceback), and a key the
operator did not pin is never trusted, whatever key id it claims."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing
from votes.core.verifier_base import fingerprint
from votes.witness.pins import MAX_KEYS_FILE, PinError, Pins, parse_fingerprint, unpinned

SERVER = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32).public_key()
ROGUE = Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32).public_key()


def _entry(key, kid=None, public=None, alg="Ed25519") -> dict:
    return {"key_id": kid or signing.key_id(key), "alg": alg,
            "public_key": public or signing.public_key_b64(key)}


def _good() -> bytes:
    return json.dumps({"keys": [_entry(SERVER)]}).encode()


ODD = {
    "empty": b"",
    "two byte order marks": b"\xef\xbb\xbf\xef\xbb\xbf" + _good(),
    "utf16": _good().decode().encode("utf-16"),
    "random": os.urandom(4096),
    "nul": b"\x00" * 100,
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "huge int": b'{"keys": [], "x": ' + b"9" * 10_000 + b"}",
    "float": b'{"keys": [], "x": 1.5}',
    "nan": b'{"keys": [], "x": NaN}',
    "duplicate": b'{"keys": [], "keys": []}',
    "keys not a list": b'{"keys": "ed25519:abc"}',
    "list": b"[]",
    "string": b'"keys"',
    "entry not an object": b'{"keys": [1]}',
    "missing alg": json.dumps({"keys": [{"key_id": "x", "public_key": "y"}]}).encode(),
    "wrong alg": json.dumps({"keys": [_entry(SERVER, alg="ed25519")]}).encode(),
    "kid of another key": json.dumps({"keys": [_entry(ROGUE, kid=signing.key_id(SERVER))]})
    .encode(),
    "non-canonical base64": json.dumps({"keys": [_entry(SERVER, public=base64.b64encode(
        signing.public_key_b64(SERVER).encode()).decode())]}).encode(),
    "listed twice": json.dumps({"keys": [_entry(SERVER), _entry(SERVER)]}).encode(),
    "short key": json.dumps({"keys": [_entry(SERVER, public=base64.b64encode(b"x" * 31)
                                             .decode())]}).encode(),
    "too large": b'{"keys": [' + b" " * MAX_KEYS_FILE + b"]}",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_keys_files_are_a_pin_error(tmp_path, name):
    path = tmp_path / "keys.json"
    path.write_bytes(ODD[name])
    with pytest.raises(PinError):
        Pins(keys_file=path).file_keys()


def test_a_byte_order_mark_changes_nothing_that_is_pinned(tmp_path):
    """One leading UTF-8 BOM, as a Windows editor saves it, is the same file (spec §6)."""
    path = tmp_path / "keys.json"
    path.write_bytes(b"\xef\xbb\xbf" + _good())
    assert list(Pins(keys_file=path).file_keys().keys) == [signing.key_id(SERVER)]


def test_a_keys_file_that_is_not_a_file_is_a_pin_error(tmp_path):
    with pytest.raises(PinError):
        Pins(keys_file=tmp_path).file_keys()  # a directory
    with pytest.raises(PinError):
        Pins(keys_file=tmp_path / "missing.json").file_keys()


def test_the_good_file_and_nothing_else_is_trusted(tmp_path):
    path = tmp_path / "keys.json"
    path.write_bytes(_good())
    pins = Pins(keys_file=path)
    file_keys = pins.file_keys()
    assert list(file_keys.keys) == [signing.key_id(SERVER)]
    # The app publishes a rotated key the operator has not pinned: not trusted, reported.
    published = signing.KeyRing({signing.key_id(SERVER): SERVER,
                                 signing.key_id(ROGUE): ROGUE})
    trusted = pins.trusted(file_keys, published)
    assert set(trusted.keys) == {signing.key_id(SERVER)}
    assert unpinned(published, trusted) == [(signing.key_id(ROGUE), fingerprint(ROGUE))]
    # The rogue key published under the pinned key's id: the pinned bytes win, and the
    # substitution is reported.
    swapped = signing.KeyRing({signing.key_id(SERVER): ROGUE})
    trusted = pins.trusted(file_keys, swapped)
    assert signing.public_key_b64(trusted.get(signing.key_id(SERVER))) == \
        signing.public_key_b64(SERVER)
    assert unpinned(swapped, trusted) == [(signing.key_id(SERVER), fingerprint(ROGUE))]


def test_a_fingerprint_pin_trusts_only_that_key():
    pins = Pins(fingerprints=frozenset({fingerprint(SERVER)}))
    published = signing.KeyRing({signing.key_id(ROGUE): ROGUE,
                                 signing.key_id(SERVER): SERVER})
    assert set(pins.trusted(pins.file_keys(), published).keys) == {signing.key_id(SERVER)}
    # A rogue key claiming the pinned key's id is not the pinned fingerprint.
    claimed = signing.KeyRing({signing.key_id(SERVER): ROGUE})
    assert pins.trusted(pins.file_keys(), claimed).keys == {}


@pytest.mark.parametrize("text", ["", "xyz", "0" * 63, "0" * 65, "g" * 64, "０" * 64,
                                  "0" * 64 + "\n0", "٠" * 64])
def test_odd_fingerprints_are_refused(text):
    with pytest.raises(PinError):
        parse_fingerprint(text)
    with pytest.raises(PinError):
        Pins()
