"""Small bundles built with the core alone, to tamper with."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from copy import deepcopy
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from votes.core import chain, commitment, signing
from votes.core.bundle import recompute_tally, write_bundle
from votes.core.canonical import canonical_bytes, digest_hex
from votes.core.commitment import Opening
from votes.core.rules import Matter, default_rules

SERVER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY_ID = signing.key_id(SERVER.public_key())
DEVICE = ec.derive_private_key(123456789, ec.SECP256R1())
DEVICE_SPKI = base64.b64encode(DEVICE.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def device_sign(data: bytes) -> str:
    r, s = decode_dss_signature(DEVICE.sign(data, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def form_of(voter: str, buyer: bool = False) -> str:
    """The digest of the signed ballot form of this voter (or of the buyer voting for them
    after a transfer): each signer's own, as step 6.12 asks."""
    return digest_hex(f"form/{voter}{'/buyer' if buyer else ''}".encode())


def base_roll() -> dict:
    # v-a owns two units; v-dev is the developer; everyone else one unit each.
    units = [("u1", "1", "1", "101", 8950, "v-a"), ("u2", "1", "1", "102", 12000, "v-b"),
             ("u3", "1", "1", "201", 7525, "v-a"), ("u4", "1", "1", "202", 6000, "v-c"),
             ("u5", "2", "1", "101", 10000, "v-developer"),
             ("u6", "2", "1", "102", 10000, "v-developer"), ("u7", "2", "1", "201", 11000, "v-d")]
    rows = [{"unit_id": u, "building": b, "entrance": e, "room": r, "area": a,
             "area_basis": "registered", "voter": v} for u, b, e, r, a, v in units]
    return {"units": rows, "total_area": sum(r["area"] for r in rows),
            "total_headcount": len({r["voter"] for r in rows})}


def base_proposal() -> dict:
    return {"uid": "p-example", "community": {"code": "SUN", "name": "阳光花园",
                                              "jurisdiction": "350502"},
            "title": "电梯更换", "description": "", "matter": "use_fund", "scope": "all",
            "items": [{"title": "电梯", "amount": 654750}], "budget": 654750,
            "documents": [{"name": "quote.pdf", "sha256": "ab" * 32, "size": 5}],
            "emergency": False, "max_changes": 0, "publicity_start": "2026-11-20T01:00:00Z",
            "voting_start": "2026-12-01T01:00:00Z", "voting_end": "2026-12-08T01:00:00Z"}


@dataclass
class Story:
    """The chain's entries before sealing, so tests can rewrite history and re-seal it."""

    proposal: dict = field(default_factory=base_proposal)
    roll: dict = field(default_factory=base_roll)
    rules: dict = field(default_factory=lambda: default_rules(Matter.USE_FUND).to_dict())
    entries: list[dict] = field(default_factory=list)

    def units_of(self, voter: str) -> list[str]:
        return [u["unit_id"] for u in self.roll["units"] if u["voter"] == voter]

    def genesis(self) -> "Story":
        self.entries.append({"kind": "genesis", "time": "2026-12-01T01:00:00Z",
                             "body": chain.genesis_body(self.proposal, self.roll, self.rules)})
        return self

    def commit(self, voter: str, choice: str, time: str) -> tuple[str, dict]:
        """A fixed salt per ballot (tests need repeatable bundles) and its commitment."""
        salt = digest_hex(f"{voter}/{time}".encode())
        return commitment.commit(self.proposal["uid"], voter, choice, salt), \
            {"choice": choice, "salt": salt}

    def paper(self, voter: str, choice: str, time: str) -> "Story":
        committed, secret = self.commit(voter, choice, time)
        body = chain.ballot_body(voter=voter, units=self.units_of(voter), commitment=committed,
                                 channel="paper", entered_by="clerk", evidence=form_of(voter))
        self.entries.append({"kind": "ballot", "time": time, "body": body, "secret": secret})
        return self

    def device(self, voter: str, time: str, public_key: str = DEVICE_SPKI,
               proof: str = "id") -> "Story":
        """The device entry that registers a key for the voter before their ballot (§14)."""
        self.entries.append({"kind": "device", "time": time, "body": chain.device_body(
            voter=voter, public_key=public_key, proof=proof)})
        return self

    def online(self, voter: str, choice: str, time: str, nonce: str = "n1") -> "Story":
        committed, secret = self.commit(voter, choice, time)
        payload = signing.device_payload(self.proposal["uid"], voter, committed, nonce)
        device = {"alg": chain.DEVICE_ALG, "public_key": DEVICE_SPKI,
                  "signature": device_sign(payload), "nonce": nonce}
        body = chain.ballot_body(voter=voter, units=self.units_of(voter), commitment=committed,
                                 channel="online", device=device)
        self.entries.append({"kind": "ballot", "time": time, "body": body, "secret": secret})
        return self

    def openings(self, sealed: list[chain.SealedEntry]) -> list[Opening]:
        """What an honest close reveals: the choice and salt of each counted ballot."""
        return [Opening(s.seq, **self.entries[s.seq]["secret"])
                for s in chain.counted_ballots(sealed).values()]

    def close(self, time: str = "2026-12-08T01:00:00Z") -> "Story":
        sealed = self.seal()
        openings = self.openings(sealed)
        tally = recompute_tally(self.roll, self.rules, sealed,
                                [o.to_dict() for o in openings])
        counted = [s.seq for s in chain.counted_ballots(sealed).values()]
        self.entries.append({"kind": "close", "time": time,
                             "body": chain.close_body(tally.to_dict(), counted, openings)})
        return self

    def seal(self) -> list[chain.SealedEntry]:
        sealed: list[chain.SealedEntry] = []
        for e in self.entries:
            entry = chain.next_entry(sealed[-1] if sealed else None, proposal=self.proposal["uid"],
                                     kind=e["kind"], time=e["time"], key_id=KEY_ID,
                                     body=e["body"])
            sealed.append(chain.seal(entry, SERVER))
        return sealed

    def bundle(self, sealed: list[chain.SealedEntry] | None = None) -> bytes:
        out = io.BytesIO()
        write_bundle(out, proposal=self.proposal, roll=self.roll,
                     chain=sealed if sealed is not None else self.seal(), private_key=SERVER,
                     keyring=signing.KeyRing({KEY_ID: SERVER.public_key()}),
                     created_at="2026-12-08T02:00:00Z")
        return out.getvalue()

    def copy(self) -> "Story":
        return deepcopy(self)

    def as_version_2(self) -> "Story":
        """The chain as version 2 wrote it (a vote closed before the upgrade to version 3):
        genesis rules without objection_days and follow_majority, a close without follow."""
        for entry in self.entries:
            if entry["kind"] == "genesis":
                for name in ("objection_days", "follow_majority"):
                    entry["body"]["rules"].pop(name)
            elif entry["kind"] == "close":
                entry["body"].pop("follow")
        return self


def good_story() -> Story:
    return (Story().genesis()
            .paper("v-a", "agree", "2026-12-01T02:00:00Z")
            .device("v-b", "2026-12-02T01:59:00Z")
            .online("v-b", "agree", "2026-12-02T02:00:00Z")
            .paper("v-developer", "disagree", "2026-12-03T02:00:00Z")
            .paper("v-d", "abstain", "2026-12-04T02:00:00Z")
            .close())


def files_of(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return {n: z.read(n) for n in z.namelist()}


def rezip(files: dict[str, bytes], *, resign: bool = False) -> bytes:
    """Put edited files back; with resign, also fix the manifest's digests and signature,
    as an insider holding the server key would."""
    files = dict(files)
    if resign:
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = {n: digest_hex(files[n]) for n in manifest["files"]}
        lines = [json.loads(x) for x in files["chain.jsonl"].splitlines() if x.strip()]
        manifest["chain_head"] = lines[-1]["digest"]
        manifest["chain_length"] = len(lines)
        files["manifest.json"] = canonical_bytes(manifest)
        files["manifest.sig"] = signing.sign(SERVER, files["manifest.json"]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def verify_json(data: bytes, tmp_path, capsys, *options: str) -> tuple[int, dict]:
    """`votes verify --key-id KEY_ID --json` on the bundle `data`, as the regulator runs it:
    the exit code and the report."""
    from votes.verify import main

    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    code = main([str(path), "--key-id", KEY_ID, "--json", *options])
    return code, json.loads(capsys.readouterr().out)


def ballot_rows(sheet: bytes) -> dict[int, list[dict]]:
    """ballots.csv read as a spreadsheet reads it: its rows by ballot (seq), one per unit."""
    import csv

    rows: dict[int, list[dict]] = {}
    for row in csv.DictReader(io.StringIO(sheet.decode("utf-8-sig"), newline="")):
        rows.setdefault(int(row["序号 seq"]), []).append(row)
    return rows
