"""Test vectors for steps 10 (witnessed heads) and 11 (owners' receipts) of
docs/verification.md: bundles with the cosignature and receipt files a verifier is given
beside them. Written by make_vectors.py (run that), using only votes.core.

Every vector is made from one sealing of the worked example's chain, so the heads that the
witness cosigned and the receipts the server issued name the digests of that chain; an
insider's rewrite re-seals it from the changed entry on with the server key.
"""

from __future__ import annotations

import json
from copy import deepcopy

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing, witness
from votes.core.canonical import canonical_bytes
from votes.core.receipt import make_receipt

WITNESS = Ed25519PrivateKey.from_private_bytes(bytes([0x57]) * 32)        # in witness-keys.json
STRANGER = Ed25519PrivateKey.from_private_bytes(bytes([0x58]) * 32)       # a witness not named
WITNESS_KEYS = "witness-keys.json"


def witness_keys_file() -> bytes:
    """The example witness's public keys file (§6 format), given with --witness-keys."""
    kid = signing.key_id(WITNESS.public_key())
    return (json.dumps(signing.KeyRing({kid: WITNESS.public_key()}).to_json_obj(), indent=1)
            + "\n").encode()


def _cosig(sealed, length: int, time: str, key=WITNESS, proposal=None, witness_id=None) -> dict:
    stmt = witness.statement(proposal=proposal or sealed[0].entry["proposal"], length=length,
                             head=sealed[length - 1].digest, time=time,
                             witness=witness_id or signing.key_id(key.public_key()))
    return witness.cosign(key, stmt)


def _lines(*cosigs) -> bytes:
    return b"".join(canonical_bytes(c) + b"\n" for c in cosigs)


def _receipt(mv, sealed, seq: int, length: int, time: str, key=None, proposal=None) -> bytes:
    r = make_receipt(key or mv.ex.SERVER, proposal=proposal or sealed[0].entry["proposal"],
                     seq=seq, digest=sealed[seq].digest, length=length,
                     head=sealed[length - 1].digest, time=time)
    return (json.dumps(r, indent=2) + "\n").encode()  # as the owner downloads it


def vectors(mv) -> list[dict]:
    """Each: name, rule, bundle (bytes), outcome, steps, and the files given beside it:
    cosignatures [(file name, bytes)], receipts [(file name, bytes)]."""
    out: list[dict] = []

    def add(name, rule, bundle, outcome="failed", steps=(), cosignatures=(), receipts=(),
            **expect):
        out.append({"name": name, "rule": rule, "bundle": bundle, "outcome": outcome,
                    "steps": list(steps), "witness_keys": WITNESS_KEYS,
                    "cosignatures": [(f"{name}.cosignatures.jsonl", c) for c in cosignatures],
                    "receipts": [(f"{name}.receipt.json", r) for r in receipts], **expect})

    items = mv.plan()
    sealed = mv.seal(items)           # the genuine chain: 7 entries, closed at 2026-12-08T01:00
    early = _cosig(sealed, 3, "2026-12-01T02:05:00Z")
    mid = _cosig(sealed, 6, "2026-12-04T05:05:00Z")
    late = _cosig(sealed, 7, "2026-12-08T01:01:00Z")   # after the close: not "before"

    def bundle(chain=sealed, witness_lines: bytes | None = None) -> bytes:
        files = mv.files_of(chain)
        if witness_lines is not None:  # the member, named in the manifest, which is re-signed
            manifest = json.loads(files["manifest.json"])
            manifest["files"]["witness.jsonl"] = ""
            files = mv.resign(dict(files, **{"witness.jsonl": witness_lines,
                                             "manifest.json": canonical_bytes(manifest)}))
        return mv.zipped(files)

    add("witness-genuine", "§10: cosigned heads the chain extends; 6 of 7 entries cosigned "
        "before the close", bundle(witness_lines=_lines(early, mid, late)), "verified",
        cosignatures=[_lines(late)], witnessed_before_close=6)
    add("witness-not-named", "§10: a cosignature by a witness not in --witness-keys is not "
        "checked (and counts for nothing)", bundle(witness_lines=_lines(
            early, _cosig(sealed, 6, "2026-12-04T05:05:00Z", key=STRANGER))), "verified",
        witnessed_before_close=3)
    spaced = json.dumps(mid, ensure_ascii=False).encode() + b"\n"
    add("witness-not-canonical", "10.1: each witness.jsonl line is canonical JSON",
        bundle(witness_lines=_lines(early) + spaced), steps=["10.1"])
    add("witness-length-zero", "10.1: a cosigned length is at least 1",
        bundle(witness_lines=_lines(early, _zero_length(sealed))), steps=["10.1"])
    forged = _cosig(sealed, 6, "2026-12-04T05:05:00Z", key=STRANGER,
                    witness_id=signing.key_id(WITNESS.public_key()))
    add("witness-bad-signature", "10.2: the cosignature verifies with the named witness's key",
        bundle(witness_lines=_lines(early, forged)), steps=["10.2"])
    other = _cosig(sealed, 3, "2026-12-01T02:05:00Z", proposal="example-0002")
    add("witness-other-proposal", "10.3: a cosignature in the bundle names its proposal",
        bundle(witness_lines=_lines(other)), steps=["10.3"])

    # The insider flips v-b's paper ballot (entry 3) after the witness cosigned 6 entries,
    # re-seals the chain with the server key and leaves witness.jsonl out; the witness's
    # own cosignature, given with --cosignatures, contradicts the chain at entry 5.
    flipped = deepcopy(items)
    flipped[3][2] = mv.ex.paper_ballot("v-b", "disagree")
    rewritten = mv.seal(flipped)
    mv.ex.paper_ballot("v-b", "agree")  # the example's secrets back as they were
    add("witness-rewritten", "10.3: a chain rewritten after a witness cosigned it "
        "contradicts the witness's own cosignature", bundle(rewritten), steps=["10.3"],
        cosignatures=[_lines(mid)])

    # An interim bundle exported on 2 December (4 entries), checked against everything the
    # witness cosigned, its last cosignature made after the close included: that one is of
    # a later chain than the bundle's and neither vouches for it nor contradicts it.
    add("witness-older-bundle", "§10: a cosignature of more entries than the bundle holds "
        "is not checked when the bundle may be older (10.3)",
        bundle(mv.seal(items[:4], close=None)), "in_progress",
        cosignatures=[_lines(early, late)], witnessed_before_close=3)
    # The insider drops v-b's and v-developer's ballots and closes again at the voting end: 5
    # entries, the last dated four days after the witness cosigned 6.
    dropped = mv.seal(items[:3] + items[5:])
    add("witness-cut-short", "10.3: a shorter chain whose last entry is dated after a "
        "cosignature of a longer one is another history, not an older bundle",
        bundle(dropped), steps=["10.3"], cosignatures=[_lines(mid)])

    # The operator closed the vote early, on 4 December, dating the close at the voting end
    # (8 December): the witness that cosigned all 7 entries on 4 December would vouch for a
    # close dated four days after its own clock. (This witness did not refuse it: an old
    # one, or one whose clock was wrong.)
    ahead = _cosig(sealed, 7, "2026-12-04T06:00:00Z")
    add("witness-future-entry", "10.4: no entry a cosignature covers is dated more than "
        "300 s after its time (a close dated ahead of the witness's clock)",
        bundle(witness_lines=_lines(early, ahead)), steps=["10.4"],
        witnessed_before_close=3)

    receipt_b = _receipt(mv, sealed, 3, 4, "2026-12-02T03:00:01Z")   # v-b's paper ballot
    add("receipt-genuine", "§11: the owner's entry at its position, under a chain that "
        "extends the receipt's head", bundle(), "verified", receipts=[receipt_b])
    add("receipt-by-another-key", "11.1: the receipt is signed by a trusted server key",
        bundle(), steps=["11.1"], receipts=[_receipt(mv, sealed, 3, 4, "2026-12-02T03:00:01Z",
                                                     key=mv.ATTACKER)])
    altered = json.loads(receipt_b)
    altered["statement"]["time"] = "2026-12-02T03:00:02Z"  # changed after signing
    add("receipt-bad-signature", "11.1: the server signature covers the whole statement",
        bundle(), steps=["11.1"], receipts=[(json.dumps(altered, indent=2) + "\n").encode()])
    add("receipt-other-proposal", "11.2: the receipt names this proposal", bundle(),
        steps=["11.2"], receipts=[_receipt(mv, sealed, 3, 4, "2026-12-02T03:00:01Z",
                                           proposal="example-0002")])
    add("receipt-entry-replaced", "11.3: the owner's entry, replaced and the chain re-sealed",
        bundle(rewritten), steps=["11.3", "11.4"], receipts=[receipt_b])
    later = deepcopy(items)
    later[4][2] = mv.ex.paper_ballot("v-developer", "agree")
    after = mv.seal(later)
    mv.ex.paper_ballot("v-developer", "disagree")
    add("receipt-head-rewritten", "11.4: an entry after the owner's but before the receipt's "
        "head was rewritten (11.3 passes)", bundle(after), steps=["11.4"],
        receipts=[_receipt(mv, sealed, 2, 5, "2026-12-03T04:00:01Z")])  # v-a's, at length 5
    return out


def _zero_length(sealed) -> dict:
    stmt = witness.statement(proposal=sealed[0].entry["proposal"], length=0,
                             head=sealed[0].entry["prev"], time="2026-12-01T00:00:00Z",
                             witness=signing.key_id(WITNESS.public_key()))
    return witness.cosign(WITNESS, stmt)
