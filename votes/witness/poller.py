"""One round of the witness: for each app, fetch its heads, check each chain extends the
head we cosigned, cosign the new head, post the cosignature back, keep proof of forks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import signing, witness
from votes.core.canonical import canonical_bytes, format_time
from votes.core.verifier_integrity import load_keys_file
from votes.witness.pins import PinError, Pins, unpinned
from votes.witness.store import Store

TIMEOUT = 20
MAX_RESPONSE = 64 * 2**20


class Unreachable(Exception):
    pass


@dataclass
class RoundResult:
    cosigned: list[tuple[str, int]] = field(default_factory=list)   # (proposal, length)
    forks: list[tuple[str, str]] = field(default_factory=list)      # (proposal, reason)
    unpinned: list[tuple[str, str, str]] = field(default_factory=list)  # (app, key id, fp)
    problems: list[str] = field(default_factory=list)
    posted: int = 0

    def lines(self) -> list[str]:
        out = [f"cosigned {uid} length {n}" for uid, n in self.cosigned]
        out += [f"FORK {uid}: {why} (refused; proof kept)" for uid, why in self.forks]
        out += [f"UNPINNED KEY {app} publishes {kid} (fingerprint {fp}), not pinned: entries "
                "it signs are not cosigned" for app, kid, fp in self.unpinned]
        out += [f"problem: {p}" for p in self.problems]
        return out


def _now() -> str:
    return format_time(datetime.now(timezone.utc))


def _get(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise Unreachable(f"{url}: only http(s) URLs")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return r.read(MAX_RESPONSE + 1)[:MAX_RESPONSE]
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"{url}: {getattr(exc, 'reason', exc)}") from None


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"{url}: {getattr(exc, 'reason', exc)}") from None


class Witness:
    def __init__(self, key: Ed25519PrivateKey, store: Store, pins: Pins):
        self.key = key
        self.key_id = signing.key_id(key.public_key())
        self.store = store
        self.pins = pins

    def poll(self, apps: list[str]) -> RoundResult:
        """One round over every app; an unreachable app is reported, the others polled.
        The pinned keys file is read afresh each round (a rotation its operator accepted)."""
        result = RoundResult()
        try:
            file_keys = self.pins.file_keys()
        except PinError as exc:
            result.problems.append(f"{exc}; nothing cosigned this round")
            return result
        for app in apps:
            app = app.rstrip("/")
            try:
                self._poll_app(app, file_keys, result)
            except Unreachable as exc:
                result.problems.append(str(exc))
            except (ValueError, KeyError, TypeError) as exc:  # malformed answers
                result.problems.append(f"{app}: unexpected answer ({type(exc).__name__}: "
                                       f"{str(exc)[:120]})")
        return result

    def _poll_app(self, app: str, file_keys: signing.KeyRing, result: RoundResult) -> None:
        published = load_keys_file(_get(app + "/.well-known/votes-keys.json"))
        pinned_published = self.pins.trusted(signing.KeyRing({}), published)
        self.store.remember_keys(app, pinned_published, _now())
        keys = self.pins.trusted(file_keys, signing.KeyRing(
            {**self.store.remembered_keys().keys, **pinned_published.keys}))
        result.unpinned += [(app, kid, fp) for kid, fp in unpinned(published, keys)]
        heads = json.loads(_get(app + "/api/heads"))["heads"]
        for item in heads:
            uid, length, head = item["proposal"], item["length"], item["head"]
            if not isinstance(uid, str) or type(length) is not int or length < 1:
                result.problems.append(f"{app}: malformed head {str(item)[:80]}")
                continue
            self._check_one(app, uid, length, head, keys, result)
            self._post_latest(app, uid, result)

    def _lines(self, app: str, uid: str, start: int, count: int) -> list[bytes]:
        lines: list[bytes] = []
        while len(lines) < count:
            url = f"{app}/api/proposals/{urllib.request.quote(uid, safe='')}/chain?from=" \
                  f"{start + len(lines)}"
            page = [line for line in _get(url).split(b"\n") if line]
            if not page:
                break
            lines += page
        return lines[:count]

    def _check_one(self, app: str, uid: str, length: int, head: str, keys: signing.KeyRing,
                   result: RoundResult) -> None:
        held = self.store.held(uid)
        if held is not None and (held.length, held.head) == (length, head):
            return
        if held is not None and length < held.length:
            # Cut short: the served head is a signed entry contradicting the cosigned one.
            served = self._lines(app, uid, length - 1, 1)
            try:
                witness.signed_line(served[0] if served else b"", uid, length - 1, keys)
            except witness.ChainProblem as exc:
                result.problems.append(f"{app} {uid}: announced a shorter chain, {exc}; "
                                       "not cosigned")
                return
            self._fork(app, uid, "the chain is shorter than the one cosigned", held.line,
                       served[0], result)
            return
        start = held.length - 1 if held is not None else 0
        lines = self._lines(app, uid, start, length - start)
        try:
            last = witness.extend(uid, held.line if held else None, lines, keys)
        except witness.Fork as fork:
            self._fork(app, uid, fork.reason, fork.old, fork.new, result)
            return
        except witness.ChainProblem as exc:
            result.problems.append(f"{app} {uid}: {exc}; not cosigned")
            return
        if last is None or last.seq + 1 != length or last.digest != head:
            result.problems.append(f"{app} {uid}: the chain served does not end in the head "
                                   "announced; not cosigned")
            return
        stmt = witness.statement(proposal=uid, length=length, head=head, time=_now(),
                                 witness=self.key_id)
        cosig = canonical_bytes(witness.cosign(self.key, stmt))
        self.store.cosigned(proposal=uid, length=length, head=head, line=last.to_line(),
                            cosignature=cosig, app=app, time=stmt["time"])
        result.cosigned.append((uid, length))

    def _fork(self, app, uid, reason, old, new, result) -> None:
        self.store.fork(proposal=uid, app=app, reason=reason, old_line=old, new_line=new,
                        time=_now())
        result.forks.append((uid, reason))

    def _post_latest(self, app: str, uid: str, result: RoundResult) -> None:
        held = self.store.held(uid)
        if held is None or self.store.was_posted(app, uid, held.length):
            return
        status = _post(app + "/api/witness/cosignatures", held.cosignature)
        if status in (200, 201):
            self.store.mark_posted(app, uid, held.length)
            result.posted += 1
        else:
            result.problems.append(f"{app} refused our cosignature of {uid} length "
                                   f"{held.length} (HTTP {status})")
