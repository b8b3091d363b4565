"""An owner's signed inclusion receipt (docs/verification.md §11).

The server states, under its signing key: this proposal's entry at position `seq` has digest
`digest`, and when this statement was made the chain had `length` entries ending in
`head`. Because every digest commits to all entries before it, a bundle that holds `head` at
position length − 1 necessarily holds the owner's entry unchanged; a bundle that dropped or
replaced it contradicts a statement the server signed.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing
from votes.core.canonical import canonical_bytes

RECEIPT_TYPE = "votes-receipt/1"
STATEMENT = {"type": "str", "proposal": "str", "seq": "uint", "digest": "hex64",
             "length": "uint", "head": "hex64", "time": "time", "key_id": "str"}
RECEIPT = {"statement": STATEMENT, "sig": "str"}


def make_receipt(private_key: Ed25519PrivateKey, *, proposal: str, seq: int, digest: str,
                 length: int, head: str, time: str) -> dict:
    """The signed statement an owner downloads from the receipt page."""
    stmt = {"type": RECEIPT_TYPE, "proposal": proposal, "seq": seq, "digest": digest,
            "length": length, "head": head, "time": time,
            "key_id": signing.key_id(private_key.public_key())}
    return {"statement": stmt, "sig": signing.sign(private_key, canonical_bytes(stmt))}
