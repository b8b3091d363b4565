"""The witness of an app's staff audit log: its progress, not its contents.

The app publishes the log's head (seq, digest, time of its last entry) and the digest at any
seq (GET /api/audit/head, /api/audit/digests/<seq>), never who did what. Each round the
witness records the head it saw and checks that the app still serves, at each seq recorded
before, the digest recorded there, and that the head's seq never went back. Each digest
covers every entry before it (votes.services.audit), so a consistent rebuild of the log
(an entry edited and the digests after it recomputed) changes the latest recorded digest at
once; the latest is checked every round, the others AUDIT_CHECKS a round, oldest first.
A mismatch is reported as a chain's fork is (exit status 1) and kept (audit_forks)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# Recorded digests other than the latest checked again per app and round (a request each).
AUDIT_CHECKS = 20

_DIGEST = re.compile(r"[0-9a-f]{64}")
# The largest seq the witness's SQLite can record (its INTEGER); the app's own column ends
# far sooner. One past it raised OverflowError out of the whole round.
MAX_SEQ = 2 ** 63 - 1


@dataclass(frozen=True)
class Fork:
    app: str
    seq: int                        # the recorded entry
    recorded: str                   # its digest when recorded
    served: str | None              # its digest served now; None: no entry there
    head: tuple[int, str] | None    # for a shorter log, the head served (None: empty)

    def line(self) -> str:
        """Chinese first, then English, naming the seq and both digests."""
        if self.served is not None:
            return (f"AUDIT FORK {self.app}: 审计日志第 {self.seq} 条的摘要已变：见证人记录的是 "
                    f"{self.recorded}，现在是 {self.served} / audit log entry {self.seq} has "
                    f"digest {self.served}, not {self.recorded} as recorded (the log was "
                    "rewritten; record kept)")
        now_zh, now_en = ("日志现为空", "it is now empty") if self.head is None else (
            f"现在最后一条是第 {self.head[0]} 条（摘要 {self.head[1]}）",
            f"its head is now entry {self.head[0]} (digest {self.head[1]})")
        return (f"AUDIT FORK {self.app}: 审计日志变短：见证人记录了第 {self.seq} 条（摘要 "
                f"{self.recorded}），{now_zh} / the audit log is shorter than recorded: entry "
                f"{self.seq} (digest {self.recorded}) was seen, {now_en} (entries deleted; "
                "record kept)")


def _head(answer) -> tuple[int, str, str] | None:
    """The head in a GET /api/audit/head answer; None for an empty log. ValueError if it is
    not one."""
    head = answer["head"]
    if head is None:
        return None
    seq, digest, time = head["seq"], head["digest"], head["time"]
    if type(seq) is not int or not 0 <= seq <= MAX_SEQ or not isinstance(digest, str) or \
            not _DIGEST.fullmatch(digest) or not isinstance(time, str) or len(time) > 40:
        raise ValueError(f"malformed audit head {str(head)[:120]}")
    return seq, digest, time


def _digest(answer, seq: int) -> str | None:
    if answer is None:
        return None
    digest = answer["digest"]
    if answer["seq"] != seq or not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValueError(f"malformed audit digest {str(answer)[:120]}")
    return digest


def check(store, app: str, get: Callable[[str], object | None], now: str
          ) -> tuple[list[Fork], list[str]]:
    """One round's check of `app`'s audit log: the forks seen (each kept in `store`) and the
    problems (what could not be checked). `get(url)` is the JSON answer, None for a 404.
    The head is recorded only when every check passed."""
    answer = get(app + "/api/audit/head")
    recorded = store.audit_to_check(app, AUDIT_CHECKS)
    if answer is None:  # an app of a release before the audit API, or one that stopped
        return [], [f"{app}: the audit log's head is no longer served (recorded up to entry "
                    f"{recorded[0][0]}); not checked"] if recorded else []
    head = _head(answer)
    forks = []
    if recorded and (head is None or head[0] < recorded[0][0]):
        forks.append(Fork(app, *recorded[0], None, head[:2] if head else None))
    else:
        for seq, digest in recorded:
            served = head[1] if seq == head[0] else _digest(
                get(f"{app}/api/audit/digests/{seq}"), seq)
            if served != digest:
                forks.append(Fork(app, seq, digest, served, None if served else head[:2]))
            else:
                store.audit_checked(app, seq, now)
    for fork in forks:
        store.audit_fork(fork, now)
    if not forks and head is not None:
        store.audit_record(app, *head, now)
    return forks, []
