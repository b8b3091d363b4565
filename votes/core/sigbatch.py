"""The verifier's signature checks, batched so that several cores can share them.

A task is ("ed25519", raw 32-byte key, signature bytes, data),
("p256", DER SubjectPublicKeyInfo, raw r||s signature, data) or ("p256key", DER
SubjectPublicKeyInfo, b"", b"") (is it a P-256 public key?); the answer is one bool each.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

_ECDSA = ec.ECDSA(hashes.SHA256())


def check_chunk(tasks: list[tuple]) -> list[bool]:
    """Check each task in this process (no exception ever escapes)."""
    keys: dict[bytes, Ed25519PublicKey] = {}
    # A device key is loaded for its registration (6.9) and again for each ballot it
    # signs (6.5): loaded once per chunk (only keys that loaded are kept).
    devices: dict[bytes, object] = {}
    out = []
    for alg, key, sig, data in tasks:
        try:
            if alg == "p256key":
                public = devices.get(key)
                if public is None:
                    try:
                        public = devices[key] = serialization.load_der_public_key(key)
                    except Exception:  # noqa: BLE001 - whatever is refused is not P-256
                        out.append(False)
                        continue
                out.append(isinstance(public, ec.EllipticCurvePublicKey)
                           and public.curve.name == "secp256r1")
                continue
            if alg == "ed25519":
                public = keys.get(key)
                if public is None:
                    public = keys[key] = Ed25519PublicKey.from_public_bytes(key)
                public.verify(sig, data)
            else:
                public = devices.get(key)
                if public is None:
                    public = devices[key] = serialization.load_der_public_key(key)
                if not isinstance(public, ec.EllipticCurvePublicKey) or \
                        public.curve.name != "secp256r1" or len(sig) != 64:
                    out.append(False)
                    continue
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                           int.from_bytes(sig[32:], "big"))
                public.verify(der, data, _ECDSA)
            out.append(True)
        except (InvalidSignature, ValueError, TypeError):
            out.append(False)
    return out


class Batch:
    """Signature tasks collected step by step; with jobs > 1 a pool of processes checks the
    first ones while the caller goes on with the other steps."""

    MIN_PARALLEL = 2000

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self.pending: list[tuple[object, tuple]] = []
        self.submitted: list[tuple[list, object]] = []
        self.pool = None

    def add(self, meta, task: tuple) -> None:
        self.pending.append((meta, task))

    def _pool(self):
        if self.pool is None:
            import multiprocessing
            import os

            method = "fork" if hasattr(os, "fork") else "spawn"
            self.pool = multiprocessing.get_context(method).Pool(self.jobs)
        return self.pool

    def expect(self, tasks: int) -> None:
        """About this many tasks will come: start the pool now if it will be used, while
        this process is still small (forking it after 100,000 entries are parsed costs
        copying its page tables, and copy-on-write faults on both sides afterwards)."""
        if self.jobs > 1 and tasks >= self.MIN_PARALLEL:
            self._pool()

    def flush(self) -> None:
        """Hand what is pending to the pool now (when parallel and worth it)."""
        if self.jobs <= 1 or len(self.pending) < self.MIN_PARALLEL:
            return
        self._pool()
        tasks = [t for _, t in self.pending]
        size = -(-len(tasks) // (self.jobs * 4))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        self.submitted.append(([m for m, _ in self.pending],
                               self.pool.map_async(check_chunk, chunks)))
        self.pending = []

    def results(self) -> list[tuple[object, bool]]:
        """(meta, ok) for every task added."""
        try:
            self.flush()
            out: list[tuple[object, bool]] = []
            for metas, handle in self.submitted:
                oks = [ok for chunk in handle.get() for ok in chunk]
                out += list(zip(metas, oks))
            if self.pending:
                out += list(zip([m for m, _ in self.pending],
                                check_chunk([t for _, t in self.pending])))
            return out
        finally:
            self.pending, self.submitted = [], []
            self.close()

    def close(self) -> None:
        """Stop the pool, if one was started (results() does it too)."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

