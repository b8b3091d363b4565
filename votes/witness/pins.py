"""The server keys a witness trusts (docs/verification.md §10, pinned server keys): pinned by its operator,
obtained outside the app, never learned from what the app publishes.

Two ways to pin, combinable: a keys file in the format of /.well-known/votes-keys.json
(what `votes verify --keys` reads), re-read every round so a rotation is accepted by
editing the file without a restart; and fingerprints (§1.2), whose keys' bytes the witness
takes from the app's published keys and remembers in its database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from votes.core import signing
from votes.core.verifier_base import fingerprint, normalise_fingerprint
from votes.core.verifier_integrity import load_keys_file
from votes.i18n import _

MAX_KEYS_FILE = 1_000_000


class PinError(ValueError):
    """The pinned keys cannot be read: the witness cosigns nothing until they can."""


def parse_fingerprint(text: str) -> str:
    """A fingerprint as typed (either case, spaces and colons allowed) → 64 lower-case hex."""
    clean = normalise_fingerprint(text)
    if len(clean) != 64 or any(ch not in "0123456789abcdef" for ch in clean):
        raise PinError(_("指纹应是 64 位十六进制数字：%(text)s", text=text[:80]))
    return clean


@dataclass(frozen=True)
class Pins:
    keys_file: Path | None = None
    fingerprints: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        if self.keys_file is None and not self.fingerprints:
            raise PinError(_("没有固定服务器的公钥：请给出 --server-keys 或 "
                             "--server-fingerprint"))

    def file_keys(self) -> signing.KeyRing:
        if self.keys_file is None:
            return signing.KeyRing({})
        try:
            with open(self.keys_file, "rb") as fh:
                return load_keys_file(fh.read(MAX_KEYS_FILE + 1)[:MAX_KEYS_FILE])
        except OSError as exc:
            raise PinError(_("无法读取固定的公钥文件 %(path)s：%(problem)s",
                             path=str(self.keys_file), problem=exc.strerror or exc)) from None
        except ValueError as exc:
            raise PinError(_("固定的公钥文件 %(path)s 有误：%(problem)s",
                             path=str(self.keys_file), problem=exc)) from None

    def trusted(self, file_keys: signing.KeyRing, candidates: signing.KeyRing) -> signing.KeyRing:
        """The keys the witness verifies with: those of the pinned file, and of the
        candidates (published or remembered) those whose fingerprint is pinned."""
        keys = dict(file_keys.keys)
        for kid, key in candidates.keys.items():
            if kid not in keys and fingerprint(key) in self.fingerprints:
                keys[kid] = key
        return signing.KeyRing(keys)


def unpinned(published: signing.KeyRing, trusted: signing.KeyRing) -> list[tuple[str, str]]:
    """(key id, fingerprint) of each key the app publishes that the witness does not trust
    — a rotation its operator has not accepted, or a key substituted for the server's."""
    out = []
    for kid, key in sorted(published.keys.items()):
        mine = trusted.get(kid)
        if mine is None or signing.public_key_b64(mine) != signing.public_key_b64(key):
            out.append((kid, fingerprint(key)))
    return out
