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


class _Group:
    """Tasks checked together: by the pool once sent (handle), else here when first asked."""

    def __init__(self):
        self.tasks: list[tuple] = []
        self.handle = None
        self.oks: list[bool] | None = None

    def send(self, pool, parts: int):
        size = -(-len(self.tasks) // parts)
        chunks = [self.tasks[i:i + size] for i in range(0, len(self.tasks), size)]
        self.handle, self.tasks = pool.map_async(check_chunk, chunks), []
        return self.handle

    def ok(self, index: int) -> bool:
        if self.oks is None:
            self.oks = check_chunk(self.tasks) if self.handle is None else \
                [ok for chunk in self.handle.get() for ok in chunk]
        return self.oks[index]


class Batch:
    """Signature tasks collected step by step; with jobs > 1 a pool of processes checks the
    first ones while the caller goes on with the other steps."""

    MIN_PARALLEL = 2000
    # Tasks sent ahead (see ahead()) go to the pool in groups of this many: small enough
    # that the pool starts while the chain is still being read, large enough that sending
    # costs little beside 1,000 Ed25519 checks.
    AHEAD_GROUP = 1000

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self.slots: list[tuple[object, _Group, int]] = []  # (meta, group, index) as added
        self.group = _Group()  # tasks added and not sent yet
        self.early = _Group()  # tasks sent ahead and not sent yet
        self.sent_ahead: dict = {}  # key → (task, its group, index)
        self.handles: list = []  # of every group sent to the pool
        self.pool = None

    def ahead(self, key, task: tuple) -> None:
        """A task a later add(meta, task, ahead=key) will probably bring: with a pool, send
        it now, so that it is checked while the caller still reads what the add() needs.
        Only a task add() brings again, equal, is used (the answer is the task's alone)."""
        if self.pool is None:
            return
        self.sent_ahead[key] = (task, self.early, len(self.early.tasks))
        self.early.tasks.append(task)
        if len(self.early.tasks) >= self.AHEAD_GROUP:
            self._send_early()

    def _send_early(self) -> None:
        if self.early.tasks:
            self.handles.append(self.early.send(self.pool, 1))
            self.early = _Group()

    def add(self, meta, task: tuple, ahead=None) -> None:
        sent = self.sent_ahead.pop(ahead, None) if ahead is not None else None
        if sent is not None and sent[0] == task:
            self.slots.append((meta, sent[1], sent[2]))
        else:
            self.slots.append((meta, self.group, len(self.group.tasks)))
            self.group.tasks.append(task)

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
        if self.pool is not None:
            self._send_early()
        if self.jobs <= 1 or len(self.group.tasks) < self.MIN_PARALLEL:
            return
        self.handles.append(self.group.send(self._pool(), self.jobs * 4))
        self.group = _Group()

    def results(self) -> list[tuple[object, bool]]:
        """(meta, ok) for every task added, in the order added."""
        try:
            self.flush()
            return [(meta, group.ok(index)) for meta, group, index in self.slots]
        finally:
            self.slots, self.group, self.early, self.sent_ahead = [], _Group(), _Group(), {}
            self.close()

    def close(self) -> None:
        """Stop the pool, if one was started (results() does it too)."""
        if self.pool is not None:
            # Only once nothing is in flight (tasks sent ahead and not used, a run that
            # stopped early): terminating a pool busy with tasks hung once in 300 runs of
            # bench/diff_verify.py --jobs 2, its workers gone and their tasks never answered.
            for handle in self.handles:
                handle.wait()
            self.handles = []
            self.pool.terminate()
            self.pool.join()
            self.pool = None

