"""One round of the witness: for each app, fetch its heads, check each chain extends the
head we cosigned, cosign the new head, post the cosignature back, keep proof of forks."""

from __future__ import annotations

import hashlib
import itertools
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from votes.core import bundle_zip, chain, signing, witness
from votes.core.bidi import hidden
from votes.core.canonical import canonical_bytes, format_time, parse_time
from votes.core.verifier_integrity import load_keys_file, split_lines
from votes.witness import ROUND_BUDGET, audit, logs, transport
from votes.witness.pins import PinError, Pins, unpinned
from votes.witness.store import Progress, Store
from votes.witness.transport import (MAX_RETRY_AFTER, Limited, OutOfTime,
                                     Unreachable, retry_after_seconds)

MAX_NEW_ENTRIES = 1_000_000  # entries checked for one proposal in one round
MAX_UID = 128
MAX_DECOYS_LISTED = 100  # malformed or refused heads of one app reported each, per round


@dataclass
class RoundResult:
    cosigned: list[tuple[str, int]] = field(default_factory=list)   # (proposal, length)
    forks: list[tuple[str, str]] = field(default_factory=list)      # (proposal, reason)
    unpinned: list[tuple[str, str, str]] = field(default_factory=list)  # (app, key id, fp)
    # (app, proposal, length) whose cosignature the app refused as not matching its chain
    conflicts: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # (app, proposal) left unchecked when the round's budget ran out; proposal None: the app
    not_reached: list[tuple[str, str | None]] = field(default_factory=list)
    # (app, seconds to wait, whether this round was refused): an app that answered 429,
    # skipped until its Retry-After has passed
    limited: list[tuple[str, int, bool]] = field(default_factory=list)
    budget: float = ROUND_BUDGET
    posted: int = 0
    # an app's staff audit log that no longer holds a digest recorded earlier (a fork's peer)
    audit_forks: list[audit.Fork] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"cosigned {uid} length {n}" for uid, n in self.cosigned]
        out += [f"FORK {uid}: {why} (refused; proof kept)" for uid, why in self.forks]
        out += [fork.line() for fork in self.audit_forks]
        out += [f"UNPINNED KEY {app} publishes {kid} (fingerprint {fp}), not pinned: entries "
                "it signs are not cosigned" for app, kid, fp in self.unpinned]
        out += [f"CONFLICT {app} {uid}: the app refused our cosignature of {n} entries (HTTP "
                "409): its chain no longer holds, at that position, the entry it served us "
                "(entries lost and others appended in their place, two databases behind one "
                "address, or a rewrite); the next round checks it and keeps proof of a fork"
                for app, uid, n in self.conflicts]
        out += [f"NOT REACHED {app}{'' if uid is None else ' ' + uid}: the round's time "
                f"budget ({self.budget:g} s) ran out; checked next round"
                for app, uid in self.not_reached]
        out += [f"LIMITED {app}: retry after {seconds} s (" + (
                    "HTTP 429 Too Many Requests: over the app's per-address limit, so the rest "
                    "of this app is checked in a later round; ask its operator to list this "
                    "witness's address in VOTES_WITNESS_ADDRESSES)" if new else
                    "it answered 429 Too Many Requests in an earlier round; not polled this "
                    "round)") for app, seconds, new in self.limited]
        out += [f"problem: {p}" for p in self.problems]
        return [printable(line) for line in out]


def printable(text: str) -> str:
    """Text the app chose (a uid, a key id, a reason phrase), safe to print on one line of
    a terminal or log: control, format (bidi) and line-breaking characters escaped, so an
    answer cannot fake a line of the report or hide one."""
    return "".join(ascii(ch)[1:-1] if hidden(ch) else ch for ch in text)


def uid_problem(uid: str) -> str | None:
    """Why the witness will not cosign a proposal with this uid (the app's uids are 16 hex
    digits; any uid of up to MAX_UID printable characters, none a space, is checked)."""
    if not 1 <= len(uid) <= MAX_UID:
        return f"a proposal uid has 1 to {MAX_UID} characters, not {len(uid)}"
    if printable(uid) != uid or " " in uid:
        return "a proposal uid has no spaces, control or formatting (bidi) characters"
    return None


def _keys_tag(keys: signing.KeyRing) -> str:
    """The server keys a check was made with, in short: a check made with a key since
    unpinned is not gone on from."""
    text = "\n".join(f"{kid} {signing.public_key_b64(key)}"
                     for kid, key in sorted(keys.keys.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _utcnow() -> datetime:
    """The witness's clock: the machine's, which its operator keeps right (NTP). Only tests
    give a Witness another (its `clock`); the commands have no option for it, so that a
    witness cannot be told to vouch for times by anything but its own clock."""
    return datetime.now(timezone.utc)


class Witness:
    def __init__(self, key: Ed25519PrivateKey, store: Store, pins: Pins,
                 clock: Callable[[], datetime] | None = None,
                 round_budget: float = ROUND_BUDGET):
        """`clock` returns the witness's time, an aware datetime (the machine's clock by
        default; tests pass one to run against an app whose clock they froze).
        `round_budget`: seconds a round may take in all (each request has DEADLINE too)."""
        self.key = key
        self.key_id = signing.key_id(key.public_key())
        self.store = store
        self.pins = pins
        self.clock = clock if clock is not None else _utcnow
        self.round_budget = round_budget

    def now(self) -> datetime:
        """The witness's clock, in whole seconds (as chain times and statements are)."""
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the witness's clock gave a naive datetime")
        return now.astimezone(timezone.utc).replace(microsecond=0)

    def poll(self, apps: list[str]) -> RoundResult:
        """One round over every app; an unreachable app is reported, the others polled.
        The pinned keys file is read afresh each round (a rotation its operator accepted).
        The round ends after `round_budget` seconds, however slowly each app answers (each
        within its deadline): what it did not reach by then is reported, not_reached."""
        result = RoundResult(budget=self.round_budget)
        try:
            file_keys = self.pins.file_keys()
        except PinError as exc:
            result.problems.append(f"{exc}; nothing cosigned this round")
            return result
        with transport.round_of(self.round_budget):
            for app in apps:
                self._poll_app_in_time(app.rstrip("/"), file_keys, result)
        return result

    def _poll_app_in_time(self, app: str, file_keys: signing.KeyRing,
                          result: RoundResult) -> None:
        if transport.out_of_time():
            result.not_reached.append((app, None))
            return
        until = self.store.limited_until(app)
        if until is not None:
            # Bounded again here: a clock set back since must not hold the app longer.
            wait = min((parse_time(until) - self.now()).total_seconds(), MAX_RETRY_AFTER)
            if wait > 0:
                result.limited.append((app, int(-(-wait // 1)), False))
                return
        try:
            self._poll_app(app, file_keys, result)
        except Limited as exc:
            # Whatever of the app was checked before stays done (cosigned, or its progress
            # kept); the rest waits, the app's other limits (its 304s) spared too.
            seconds = retry_after_seconds(exc.retry_after, self.now())
            self.store.limit(app, format_time(self.now() + timedelta(seconds=seconds)))
            result.limited.append((app, seconds, True))
        except OutOfTime:  # before its heads were read: none of its proposals was reached
            result.not_reached.append((app, None))
        except Unreachable as exc:
            result.problems.append(str(exc))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # malformed
            result.problems.append(f"{app}: unexpected answer ({type(exc).__name__}: "
                                   f"{str(exc)[:120]})")

    def _poll_app(self, app: str, file_keys: signing.KeyRing, result: RoundResult) -> None:
        published = load_keys_file(transport.get(app + "/.well-known/votes-keys.json"))
        pinned_published = self.pins.trusted(signing.KeyRing({}), published)
        self.store.remember_keys(app, pinned_published, format_time(self.now()))
        keys = self.pins.trusted(file_keys, signing.KeyRing(
            {**self.store.remembered_keys().keys, **pinned_published.keys}))
        result.unpinned += [(app, kid, fp) for kid, fp in unpinned(published, keys)]
        heads = self._heads(app)
        announced = set()
        # Decoys past the first MAX_DECOYS_LISTED are counted, not each reported: one
        # answer may hold millions of `{}`, and a line each was 1.7 GB and a flooded log.
        decoys = 0

        def decoy(problem: str) -> None:
            nonlocal decoys
            decoys += 1
            if decoys <= MAX_DECOYS_LISTED:
                result.problems.append(problem)

        # Each proposal on its own: one the app will not serve, or serves garbled, must not
        # stop the witness checking the others (a decoy would hide a rewrite).
        for item in heads:
            uid = item.get("proposal") if isinstance(item, dict) else None
            length = item.get("length") if isinstance(item, dict) else None
            head = item.get("head") if isinstance(item, dict) else None
            if not isinstance(uid, str) or type(length) is not int or length < 1 or \
                    not isinstance(head, str):
                decoy(f"{app}: malformed head {str(item)[:80]}")
                continue
            refused = uid_problem(uid)
            if refused:
                decoy(f"{app}: proposal {uid[:80]!r}: {refused}; not cosigned")
                continue
            announced.add(uid)
            if transport.out_of_time():
                result.not_reached.append((app, uid))
                continue
            try:
                self._check_one(app, uid, length, head, keys, result)
                self._post_latest(app, uid, result)
            except OutOfTime:  # its check cut short: nothing of it was cosigned
                result.not_reached.append((app, uid))
            except Unreachable as exc:
                result.problems.append(f"{uid}: {exc}")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                result.problems.append(f"{app} {uid}: unexpected answer "
                                       f"({type(exc).__name__}: {str(exc)[:120]})")
        if decoys > MAX_DECOYS_LISTED:
            result.problems.append(f"{app}: {decoys - MAX_DECOYS_LISTED:,} more malformed or "
                                   "refused heads, not listed; not cosigned")
        for held in self.store.held_from(app):
            if held.proposal not in announced:
                result.problems.append(f"{app} {held.proposal}: cosigned at length "
                                       f"{held.length}, no longer announced (a chain shorter "
                                       "than the one cosigned); not cosigned")
        self._check_audit(app, result)

    def _check_audit(self, app: str, result: RoundResult) -> None:
        """The app's staff audit log, after its chains (votes.witness.audit): on its own, as
        each proposal is; a 429 still ends the app's round."""
        try:
            forks, problems = audit.check(self.store, app, transport.json_or_none,
                                          format_time(self.now()))
        except OutOfTime:
            result.not_reached.append((app, "audit log"))
            return
        except Unreachable as exc:
            result.problems.append(f"audit log: {exc}")
            return
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            result.problems.append(f"{app} audit log: unexpected answer "
                                   f"({type(exc).__name__}: {str(exc)[:120]})")
            return
        result.audit_forks += forks
        result.problems += problems

    def _heads(self, app: str) -> list:
        """Every head the app announces, page after page (GET /api/heads gives a page and
        the cursor of the next): read only in part, the chains past the first page went
        uncosigned and any held among them read as no longer announced. A cursor given
        twice is an app going round in circles; the round's budget ends any other. The pages
        together are bounded as one answer is (MAX_RESPONSE, the values of 1.3): each
        page's heads are held until the last is read, and pages of `{}` with ever-new
        cursors, each within the bounds, took 1.4 GB in 4 s, long before the budget."""
        heads, cursors, url = [], set(), app + "/api/heads"
        size = items = 0
        while True:
            body = transport.get(url)
            size += len(body)
            items += bundle_zip.json_items(body)
            if size > transport.MAX_RESPONSE or bundle_zip.items_over_limit(items, size):
                raise ValueError(f"the pages of heads hold more than one answer may ({size:,} "
                                 f"bytes, {items:,} of the characters {{ [ and ,); refused")
            answer = transport.parse_json(body)
            page = answer["heads"]
            if not isinstance(page, list):
                raise ValueError("heads is not a list")
            heads += page
            cursor = answer.get("next")  # absent from an app that answers in one page
            if cursor is None:
                return heads
            if not isinstance(cursor, str) or cursor in cursors:
                raise ValueError("heads: the next page's cursor is not a new one")
            cursors.add(cursor)
            url = f"{app}/api/heads?after={urllib.request.quote(cursor, safe='')}"

    def _page(self, app: str, uid: str, start: int, count: int) -> list[bytes]:
        """The first `count` lines served from `start`, split one at a time: a list of all
        of 64 MiB of short lines took 1 GB."""
        url = f"{app}/api/proposals/{urllib.request.quote(uid, safe='')}/chain?from={start}"
        return list(itertools.islice(filter(None, split_lines(transport.get(url))), count))

    def _checked(self, app: str, uid: str, start_line: bytes | None, start_length: int,
                 length: int, keys: signing.KeyRing, now: datetime,
                 save: Callable[[chain.SealedEntry], None],
                 seen: dict[int, chain.SealedEntry | None]):
        """The served chain from entry `start_length` - 1, the line `start_line` (or from 0
        when None), to `length` entries, checked page by page as it arrives: the first bad
        page ends it; a new entry dated later than `now` + CLOCK_SKEW is a bad one. The last
        entry, or None if nothing was served. Fork, ChainProblem as witness.extend. After
        each page but the last, the last entry checked is given to `save`: a check cut short
        by the round's budget, the app, or the witness's process dying (kill -9, OOM, a
        reboot: no `except` runs) goes on from there. (After the last the check is over:
        cosigned, which clears it, or refused.) The entries checked at the positions that
        are keys of `seen` are put there."""
        start = start_length - 1 if start_line is not None else 0
        want = length - start
        last, got = None, 0
        while got < want:
            page = self._page(app, uid, start + got, want - got)
            if not page:
                break
            new = page
            if got == 0 and start_line is not None:
                last = witness.extend(uid, start_line, page[:1], keys, now)
                new = page[1:]
                if last is not None and last.seq in seen:
                    seen[last.seq] = last
            for raw in new:
                last = witness.check_line(raw, uid, last.seq + 1 if last else 0,
                                          last.digest if last else chain.GENESIS_PREV,
                                          keys, now)
                if last.seq in seen:
                    seen[last.seq] = last
            got += len(page)
            if got < want and last is not None and last.seq + 1 > start_length:
                save(last)
        return last

    def _check_one(self, app: str, uid: str, length: int, head: str, keys: signing.KeyRing,
                   result: RoundResult) -> None:
        held = self.store.held(app, uid)
        if held is not None and held.log_key is None:  # held by an older release
            try:
                held = replace(held, log_key=self._log_key(app, uid, keys))
            except witness.ChainProblem as exc:
                result.problems.append(f"{app} {uid}: {exc}; not cosigned")
                return
            self.store.set_log_key(app, uid, held.log_key)
        others = self.store.held_elsewhere(app, uid)
        if held is not None:
            # Checked at every round, a new head or not: both heads may have been cosigned
            # before the log's key of one was known.
            conflict = logs.of_held(held, others)
            if conflict is not None:
                self._fork(app, uid, conflict.reason(app, held.log_key), conflict.other.line,
                           conflict.served, result)
                return
        if held is not None and (held.length, held.head) == (length, head):
            return
        if held is not None and length < held.length:
            # Cut short: the served head is a signed entry contradicting the cosigned one.
            served = self._page(app, uid, length - 1, 1)
            try:
                witness.signed_line(served[0] if served else b"", uid, length - 1, keys)
            except witness.ChainProblem as exc:
                result.problems.append(f"{app} {uid}: announced a shorter chain, {exc}; "
                                       "not cosigned")
                return
            self._fork(app, uid, "the chain is shorter than the one cosigned", held.line,
                       served[0], result)
            return
        if held is not None and length - held.length > MAX_NEW_ENTRIES or \
                held is None and length > MAX_NEW_ENTRIES:
            result.problems.append(f"{app} {uid}: announces {length} entries, more than the "
                                   f"{MAX_NEW_ENTRIES} new ones a round checks; not cosigned")
            return
        # One reading of the clock: the new entries are checked against it, and it is the
        # statement's time, so no cosignature's time is earlier than an entry it covers
        # less CLOCK_SKEW: each passes the verifier's step 10.4. (The head was announced
        # before this reading: the chain existed at that time.)
        now = self.now()
        # A check cut short (the round's budget, the app, the witness killed) goes on where
        # it stopped (or a chain that takes longer than a round, or than one process lives,
        # to check would never be cosigned): from the last entry it stored as checked, if
        # that check began from the head held now, with the keys trusted now, against a
        # clock not later than now (its entries are not dated after this statement's time
        # less CLOCK_SKEW). The entry served there must be the one checked.
        after = (held.length, held.head) if held else None
        tag = _keys_tag(keys)
        start_line, start_length = (held.line, held.length) if held else (None, 0)
        progress = self.store.progress(app, uid)
        going_on = progress is not None and progress.after == after and \
            progress.keys == tag and start_length < progress.length <= length and \
            parse_time(progress.time) <= now
        if going_on:
            start_line, start_length = progress.line, progress.length

        # The entries at the positions of heads cosigned of this proposal from the other
        # addresses, and entry 0: which log this is (unless known already).
        seen: dict[int, chain.SealedEntry | None] = dict.fromkeys(
            {0} | {other.length - 1 for other in others})
        known = held.log_key if held else progress.log_key if going_on else None

        def log_key() -> str | None:
            return known or (logs.log_key(seen[0], keys) if seen[0] else None)

        def save(last: chain.SealedEntry) -> None:
            self.store.remember_progress(app, uid, Progress(
                after, last.seq + 1, last.to_line(), tag, format_time(now), log_key()))

        try:
            last = self._checked(app, uid, start_line, start_length, length, keys, now, save,
                                 seen)
        except witness.Fork as fork:
            # Two signed entries at one position: a proof even if the one checked before
            # was not cosigned yet. Its progress is kept: refused at every round, as a fork
            # of a cosigned head is.
            reason = fork.reason if not going_on else (
                f"entry {start_length - 1} differs from the one checked in an earlier round "
                "(not yet cosigned)")
            self._fork(app, uid, reason, fork.old, fork.new, result)
            return
        except witness.ChainProblem as exc:
            result.problems.append(f"{app} {uid}: {exc}; not cosigned")
            return
        if last is None or last.seq + 1 != length or last.digest != head:
            result.problems.append(f"{app} {uid}: the chain served does not end in the head "
                                   "announced; not cosigned")
            return
        try:
            key = log_key() or self._log_key(app, uid, keys)
        except witness.ChainProblem as exc:
            result.problems.append(f"{app} {uid}: {exc}; not cosigned")
            return
        conflict = logs.of_check(key, others, seen, length)
        if conflict is not None and conflict.served is None:
            result.problems.append(
                f"{app} {uid}: announces {length} entries, fewer than the "
                f"{conflict.other.length} cosigned of the same log from {conflict.other.app}, "
                "which this witness cannot check it against; not cosigned")
            return
        if conflict is not None:
            self._fork(app, uid, conflict.reason(app, key), conflict.other.line, conflict.served,
                       result)
            return
        stmt = witness.statement(proposal=uid, length=length, head=head,
                                 time=format_time(now), witness=self.key_id)
        cosig = canonical_bytes(witness.cosign(self.key, stmt))
        if not self.store.cosigned(proposal=uid, length=length, head=head,
                                   line=last.to_line(), cosignature=cosig, app=app,
                                   time=stmt["time"],
                                   after=(held.length, held.head) if held else None,
                                   log_key=key):
            # Another round of this witness (same database) cosigned this proposal while
            # this one checked: what this one checked may be another history. Never sign
            # over it; the next round checks against what is held now.
            result.problems.append(f"{app} {uid}: another round of this witness cosigned it "
                                   "meanwhile; not cosigned (checked again next round)")
            return
        result.cosigned.append((uid, length))

    def _log_key(self, app: str, uid: str, keys: signing.KeyRing) -> str:
        """The log's key, from its entry 0 as served (a head held by an older release, or a
        check gone on from one cut short): ChainProblem unless validly signed."""
        served = self._page(app, uid, 0, 1)
        return logs.log_key(witness.check_line(served[0] if served else b"", uid, 0,
                                               chain.GENESIS_PREV, keys), keys)

    def _fork(self, app, uid, reason, old, new, result) -> None:
        self.store.fork(proposal=uid, app=app, reason=reason, old_line=old, new_line=new,
                        time=format_time(self.now()))
        result.forks.append((uid, reason))

    def _post_latest(self, app: str, uid: str, result: RoundResult) -> None:
        held = self.store.held(app, uid)
        if held is None or self.store.was_posted(app, uid, held.length):
            return
        try:
            status = transport.post(app + "/api/witness/cosignatures", held.cosignature)
        except OutOfTime:  # cosigned this round, but not reached to post
            result.problems.append(f"{app}: our cosignature of {uid} length {held.length} not "
                                   "posted: the round's time budget ran out (posted next "
                                   "round)")
            return
        if status in (200, 201):
            self.store.mark_posted(app, uid, held.length)
            result.posted += 1
        elif status == 409:
            result.conflicts.append((app, uid, held.length))
        else:
            result.problems.append(f"{app} refused our cosignature of {uid} length "
                                   f"{held.length} (HTTP {status})")
