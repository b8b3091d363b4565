"""Write docs/examples/example-bundle.zip with fixed keys, using only votes.core.

    python docs/examples/make_example.py

(It also runs make_vectors.py, which writes the test vectors of §8.2.)

The server key comes from a fixed seed so its key id never changes, and so do the salts of
the choice commitments (a real server draws them at random). ECDSA signatures are
randomised, so re-running changes the online ballot's signature (and the digests after it);
the committed bundle is the reference for docs/verification.md.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from votes.core import chain, commitment, signing
from votes.core.bundle import recompute_tally, write_bundle
from votes.core.canonical import digest_hex
from votes.core.commitment import Opening
from votes.core.rules import Matter, default_rules

SERVER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DEVICE = ec.derive_private_key(20261201, ec.SECP256R1())

PROPOSAL = {
    "uid": "example-0001", "community": {"code": "SUN", "name": "阳光花园", "jurisdiction": "350502"},
    "title": "1号楼电梯更换", "description": "两部电梯更换", "matter": "use_fund", "scope": "building:1",
    "items": [{"title": "电梯设备及安装", "amount": 30000000}, {"title": "监理", "amount": 5600000}],
    "budget": 35600000, "documents": [{"name": "quote.pdf", "sha256": "ab" * 32, "size": 20480}],
    "emergency": False, "max_changes": 0, "publicity_start": "2026-11-20T01:00:00Z",
    "voting_start": "2026-12-01T01:00:00Z", "voting_end": "2026-12-08T01:00:00Z",
}
UNITS = [("1", "1", "101", 8950, "v-a"), ("1", "1", "102", 12000, "v-b"),
         ("1", "1", "201", 7525, "v-a"), ("1", "1", "202", 6000, "v-c"),
         ("1", "2", "101", 10000, "v-developer"), ("1", "2", "102", 10000, "v-developer"),
         ("1", "2", "201", 11000, "v-d")]
ROLL = {"units": [{"unit_id": f"u{i + 1}", "building": b, "entrance": e, "room": r, "area": a,
                   "area_basis": "registered", "voter": v}
                  for i, (b, e, r, a, v) in enumerate(UNITS)]}
ROLL["total_area"] = sum(u["area"] for u in ROLL["units"])
ROLL["total_headcount"] = len({u["voter"] for u in ROLL["units"]})
RULES = default_rules(Matter.USE_FUND).to_dict()


SECRETS: dict[str, tuple[str, str]] = {}  # voter -> (choice, salt), revealed at the close


def units_of(voter: str) -> list[str]:
    return [u["unit_id"] for u in ROLL["units"] if u["voter"] == voter]


def salt_of(voter: str) -> str:
    """The example's fixed salt: SHA-256 of "example-salt/" + voter key (never do this for
    real: a salt anyone can compute lets them try the three choices)."""
    return digest_hex(f"example-salt/{voter}".encode())


def commit(voter: str, choice: str) -> str:
    SECRETS[voter] = (choice, salt_of(voter))
    return commitment.commit(PROPOSAL["uid"], voter, choice, salt_of(voter))


def device_key_b64(key=None) -> str:
    """The SPKI (DER) of the device's public key, in standard base64."""
    spki = (key or DEVICE).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(spki).decode()


def device_entry(voter: str, key=None) -> dict:
    """The device entry registering the key before the voter's ballot (§14)."""
    return chain.device_body(voter=voter, public_key=device_key_b64(key), proof="id")


def device_ballot(voter: str, choice: str, nonce: str) -> dict:
    committed = commit(voter, choice)
    payload = signing.device_payload(PROPOSAL["uid"], voter, committed, nonce)
    r, s = decode_dss_signature(DEVICE.sign(payload, ec.ECDSA(hashes.SHA256())))
    spki = DEVICE.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    device = {"alg": chain.DEVICE_ALG, "public_key": base64.b64encode(spki).decode(),
              "signature": base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode(),
              "nonce": nonce}
    return chain.ballot_body(voter=voter, units=units_of(voter), commitment=committed,
                             channel="online", device=device)


def form_of(voter: str) -> str:
    """The digest of the voter's own signed form (a real one is the SHA-256 of its scan):
    one signed form serves one signer (step 6.12)."""
    return digest_hex(f"example-form/{voter}".encode())


def paper_ballot(voter: str, choice: str) -> dict:
    return chain.ballot_body(voter=voter, units=units_of(voter), commitment=commit(voter, choice),
                             channel="paper", entered_by="clerk1", evidence=form_of(voter))


def main() -> None:
    key_id = signing.key_id(SERVER.public_key())
    plan = [("genesis", "2026-12-01T01:00:00Z", chain.genesis_body(PROPOSAL, ROLL, RULES)),
            ("device", "2026-12-01T01:30:00Z", device_entry("v-a")),
            ("ballot", "2026-12-01T02:00:00Z", device_ballot("v-a", "agree", "6e6f6e6365")),
            ("ballot", "2026-12-02T03:00:00Z", paper_ballot("v-b", "agree")),
            ("ballot", "2026-12-03T04:00:00Z", paper_ballot("v-developer", "disagree")),
            ("ballot", "2026-12-04T05:00:00Z", paper_ballot("v-d", "abstain"))]
    sealed: list[chain.SealedEntry] = []
    for kind, time, body in plan:
        entry = chain.next_entry(sealed[-1] if sealed else None, proposal=PROPOSAL["uid"],
                                 kind=kind, time=time, key_id=key_id, body=body)
        sealed.append(chain.seal(entry, SERVER))
    counted = chain.counted_ballots(sealed)
    openings = [Opening(s.seq, *SECRETS[voter]) for voter, s in counted.items()]
    tally = recompute_tally(ROLL, RULES, sealed, [o.to_dict() for o in openings])
    close = chain.next_entry(sealed[-1], proposal=PROPOSAL["uid"], kind="close",
                             time="2026-12-08T01:00:00Z", key_id=key_id,
                             body=chain.close_body(tally.to_dict(),
                                                   [s.seq for s in counted.values()], openings))
    sealed.append(chain.seal(close, SERVER))
    target = Path(__file__).with_name("example-bundle.zip")
    head = write_bundle(target, proposal=PROPOSAL, roll=ROLL, chain=sealed, private_key=SERVER,
                        keyring=signing.KeyRing({key_id: SERVER.public_key()}),
                        created_at="2026-12-08T02:00:00Z")
    print(f"wrote {target}\nkey id {key_id}\ngenesis {sealed[0].digest}\nhead {head}")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_vectors",
                                                  Path(__file__).with_name("make_vectors.py"))
    vectors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vectors)
    vectors.main()


if __name__ == "__main__":
    main()
