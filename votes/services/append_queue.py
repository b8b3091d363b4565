"""Online ballots of one proposal appended together, one turn of its lock per process.

Casts of one proposal queue on its row lock (votes/services/pg_append.py). Its holder
needs the GIL between reading the head and sending the append, and in a worker busy with
other pages that wait was most of the time the lock was held (docs/performance.md). Here
the threads of a process that cast on the same proposal at once share one turn: the first
to find no turn running takes every ballot queued so far, appends them as consecutive
entries with one statement and one COMMIT, and hands each its own outcome. A thread whose
ballot was appended meanwhile returns without touching the database.

Each ballot's outcome is its own:
- an unsigned ballot of a voter who has registered a device key (read under the lock,
  spec §14.3) is refused, and the others of the turn are appended;
- a statement refused as a whole (a revision another process took meanwhile, or two
  ballots of one voter in the turn) is retried ballot by ballot, each in its own
  transaction, so only the ballot at fault is refused;
- where the locked row says the fast path does not apply (the window has ended, no
  signing key yet), every ballot of the turn is handed back (None) to go the general way
  (votes/services/ballots.py), each in its own request's transaction.

The entries of a turn share one time, read under the lock and never earlier than the
chain's last entry. A receipt is shown only after the COMMIT that holds its entry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from votes.core import chain
from votes.core.canonical import format_time
from votes.services import clock, keys, pg_append
from votes.services.chain_store import Head
from votes.services.device_check import UnsignedButRegistered

MAX_TURN = 64  # ballots in one statement; more wait for the next turn


@dataclass(frozen=True)
class Appended:
    """Where a ballot went: its row's id, its sealed entry and the entry's time."""

    ballot_id: int
    sealed: chain.SealedEntry
    at: datetime


class _Pending:
    """One request's ballot, waiting for a turn."""

    __slots__ = ("prepared", "done", "appended", "error")

    def __init__(self, prepared):
        self.prepared = prepared
        self.done = False
        self.appended: Appended | None = None
        self.error: BaseException | None = None

    def finish(self, appended: Appended | None) -> None:
        self.appended, self.done = appended, True

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.appended


class _Turn:
    __slots__ = ("cond", "queue", "busy")

    def __init__(self):
        self.cond = threading.Condition()
        self.queue: list[_Pending] = []
        self.busy = False


# By database and proposal: a thread that takes a turn writes on its own session, so a
# process serving two databases (tests do) must never mix their ballots in one turn.
_turns: dict[tuple, _Turn] = {}
_turns_lock = threading.Lock()


def _turn_of(database, proposal_id: int) -> _Turn:
    with _turns_lock:
        turn = _turns.get((database, proposal_id))
        if turn is None:
            turn = _turns[(database, proposal_id)] = _Turn()
        return turn


def append(session: Session, proposal, prepared) -> Appended | None:
    """Append one prepared online ballot with whatever this process is casting on the same
    proposal at the same moment; None where the general path must take it. `session` is
    the calling request's: a thread that takes the turn writes every ballot of it on its
    own session. Raises what refused this ballot."""
    turn = _turn_of(session.get_bind().url, proposal.id)
    mine = _Pending(prepared)
    with turn.cond:
        turn.queue.append(mine)
        while not mine.done:
            if turn.busy:
                turn.cond.wait()
                continue
            turn.busy = True
            batch, turn.queue = turn.queue[:MAX_TURN], turn.queue[MAX_TURN:]
            turn.cond.release()
            try:
                _run(session, proposal, batch)
            finally:
                turn.cond.acquire()
                turn.busy = False
                turn.cond.notify_all()
    return mine.outcome()


def _run(session: Session, proposal, batch: list[_Pending]) -> None:
    """Give every ballot of the batch its outcome; never leave one without."""
    try:
        try:
            _together(session, proposal, batch)
        except Exception as exc:  # noqa: BLE001 - each ballot gets its own outcome below
            session.rollback()
            left = [p for p in batch if not p.done]
            if len(left) == 1:
                left[0].fail(exc)
                return
            for pending in left:  # one at a time: only the ballot at fault is refused
                try:
                    _together(session, proposal, [pending])
                except Exception as one:  # noqa: BLE001 - this ballot's own refusal
                    session.rollback()
                    pending.fail(one)
    except BaseException as exc:
        for pending in batch:
            if not pending.done:
                pending.fail(exc)
        raise


def _together(session: Session, proposal, batch: list[_Pending]) -> None:
    """Lock, time, sign and append the ballots of the batch not yet done, in one
    transaction with one COMMIT."""
    batch = [p for p in batch if not p.done]
    unsigned = sorted({p.prepared.req.voter_key for p in batch
                       if p.prepared.req.device is None})
    head = pg_append.lock_head(session, proposal.id, unsigned)
    now = clock.now()  # under the lock, and never earlier than the last entry
    if head.chain_time is not None and now < head.chain_time:
        now = head.chain_time
    if head.state != "voting" or not head.voting_start <= now < head.voting_end \
            or head.key_id is None:
        session.rollback()  # the general path takes the lock again, in each request
        for pending in batch:
            pending.finish(None)
        return
    registered = set(head.registered or ())
    appended = []
    for pending in batch:
        req = pending.prepared.req
        if req.device is None and req.voter_key in registered:
            pending.fail(UnsignedButRegistered())
        else:
            appended.append(pending)
    if not appended:
        session.rollback()
        return
    signer = keys.signer_of(head.key_id)  # decrypted once per process and key
    previous = Head(head.chain_head, head.chain_length) if head.chain_length else None
    time, sealed = format_time(now), []
    for pending in appended:
        entry = chain.next_entry(previous, proposal=proposal.uid, kind="ballot", time=time,
                                 key_id=signer.key_id, body=pending.prepared.body)
        previous = chain.seal(entry, signer.private_key)
        sealed.append(previous)
    ids = pg_append.append_ballots(session, proposal.id, now, [
        (pending.prepared, entry) for pending, entry in zip(appended, sealed)])
    for pending, entry, ballot_id in zip(appended, sealed, ids):
        pending.finish(Appended(ballot_id, entry, now))
