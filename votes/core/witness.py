"""Witness cosignatures and chain consistency (docs/verification.md §10).

A witness, run by someone other than the operator, keeps the last chain head it cosigned
for each proposal. Before cosigning a newer head it re-checks, from the entry at its old
head onwards, that every link, digest and server signature holds: the new chain extends
the old one. Two server-signed entries at the same position with different digests are a
proof, for anyone, that the operator showed two different histories (a fork).

A witness also vouches for time: it cosigns no entry dated later than its own clock plus
CLOCK_SKEW, so a cosignature's time is never earlier than the entries it covers (less that
tolerance) — an entry dated ahead (a close written early, dated at the end of the vote) is
not cosigned until its time has come. A verifier checks the same bound (step 10.4).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing
from votes.core.bundle_types import SEALED, type_errors
from votes.core.canonical import (CanonicalError, canonical_bytes, format_time,
                                  parse_canonical, parse_time)
from votes.core.chain import GENESIS_PREV, SealedEntry, entry_digest

COSIGNATURE_TYPE = "votes-cosignature/1"
STATEMENT = {"type": "str", "proposal": "str", "length": "uint", "head": "hex64",
             "time": "time", "witness": "str"}
COSIGNATURE = {"statement": STATEMENT, "sig": "str"}

# How far (seconds) an entry may be dated after the witness's clock and still be cosigned:
# room for the app's and the witness's clocks to disagree, never for a time that has not
# come. Servers kept by NTP agree within a second; 5 minutes also covers a clock that was
# left to drift for weeks (the customary bound for clock skew, Kerberos's default), and is
# small beside what dating ahead would gain an operator — closing a vote hours or days
# before the voting end it writes. The verifier's step 10.4 uses the same bound.
CLOCK_SKEW = 300


def too_late(entry_time: str, witness_time: datetime) -> bool:
    """Whether an entry dated `entry_time` is later than a witness's clock reading
    `witness_time` plus CLOCK_SKEW (exactly that much later is still allowed)."""
    # A difference, not witness_time + CLOCK_SKEW: that is past what a datetime holds for
    # a witness time in the last 300 s of the year 9999.
    return parse_time(entry_time) - witness_time > timedelta(seconds=CLOCK_SKEW)


def statement(*, proposal: str, length: int, head: str, time: str, witness: str) -> dict:
    """What a witness signs: this proposal's chain had `length` entries, the last `head`."""
    return {"type": COSIGNATURE_TYPE, "proposal": proposal, "length": length, "head": head,
            "time": time, "witness": witness}


def cosign(private_key: Ed25519PrivateKey, stmt: dict) -> dict:
    """The cosignature: the statement and the witness's Ed25519 signature of its canonical
    bytes."""
    return {"statement": stmt, "sig": signing.sign(private_key, canonical_bytes(stmt))}


def cosignature_problem(cosig, witnesses: signing.KeyRing) -> str | None:
    """Why a cosignature is not a valid one by one of `witnesses`, or None if it is."""
    errors = type_errors(cosig, COSIGNATURE, "cosignature")
    if errors:
        return "; ".join(errors)
    stmt = cosig["statement"]
    if stmt["type"] != COSIGNATURE_TYPE:
        return f"type is not {COSIGNATURE_TYPE}"
    if stmt["length"] < 1:
        return "length must be at least 1"
    key = witnesses.get(stmt["witness"])
    if key is None:
        return f"witness {stmt['witness'][:40]} is not a known witness"
    if not _canonical_sig(cosig["sig"]) or \
            not signing.verify(key, canonical_bytes(stmt), cosig["sig"]):
        return "the witness signature does not verify"
    return None


def _canonical_sig(text: str) -> bool:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return False
    return len(raw) == 64 and base64.b64encode(raw).decode("ascii") == text


class ChainProblem(Exception):
    """The lines served are not a valid chain (bad link, digest or server signature)."""


@dataclass(frozen=True)
class Fork(Exception):
    """The served chain does not extend the head the witness cosigned: `old` is the
    server-signed line the witness holds, `new` the server-signed line served in its place
    (or the served head, when the chain was cut short)."""

    reason: str
    old: bytes
    new: bytes

    def __str__(self) -> str:
        return self.reason


def check_line(raw: bytes, uid: str, seq: int, prev: str,
               server_keys: signing.KeyRing, now: datetime | None = None) -> SealedEntry:
    """One served chain line: canonical, typed, at position seq after prev, its digest
    recomputed, its server signature valid and — when `now`, the witness's clock, is given —
    not dated later than now + CLOCK_SKEW. ChainProblem otherwise."""
    try:
        line = parse_canonical(raw)
    except CanonicalError as exc:
        raise ChainProblem(f"entry {seq}: not canonical JSON ({exc})") from None
    errors = type_errors(line, SEALED)
    if errors:
        raise ChainProblem(f"entry {seq}: {errors[0]}")
    entry = line["entry"]
    digest = entry_digest(entry)
    if entry["seq"] != seq:
        raise ChainProblem(f"entry {seq}: sequence number {entry['seq']}")
    if entry["proposal"] != uid:
        raise ChainProblem(f"entry {seq}: belongs to another proposal")
    if line["digest"] != digest:
        raise ChainProblem(f"entry {seq}: digest does not match its content")
    if entry["prev"] != prev:
        raise ChainProblem(f"entry {seq}: prev is not the digest of entry {seq - 1}")
    key = server_keys.get(entry["key_id"])
    if key is None:
        raise ChainProblem(f"entry {seq}: signed by key {entry['key_id'][:40]}, which is not "
                           "a pinned server key")
    if not _canonical_sig(line["sig"]) or \
            not signing.verify(key, digest.encode("ascii"), line["sig"]):
        raise ChainProblem(f"entry {seq}: server signature does not verify")
    if now is not None and too_late(entry["time"], now):
        raise ChainProblem(f"entry {seq}: dated {entry['time']}, in the future: later than "
                           f"the witness's clock ({format_time(now)}) by more than the "
                           f"{CLOCK_SKEW} s allowed for clock skew")
    return SealedEntry(entry, digest, line["sig"])


def extend(uid: str, old: bytes | None, lines: Sequence[bytes],
           server_keys: signing.KeyRing, now: datetime | None = None) -> SealedEntry | None:
    """Check that `lines` (served from position len(old chain) − 1, or from 0 when the
    witness holds nothing yet) extend the cosigned line `old`; return the new last entry.
    With `now` (the witness's clock), a new entry dated later than now + CLOCK_SKEW is a
    ChainProblem too.

    Raises Fork when the entry at the old head's position is a different, validly signed
    one, ChainProblem when the served lines are invalid. Returns None when nothing was
    served."""
    if old is None:
        prev, seq, start = GENESIS_PREV, 0, 0
    else:
        held = SealedEntry.from_line(old)
        if not lines:
            return None
        first = check_line(lines[0], uid, held.seq, held.entry["prev"], server_keys) \
            if _prev_of(lines[0]) == held.entry["prev"] else None
        if first is None or first.digest != held.digest:
            # Prove it with a validly signed line; an unsigned one proves nothing.
            signed_line(lines[0], uid, held.seq, server_keys)
            raise Fork(f"entry {held.seq} differs from the one cosigned", old, lines[0])
        prev, seq, start = held.digest, held.seq + 1, 1
    last = None
    for raw in lines[start:]:
        last = check_line(raw, uid, seq, prev, server_keys, now)
        prev, seq = last.digest, seq + 1
    if last is None and old is not None:
        return SealedEntry.from_line(old)
    return last


def _prev_of(raw: bytes) -> str | None:
    try:
        return parse_canonical(raw)["entry"]["prev"]
    except (CanonicalError, KeyError, TypeError):
        return None


def signed_line(raw: bytes, uid: str, seq: int, server_keys: signing.KeyRing) -> None:
    """A line offered as proof of a fork: ChainProblem unless raw is a well-formed line at seq whose server signature holds
    (its prev is not checked: it is what differs in a fork)."""
    try:
        line = parse_canonical(raw)
    except CanonicalError as exc:
        raise ChainProblem(f"entry {seq}: not canonical JSON ({exc})") from None
    prev = line.get("entry", {}).get("prev") if isinstance(line, dict) else None
    check_line(raw, uid, seq, prev if isinstance(prev, str) else "", server_keys)
