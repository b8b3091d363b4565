"""One log at several addresses (docs/verification.md §10): a chain is known by its proposal
uid and the key that signed its entry 0, not by the URL it was fetched from. A server that
shows one history at one address and another at a second, under the same uid and key, is
showing two histories of one log, which a witness holding heads per address alone never
compared."""

from __future__ import annotations

from dataclasses import dataclass

from votes.core import chain, signing
from votes.core.verifier_base import fingerprint
from votes.witness.store import Held


def log_key(entry0: chain.SealedEntry, keys: signing.KeyRing) -> str:
    """The fingerprint (§1.2) of the pinned key that signed a chain's entry 0: with the uid,
    what names the log. The first entry's, not the head's, so that a rotation (later
    entries signed by a new key) leaves it the same log."""
    return fingerprint(keys.get(entry0.entry["key_id"]))


@dataclass(frozen=True)
class Conflict:
    """What this address shows against the head `other` cosigned of the same log from
    another address: `served`, the server-signed entry at the position of other's head
    (two entries at one position: a fork's proof), or None when this address shows fewer
    entries than other's head, which a witness can then not check (refused, no proof)."""

    other: Held
    served: bytes | None

    def reason(self, app: str, key: str) -> str:
        return (f"entry {self.other.length - 1} served by {app} differs from the one "
                f"cosigned from {self.other.app} (one log: this proposal, entry 0 signed by "
                f"the key of fingerprint {key[:16]}…)")


def of_held(held: Held, others: list[Held]) -> Conflict | None:
    """A head held from this address against those held of the same log from the others,
    at the same length (the one position both hold a server-signed entry of)."""
    for other in others:
        if other.log_key == held.log_key and other.length == held.length and \
                other.head != held.head:
            return Conflict(other, held.line)
    return None


def of_check(key: str, others: list[Held], seen: dict[int, chain.SealedEntry],
             length: int) -> Conflict | None:
    """A chain checked from this address up to `length` entries, `seen` the entries of it
    checked at the positions of the others' heads: each head of the same log must be the
    entry this chain holds there, and none may be longer than it."""
    for other in others:
        if other.log_key != key:
            continue
        at = seen.get(other.length - 1)
        if at is not None:
            if at.digest != other.head:
                return Conflict(other, at.to_line())
        elif other.length > length:
            return Conflict(other, None)
    return None
