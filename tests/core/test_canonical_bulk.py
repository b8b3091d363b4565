"""The fast paths of canonical encoding and of the stored chain lines give the same bytes
and the same refusals as the full check (issue 8: 100,000 entries per export)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from votes.core.canonical import canonical_bytes
from votes.core.chain import SealedEntry, next_entry, seal
from votes.core.tally import Choice


@pytest.mark.parametrize("value, path", [
    ({"a": [1, {"b": 2.5}]}, "$.a[1].b"),
    ({"a": (1, {2: "x"})}, "$.a[1]"),
    ([None, True, {"k": object()}], "$[2].k"),
    ({"deep": [[[float("nan")]]]}, "$.deep[0][0][0]"),
])
def test_anything_not_allowed_is_refused_with_its_path(value, path):
    with pytest.raises(TypeError) as err:
        canonical_bytes(value)
    assert str(err.value).startswith(path + ":")


def test_subclasses_of_allowed_types_are_encoded_as_before():
    # Enums of str are str: the full check accepts them, so the fast path must not refuse.
    data = canonical_bytes({"choice": Choice.AGREE, "n": [True, 3, None, ("t", "u")]})
    assert data == b'{"choice":"agree","n":[true,3,null,["t","u"]]}'


def test_plain_values_encode_as_sorted_compact_json():
    value = {"z": [1, {"y": "楼", "x": None}], "a": {"c": True, "b": -7}}
    assert canonical_bytes(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def test_a_stored_line_is_exported_as_stored_and_reads_as_the_same_entry():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    sealed = seal(next_entry(None, proposal="p", kind="genesis", time="2026-12-01T01:00:00Z",
                             key_id="k", body={"楼": 1}), key)
    line = sealed.to_line().decode("utf-8")
    stored = SealedEntry.from_stored(line)
    assert stored == sealed == SealedEntry.from_line(line)
    assert stored.to_line() == sealed.to_line() == line.encode("utf-8")
    assert SealedEntry.from_line(line).stored is None
    changed = dataclasses.replace(stored, entry={**stored.entry, "seq": 5})
    assert changed.to_line() != stored.to_line() and b'"seq":5' in changed.to_line()
