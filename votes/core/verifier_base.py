"""What the verifier's steps share: the run's findings, what was read, the trust anchor."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from votes.core import sigbatch, signing
from votes.core.bidi import shown
from votes.core.verifier_report import Failure, Skipped


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw 32-byte key: what a district publishes and a regulator types."""
    return hashlib.sha256(base64.b64decode(signing.public_key_b64(public_key))).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """'AB:CD …' or 'ab cd…' → 'abcd…' (spaces and colons are for reading aloud)."""
    return "".join(ch for ch in text.lower() if ch not in " :-")



# Why a step is not checked, where several steps give the same reason (Chinese / English).
NO_GENESIS = "没有有效的创始记录（5.1） / there is no valid genesis (5.1)"


def unread(name: str) -> str:
    """Why a step did not run: the file it reads failed 1.4 or 1.5."""
    return f"{name} 未通过第 1.4 或 1.5 步 / {name} failed step 1.4 or 1.5"

@dataclass(frozen=True)
class Anchor:
    """What the regulator trusts, from outside the bundle."""

    keys: signing.KeyRing | None = None
    key_ids: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    trust_bundle_keys: bool = False

    @property
    def given(self) -> bool:
        return self.keys is not None or bool(self.key_ids or self.fingerprints) or \
            self.trust_bundle_keys

    def describe(self) -> str:
        parts = []
        if self.keys is not None:
            parts.append("--keys (" + ", ".join(sorted(self.keys.keys)) + ")")
        if self.key_ids:
            parts.append("--key-id " + ", ".join(self.key_ids))
        if self.fingerprints:
            parts.append("--fingerprint " + ", ".join(f[:16] + "…" for f in self.fingerprints))
        if self.trust_bundle_keys:
            parts.append("导出包自带的密钥 the bundle's own keys (--trust-bundle-keys): compare "
                         "the fingerprints above with the ones the district publishes")
        # The key ids are the regulator's own input, pasted from a mail or a page: an escape
        # sequence or a direction control in one must not reach the terminal.
        return _printable("; ".join(parts) or "无 none")


def _printable(message: str) -> str:
    """A message as the report prints it: names from the bundle (a field, a voter key, a
    key id) may hold escape sequences that clear the regulator's terminal and write a
    verdict of their own, or text-direction controls; every hidden character is written
    as \\u{XXXX} (str.isprintable is false exactly where bidi.hidden is true)."""
    return message if message.isprintable() else shown(message, len(message))


def _step_key(step: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in step.split("."))


@dataclass
class _Run:
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    signatures: sigbatch.Batch = field(default_factory=sigbatch.Batch)

    def fail(self, step: str, message: str, entry: int | None = None) -> None:
        self.failures.append(Failure(step, _printable(message), entry))

    def signature(self, step: str, entry: int, message: str, task: tuple,
                  if_valid: str | None = None, ahead=None) -> None:
        """A signature (or key) to check later, in one batch (several cores with jobs > 1):
        `message` fails the step if it is bad; `if_valid`, if given, fails it if it is good
        (a finding that only applies to a valid key). `ahead`: the key under which the
        same task may have been sent early (sigbatch.Batch.ahead)."""
        self.signatures.add((step, entry, message, if_valid), task, ahead)

    def check_signatures(self) -> None:
        for (step, entry, message, if_valid), ok in self.signatures.results():
            if not ok:
                self.fail(step, message, entry)
            elif if_valid is not None:
                self.fail(step, if_valid, entry)
        self.failures.sort(key=lambda f: (_step_key(f.step), -1 if f.entry is None
                                          else f.entry))

    def skip(self, step: str, reason: str) -> None:
        self.skipped.append(Skipped(step, _printable(reason)))

    def guarded(self, step: str, fn, *args):
        """Run one group of checks; an unexpected shape of data is that step's failure."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - never a traceback, always a step
            self.fail(step, f"无法完成：数据结构与规定不符（{type(exc).__name__}） / cannot be "
                            f"completed: the data has an unexpected shape "
                            f"({type(exc).__name__})")
            return None


@dataclass
class _Bundle:
    """What the structure steps could read; None where a file failed 1.4 or 1.5."""

    files: dict[str, bytes]
    manifest: dict | None = None
    proposal: dict | None = None
    roll: dict | None = None
    tally_file: dict | None = None
    lines: list = field(default_factory=list)      # parsed chain lines, None if unparsable
    typed: list[bool] = field(default_factory=list)  # each line passed 1.5
    digests: list = field(default_factory=list)    # recomputed digest of each entry or None
    keyring: signing.KeyRing = field(default_factory=signing.KeyRing)
    anchored: bool = False
    signer: str | None = None
    version: int = 3  # of the spec whose rules apply: 2 for format votes-bundle/1 (§9.1)
    unread: bool = False  # chain.jsonl was not read to its end: too many bad lines (1.4)

    # entries() by kind, built once the lines are read (a chain has 100,000 entries and
    # the steps ask for them several times); rebuilt if lines were added since.
    _by_kind: dict = field(default_factory=dict, repr=False)
    _by_kind_of: int = field(default=-1, repr=False)

    def entries(self, kind: str | None = None) -> list[tuple[int, dict]]:
        """(position, entry) of the well-typed entries, of one kind if given. The list is
        shared between callers: do not change it."""
        if self._by_kind_of != len(self.lines):
            every = [(n, line["entry"]) for n, line in enumerate(self.lines) if self.typed[n]]
            by_kind: dict = {None: every}
            for item in every:
                by_kind.setdefault(item[1]["kind"], []).append(item)
            self._by_kind, self._by_kind_of = by_kind, len(self.lines)
        return self._by_kind.get(kind, [])

    @property
    def uid(self) -> str | None:
        """proposal.json's uid; None where that file failed 1.4 or 1.5."""
        return self.proposal["uid"] if self.proposal is not None else None

    @property
    def all_typed(self) -> bool:
        return all(self.typed)


def canonical_b64(text: str, size: int) -> bool:
    """Standard base64 with padding of exactly `size` bytes, in its one canonical spelling
    (unused trailing bits zero), so that no two spellings of one signature both verify."""
    return canonical_b64_bytes(text, size) is not None


def canonical_b64_bytes(text: str, size: int) -> bytes | None:
    """The bytes `text` spells if it is canonical_b64 of `size` bytes, else None: for a
    caller that checks the spelling and then needs the bytes (a signature sent to the
    batch), one decoding instead of two."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == size and base64.b64encode(raw).decode("ascii") == text else None
