"""Canonical encoding: the exact bytes every digest and signature is computed over.

UTF-8 JSON, object keys sorted by code point, no whitespace, non-ASCII kept as UTF-8,
only objects, arrays, strings, integers, booleans and null — never floats.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
# Integers a verifier in any language can hold exactly (IEEE double's safe range).
MAX_INT = 2**53 - 1
MAX_DEPTH = 32


class CanonicalError(ValueError):
    """Bytes that are not the canonical encoding of an allowed value."""


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
    return _ENCODE(obj).encode("utf-8")


# Built once: json.dumps/json.loads with arguments build a new encoder/decoder per call,
# and the verifier calls them for each of 100,000 chain lines.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           allow_nan=False).encode


def _no_duplicates(pairs: list) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str):
    raise CanonicalError(f"number {text[:20]} is not an integer (floats are not allowed)")


def _no_constant(text: str):
    raise CanonicalError(f"{text} is not allowed")


def read_json(data: bytes | str):
    """JSON in any layout (a keys file, a receipt, a witness's line), refusing what the
    canonical form refuses: duplicate keys, floats, NaN and Infinity. Bytes are UTF-8, one
    leading byte order mark ignored (editors on Windows add one on saving). ValueError
    "not valid JSON: …" naming the fault."""
    try:
        if isinstance(data, bytes):
            data = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_float=_no_float,
                          parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not valid JSON: {str(exc)[:80]}") from None


def _int(text: str) -> int:
    if len(text) < 16:  # at most 15 digits: well inside ±(2^53−1)
        return int(text)
    if len(text.lstrip("-")) > 16:
        raise CanonicalError(f"integer {text[:20]}… is out of range")
    value = int(text)
    if abs(value) > MAX_INT:
        raise CanonicalError(f"integer {text} is out of range (|n| ≤ 2^53−1)")
    return value


def check_depth(value, depth: int = 0) -> None:
    """CanonicalError if value nests deeper than MAX_DEPTH."""
    _depth(value, depth)


def _depth(value, depth: int = 0) -> None:
    # A value at depth n is refused when n > MAX_DEPTH. Items are looked at here, not in a
    # call each: a roll of 100,000 units has 800,000 strings and numbers, and a call per
    # value was a tenth of reading it.
    if depth > MAX_DEPTH:
        raise CanonicalError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return
    if items and depth >= MAX_DEPTH:
        raise CanonicalError(f"nested deeper than {MAX_DEPTH} levels")
    for item in items:
        if isinstance(item, (dict, list)):
            _depth(item, depth + 1)


def parse_canonical(data: bytes, *, check_depth: bool = True):
    """Parse bytes that must be exactly the canonical encoding of a value.

    Canonical input (nearly all input) takes a fast path without the duplicate-key hook:
    bytes that equal the canonical encoding of what they parse to cannot hold a duplicate
    key, since an encoded object names each key once. Anything else is parsed again by
    the strict path, so the error is the one it gives."""
    if type(data) is bytes and not data.startswith(b"\xef\xbb\xbf"):
        try:
            value = _FAST_DECODE(data.decode("utf-8"))
            if check_depth:
                _depth(value)
            if _CANONICAL_ENCODE(value).encode("utf-8") == data:
                return value
        except Exception:  # noqa: BLE001 - the strict path below names the problem
            pass
    return _parse_strict(data, check_depth=check_depth)


def _parse_strict(data: bytes, *, check_depth: bool = True):
    """parse_canonical, one check at a time, each failure with its own sentence.

    Refuses (CanonicalError, with a sentence) invalid UTF-8, a byte order mark, duplicate
    keys, floats, NaN/Infinity, integers beyond ±(2^53−1), nesting deeper than 32,
    strings that are not Unicode scalar values, and any byte that differs from what
    canonical_bytes would write (whitespace, key order, escapes, trailing newline).
    check_depth=False leaves the depth to the caller (a typed value's depth is bounded).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError(f"not valid UTF-8 at byte {exc.start}") from None
    if text.startswith("\ufeff"):
        raise CanonicalError("starts with a byte order mark")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_no_float,
                           parse_int=_int, parse_constant=_no_constant)
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalError(f"not valid JSON: {str(exc)[:80]}") from None
    if check_depth:
        _depth(value)
    try:
        # The parser let through no floats or NaN, so the type walk of canonical_bytes
        # can be skipped.
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        raise CanonicalError("holds a string that is not valid Unicode (lone surrogate)") \
            from None
    if encoded != data:
        at = next((i for i, (a, b) in enumerate(zip(encoded, data)) if a != b),
                  min(len(encoded), len(data)))
        raise CanonicalError(f"not in canonical form (first difference at byte {at})")
    return value


_FAST_DECODE = json.JSONDecoder(parse_float=_no_float, parse_int=_int,
                                parse_constant=_no_constant).decode
_CANONICAL_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":")).encode


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
    """Parse exactly 'YYYY-MM-DDTHH:MM:SSZ' (ASCII digits, a real date and time) into an
    aware UTC datetime; ValueError otherwise (strptime alone would take '2026-1-1T1:1:1Z')."""
    if not isinstance(text, str) or not _TIME_RE.fullmatch(text):
        raise ValueError(f"time {text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    # datetime() itself refuses 2026-02-30, 24:00:00 and :60, as strptime would.
    return datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                    int(text[14:16]), int(text[17:19]), tzinfo=timezone.utc)
