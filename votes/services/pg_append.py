"""Online ballots on PostgreSQL: the proposal lock held for two round trips.

Casts of one proposal queue on its row lock, so what happens while it is held is what
limits them. The general path (`chain_store.Appender` and the ORM) holds it for the
locking SELECT, three writes and the COMMIT, with the ORM's flush between them. Here:

1. `lock_head` takes the lock and reads only what the entries need (state, window, head,
   the active key's id, which of the unsigned ballots' voters registered a device key);
2. the entries are timed, built and signed in Python (about 0.2 ms each);
3. `append_ballots` sends one statement (data-modifying CTEs: the chain entries, the
   ballot rows and the proposal's new head) and the COMMIT in one psycopg pipeline: one
   round trip, after which the lock is released without the app having to run again.

The ballots a process casts on one proposal at the same moment share one such turn
(votes/services/append_queue.py). The rows written are the ones the general path writes
(tests/test_pg_append.py compares both); SQLite and batches of paper ballots keep the
general path.
"""

from __future__ import annotations

import functools
import sys
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from votes.core import bundle
from votes.models import Proposal
from votes.services import rows

_NEW = ("seq", "digest", "line", "voter_key", "revision", "choice_enc", "commitment",
        "channel", "entered_by")
_TYPES = ("int", "text", "text", "text", "int", "bytea", "text", "text", "text")


@functools.cache
def _append_sql(count: int) -> str:
    """The statement for `count` ballots, in chain order: the entries take consecutive
    sequence numbers and the head becomes the last of them. One text per count (psycopg
    prepares each once it recurs); plain parameters, since a list sent as an array was
    converted element by element in Python."""
    rows = ",\n        ".join(
        "(" + ", ".join(f"%({name}_{i})s::{kind}" for name, kind in zip(_NEW, _TYPES)) + ")"
        for i in range(count))
    return f"""
WITH new ({", ".join(_NEW)}) AS (
    VALUES {rows}
), entry AS (
    INSERT INTO chain_entries (proposal_id, seq, kind, digest, line, created_at)
    SELECT %(proposal_id)s, seq, 'ballot', digest, line, %(at)s FROM new
), head AS (
    UPDATE proposals SET chain_head = %(head)s, chain_length = %(length)s,
        chain_time = %(at)s
    WHERE id = %(proposal_id)s
)
INSERT INTO ballots (proposal_id, voter_key, revision, seq, choice_enc, commitment, channel,
                     receipt, entered_by, cast_at)
SELECT %(proposal_id)s, voter_key, revision, seq, choice_enc, commitment, channel, digest,
       entered_by, %(at)s FROM new
RETURNING id, seq
"""


def applies(session: Session, count: int, actor: str | None, evidence, body: dict) -> bool:
    """One ballot, no staff actor, no evidence file, on PostgreSQL with psycopg, whose body
    every bundle format holds (an owner's online ballot has no proxy, transfer or
    correction): this path never reads which format the chain is in, so any other ballot
    goes the general way, where chain_store.Appender refuses what the chain cannot hold."""
    return count == 1 and actor is None and evidence is None \
        and session.get_bind().dialect.name == "postgresql" \
        and bundle.older_format_holds("ballot", body)


def lock_head(session: Session, proposal_id: int, unsigned_voters: list[str] = ()):
    """Lock the proposal row; (state, voting_start, voting_end, chain_head, chain_length,
    chain_time) of the locked row, the active signing key's id (None if there is none
    yet), read under the lock: a rotation takes effect at the next entry; and `registered`:
    those of unsigned_voters (the voters of unsigned online ballots) who have a device key,
    or None, read under the lock too (spec §14.3: such a ballot would fail 6.10).

    Read on the driver's cursor (votes/services/rows.py): everything after this statement
    until the COMMIT holds the proposal's lock, and Core's result handling was most of the
    Python run under it."""
    return rows.fetch_values(_lock_head(), {"proposal_id": proposal_id,
                                            "voters": list(unsigned_voters)},
                             session=session)[0]


@functools.cache
def _lock_head():
    # Built once, with bind parameters: every cast runs it.
    from sqlalchemy import String, any_, func
    from sqlalchemy.dialects.postgresql import ARRAY

    from votes.models import DeviceKey
    from votes.services.keys import active_key_id

    registered = select(func.array_agg(DeviceKey.voter_key)).where(
        DeviceKey.proposal_id == bindparam("proposal_id"),
        DeviceKey.voter_key == any_(bindparam("voters", type_=ARRAY(String)))) \
        .scalar_subquery()
    # FOR NO KEY UPDATE, as chain_store.lock_proposal takes it (which says why).
    return select(Proposal.state, Proposal.voting_start, Proposal.voting_end,
                  Proposal.chain_head, Proposal.chain_length, Proposal.chain_time,
                  active_key_id().label("key_id"), registered.label("registered")) \
        .where(Proposal.id == bindparam("proposal_id")) \
        .with_for_update(of=Proposal, key_share=True)


def is_duplicate(exc: BaseException) -> bool:
    """Whether the driver refused a write here for a constraint (raised outside
    SQLAlchemy, so not wrapped in its IntegrityError): a second ballot of a revision."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.IntegrityError)


def append_ballots(session: Session, proposal_id: int, at: datetime, ballots: list) -> list[int]:
    """Write the entries, the ballots and the head, and COMMIT, in one round trip; the new
    ballots' ids, in order. `ballots`: (prepared ballot, sealed entry) pairs in chain
    order, the entries following the locked head. The session's transaction is over
    afterwards (its own commit finds nothing to do); on an error the database has rolled
    nothing in."""
    raw = session.connection().connection.driver_connection
    params = {"proposal_id": proposal_id, "at": at, "head": ballots[-1][1].digest,
              "length": ballots[-1][1].seq + 1}
    for i, (prepared, sealed) in enumerate(ballots):
        req = prepared.req
        for name, value in zip(_NEW, (sealed.seq, sealed.digest, sealed.to_line().decode("utf-8"),
                                      req.voter_key, prepared.revision, prepared.choice_enc,
                                      prepared.commitment, req.channel, req.entered_by)):
            params[f"{name}_{i}"] = value
    sql = _append_sql(len(ballots))
    if not rows.pipelines():  # libpq before 14: two round trips
        cursor = raw.execute(sql, params)
        raw.commit()
    else:
        with raw.pipeline():
            cursor = raw.execute(sql, params)
            raw.commit()
    ids = {seq: ballot_id for ballot_id, seq in cursor.fetchall()}
    return [ids[sealed.seq] for _prepared, sealed in ballots]
