"""Verification rate of a big bundle, as a ratio to the bare signature checks in the same run.

    python bench/verify.py [--ballots 100000] [--jobs N] [--online 0.5]

Builds a bundle of one proposal with that many voters, each with one ballot (a share of
them online with a device signature), then times (a) a raw loop doing exactly the
signature checks the bundle needs with `cryptography` (one Ed25519 check per entry, one
P-256 key load and ECDSA check per device-signed ballot) and (b) `verify_bundle` with
--jobs 1 and with --jobs N. Prints entries/s and the ratio rate(verify) / rate(raw loop);
the goal is ≥ 0.9 (with --jobs, compare against the machine's cores). Also prints the CPU
seconds of each (with the pool's processes), which depend much less on a shared machine's
other load than the wall time. Not run by the suite.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,  # noqa: E402
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,  # noqa: E402
                                                             encode_dss_signature)

from votes.core import chain, commitment, signing  # noqa: E402
from votes.core.canonical import digest_hex  # noqa: E402
from synthetic import close_and_write  # noqa: E402
from votes.core.rules import Matter, default_rules  # noqa: E402
from votes.core.verifier import verify_bundle  # noqa: E402


def build(n: int, online: float) -> tuple[bytes, str, list[chain.SealedEntry]]:
    key = Ed25519PrivateKey.generate()
    kid = signing.key_id(key.public_key())
    units = [{"unit_id": f"u{i}", "building": str(i // 400 + 1), "entrance": str(i // 100 % 4 + 1),
              "room": str(i % 100 + 101), "area": 8000 + i % 5000, "area_basis": "registered",
              "voter": f"v{i}"} for i in range(n)]
    roll = {"units": units, "total_area": sum(u["area"] for u in units), "total_headcount": n}
    proposal = {"uid": "bench", "community": {"code": "B", "name": "B", "jurisdiction": ""},
                "title": "t", "description": "", "matter": "use_fund", "scope": "all",
                "items": [], "budget": 1, "documents": [], "emergency": False,
                "max_changes": 0, "publicity_start": "2026-01-01T00:00:00Z",
                "voting_start": "2026-01-02T00:00:00Z", "voting_end": "2026-01-09T00:00:00Z"}
    rules = default_rules(Matter.USE_FUND).to_dict()
    sealed = [chain.seal(chain.next_entry(None, proposal="bench", kind="genesis",
                                          time="2026-01-02T00:00:00Z", key_id=kid,
                                          body=chain.genesis_body(proposal, roll, rules)), key)]
    every = max(1, round(1 / online)) if online > 0 else 0
    openings: list[commitment.Opening] = []
    for i in range(n):
        voter, choice = f"v{i}", ("agree", "disagree", "abstain")[i % 3]
        salt = f"{i:064x}"  # fixed salts: a benchmark, not a vote
        committed = commitment.commit("bench", voter, choice, salt)
        if every and i % every == 0:
            nonce = f"n{i}"
            # One device key per online voter, as in a real vote (the verifier loads each
            # key once for its registration and the ballot it signs; the raw loop once).
            device_key = ec.generate_private_key(ec.SECP256R1())
            spki = base64.b64encode(device_key.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
            # The key is registered on the chain before the ballot it signs (step 6.10).
            sealed.append(chain.seal(chain.next_entry(
                sealed[-1], proposal="bench", kind="device", time="2026-01-03T00:00:00Z",
                key_id=kid, body=chain.device_body(voter=voter, public_key=spki,
                                                   proof="id")), key))
            r, s = decode_dss_signature(device_key.sign(
                signing.device_payload("bench", voter, committed, nonce), ec.ECDSA(hashes.SHA256())))
            device = {"alg": chain.DEVICE_ALG, "public_key": spki, "nonce": nonce,
                      "signature": base64.b64encode(r.to_bytes(32, "big")
                                                    + s.to_bytes(32, "big")).decode()}
            body = chain.ballot_body(voter=voter, units=[f"u{i}"], commitment=committed,
                                     channel="online", device=device)
        else:
            body = chain.ballot_body(voter=voter, units=[f"u{i}"], commitment=committed,
                                     channel="paper", entered_by="c",
                                     evidence=digest_hex(f"form/{voter}".encode()))  # 6.12
        openings.append(commitment.Opening(len(sealed), choice, salt))
        sealed.append(chain.seal(chain.next_entry(sealed[-1], proposal="bench", kind="ballot",
                                                  time="2026-01-03T00:00:00Z", key_id=kid,
                                                  body=body), key))
    data = close_and_write(sealed, proposal=proposal, roll=roll, rules=rules,
                           openings=openings, key=key, kid=kid)
    return data, kid, sealed


def raw_loop(sealed: list[chain.SealedEntry], public: bytes) -> None:
    """Only the signature checks, straight with cryptography."""
    key = Ed25519PublicKey.from_public_bytes(public)
    for s in sealed:
        key.verify(base64.b64decode(s.sig), s.digest.encode("ascii"))
        device = s.entry["body"].get("device")
        if device:
            body = s.entry["body"]
            device_key = serialization.load_der_public_key(base64.b64decode(device["public_key"]))
            raw = base64.b64decode(device["signature"])
            device_key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                                   int.from_bytes(raw[32:], "big")),
                              signing.device_payload("bench", body["voter"], body["commitment"],
                                                     device["nonce"]),
                              ec.ECDSA(hashes.SHA256()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--online", type=float, default=0.5,
                        help="share of ballots with a device signature")
    args = parser.parse_args()
    started = time.perf_counter()
    data, kid, sealed = build(args.ballots, args.online)
    print(f"built {args.ballots} ballots, bundle {len(data) // 2**20} MiB, "
          f"in {time.perf_counter() - started:.0f} s")
    manifest_keys = __import__("json").loads(
        __import__("zipfile").ZipFile(io.BytesIO(data)).read("manifest.json"))["keys"]
    public = base64.b64decode(manifest_keys[0]["public_key"])
    entries = len(sealed)
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    (t_raw, cpu_raw), _ = _timed(lambda: raw_loop(sealed, public))
    print(f"raw signature loop (1 core): {entries / t_raw:,.0f} entries/s "
          f"({t_raw:.1f} s, CPU {cpu_raw:.1f} s)")
    for jobs in sorted({1, args.jobs}):
        (t, cpu), report = _timed(lambda: verify_bundle(data, key_ids=[kid], jobs=jobs))
        assert report.ok, report.render()[:2000]
        print(f"verify_bundle --jobs {jobs}: {entries / t:,.0f} entries/s = "
              f"{t_raw / t:.2f} × the raw loop's rate ({t:.1f} s); CPU {cpu:.1f} s "
              f"(all processes) = {cpu_raw / cpu:.2f} × the raw loop's CPU")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def _timed(fn):
    """((wall s, CPU s of this process and its finished children), fn's result).

    On a shared machine the wall time depends on the other load; the CPU does much less."""
    import resource

    def cpu() -> float:
        me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                   resource.RUSAGE_CHILDREN))
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    result = fn()
    return (time.perf_counter() - t0, cpu() - c0), result


if __name__ == "__main__":
    main()
