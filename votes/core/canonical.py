"""Canonical encoding: the exact bytes every digest and signature is computed over.

UTF-8 JSON, object keys sorted by code point, no whitespace, non-ASCII kept as UTF-8,
only objects, arrays, strings, integers, booleans and null — never floats.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _check(value, path: str = "$") -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed in canonical JSON")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings, got {key!r}")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in canonical JSON")


_PLAIN = frozenset({str, int, bool, type(None)})


def _plain(value) -> bool:
    """True when value holds only exact str/int/bool/None, dicts with str keys, lists and
    tuples: the common case, checked without building paths (a chain has 100,000 entries).
    False sends the value to _check, which accepts subclasses or names what is wrong."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        else:
            return False
    return True


def canonical_bytes(obj) -> bytes:
    """The canonical UTF-8 JSON encoding of obj (TypeError for anything not allowed)."""
    if not _plain(obj):
        _check(obj)
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def digest_hex(data: bytes) -> str:
    """SHA-256 of data as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def canonical_digest(obj) -> str:
    """SHA-256 hex of the canonical encoding of obj."""
    return digest_hex(canonical_bytes(obj))


def format_time(dt: datetime | None) -> str:
    """An aware datetime as 'YYYY-MM-DDTHH:MM:SSZ' in UTC (seconds, no fraction)."""
    if dt is None:
        return ""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return dt.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Parse 'YYYY-MM-DDTHH:MM:SSZ' into an aware UTC datetime (ValueError otherwise)."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)
