"""The append-only chain of one proposal: genesis, device keys, ballots, close.

An entry is {"v","proposal","seq","prev","kind","time","key_id","body"}; its digest is the
SHA-256 of its canonical encoding (which includes the previous digest), and the server
signs the ASCII bytes of that hex digest with Ed25519.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import procedure, signing
from votes.core.canonical import canonical_bytes, canonical_digest
from votes.core.commitment import Opening, is_hex64, openings_list

VERSION = 1
GENESIS_PREV = "0" * 64
KINDS = ("genesis", "device", "ballot", "close") + ("works", "emergency")
KINDS += ("delivery", "objection", "answer", "result")  # §19 从多, §17 objections
KINDS += ("withdrawal",)  # §15.4: a staff ballot entered for the wrong unit, taken back
# Kinds that may follow the close entry (what happens after the vote: objections, the final
# result, the works and the money). Anything else after the close fails step 7.2. Each such
# kind is appended here and to KINDS, its body typed in bundle_types.BODIES, and checked by
# its own verifier module.
POST_CLOSE_KINDS: tuple[str, ...] = () + ("works",)
POST_CLOSE_KINDS += ("objection", "answer", "result")  # §17
CHANNELS = ("online", "paper", "proxy")
DEVICE_ALG = "ECDSA-P256-SHA256"
# How the owner passed the second factor before registering a device key (§14 of the spec).
PROOFS = ("id", "sms", "notice")


@dataclass(frozen=True)
class SealedEntry:
    entry: dict
    digest: str
    sig: str
    # The stored line this entry was read from, when the store wrote it with to_line():
    # exporting it as is spares re-encoding 100,000 entries. Not an init field, so a
    # dataclasses.replace() copy (a changed entry) encodes itself again.
    stored: bytes | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def seq(self) -> int:
        return self.entry["seq"]

    def to_line(self) -> bytes:
        """One line of chain.jsonl (canonical JSON, no newline)."""
        if self.stored is not None:
            return self.stored
        return canonical_bytes({"entry": self.entry, "digest": self.digest, "sig": self.sig})

    @classmethod
    def from_line(cls, line: bytes | str) -> "SealedEntry":
        """Parse a line of chain.jsonl (ValueError/KeyError if malformed)."""
        data = json.loads(line)
        return cls(data["entry"], data["digest"], data["sig"])

    @classmethod
    def from_stored(cls, line: str) -> "SealedEntry":
        """An entry from the chain store, whose lines are to_line()'s bytes; to_line()
        gives those bytes back. Not for lines from elsewhere (use from_line)."""
        raw = line.encode("utf-8")
        data = json.loads(raw)
        sealed = cls(data["entry"], data["digest"], data["sig"])
        object.__setattr__(sealed, "stored", raw)  # frozen dataclass
        return sealed


def entry_digest(entry: dict) -> str:
    return canonical_digest(entry)


def seal(entry: dict, private_key: Ed25519PrivateKey) -> SealedEntry:
    """Digest the entry and sign the digest's hex text with the server key."""
    digest = entry_digest(entry)
    return SealedEntry(entry, digest, signing.sign(private_key, digest.encode("ascii")))


def next_entry(prev: SealedEntry | None, *, proposal: str, kind: str, time: str, key_id: str,
               body: dict) -> dict:
    """The entry following prev (or the genesis when prev is None)."""
    if kind not in KINDS:
        raise ValueError(f"unknown entry kind {kind}")
    return {"v": VERSION, "proposal": proposal, "seq": 0 if prev is None else prev.seq + 1,
            "prev": GENESIS_PREV if prev is None else prev.digest, "kind": kind, "time": time,
            "key_id": key_id, "body": body}


def genesis_body(proposal: dict, roll: dict, rules: dict) -> dict:
    """Binds the proposal (with document digests), the frozen roll, rules and window.

    Rules of procedure left out of `rules` take their defaults (votes.core.procedure)."""
    rules = {**procedure.DEFAULTS, **rules}
    return {"proposal_digest": canonical_digest(proposal), "roll_digest": canonical_digest(roll),
            "rules": rules, "total_area": roll["total_area"],
            "total_headcount": roll["total_headcount"], "voting_start": proposal["voting_start"],
            "voting_end": proposal["voting_end"], "scope": proposal["scope"],
            "max_changes": proposal["max_changes"]}


def device_body(*, voter: str, public_key: str, proof: str) -> dict:
    """A device key registered for a voter who has just passed the second factor by `proof`.

    Written before any ballot it signs, so a later rewrite of the ballot alone cannot drop
    or swap its device signature (docs/verification.md §14). No personal data: the voter
    key, the public key and the kind of proof only."""
    if proof not in PROOFS:
        raise ValueError(f"unknown proof {proof}")
    return {"voter": voter, "alg": DEVICE_ALG, "public_key": public_key, "proof": proof}


def ballot_body(*, voter: str, units: Sequence[str], commitment: str, channel: str,
                device: dict | None = None, entered_by: str | None = None,
                evidence: str | None = None, proxy: dict | None = None,
                transfer: str | None = None) -> dict:
    """One voter's ballot; paper and proxy ballots name the clerk and the scan's digest.

    The choice itself is not in the body, only its commitment (votes.core.commitment):
    it is revealed in the close entry. A proxy ballot adds `proxy` (who held it, the
    authorisation's digest), a new owner's ballot after a transfer adds `transfer` (the
    transfer evidence's digest); both only when given (docs/verification.md §16)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    if channel != "online" and (not entered_by or not evidence):
        raise ValueError("paper and proxy ballots need entered_by and evidence")
    if not is_hex64(commitment):
        raise ValueError("a ballot carries a commitment of 64 lowercase hex characters")
    body = {"voter": voter, "units": list(units), "commitment": commitment, "channel": channel,
            "device": device, "entered_by": entered_by, "evidence": evidence}
    if proxy is not None:
        body["proxy"] = proxy
    if transfer is not None:
        body["transfer"] = transfer
    return body


def close_body(tally: dict, counted: Sequence[int], openings: Iterable[Opening],
               follow: dict | None = None) -> dict:
    """The tally, the counted ballots, and the opening of each counted ballot's commitment;
    `follow`: the 从多 figures, apart from the ballots (§19), or None where not adopted."""
    return {"tally": tally, "counted": sorted(counted), "openings": openings_list(openings),
            "follow": follow}


def counted_ballots(entries: Iterable[SealedEntry]) -> dict[str, SealedEntry]:
    """Each voter's last ballot entry: the one that counts (earlier ones are superseded),
    unless a withdrawal after it took it back (§15.4: then the voter has none)."""
    from votes.core.withdrawal import counted

    listed = list(entries)  # in chain order; a withdrawal names a position (its seq)
    found = counted((s.entry.get("seq"), s.entry) for s in listed
                    if s.entry.get("kind") in ("ballot", "withdrawal"))
    by_seq = {s.entry.get("seq"): s for s in listed}
    return {voter: by_seq[n] for voter, (n, _e) in found.items()}
