"""One owner's ballot on PostgreSQL: the proposal lock held for two round trips.

Casts of one proposal queue on its row lock, so what happens while it is held is what
limits them. The general path (`chain_store.Appender` and the ORM) holds it for the
locking SELECT, three writes and the COMMIT, with the ORM's flush between them. Here:

1. `lock_head` takes the lock and reads only what the entry needs (state, window, head,
   the active key's id);
2. the entry is timed, built and signed in Python (about 0.2 ms);
3. `append_ballot` sends one statement (data-modifying CTEs: the chain entry, the ballot
   row and the proposal's new head) and the COMMIT in one psycopg pipeline: one round
   trip, after which the lock is released without the app having to run again.

The rows written are the ones the general path writes (tests/test_pg_append.py compares
both); SQLite and batches of paper ballots keep the general path.
"""

from __future__ import annotations

import functools
import sys
from datetime import datetime

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session

from votes.models import Proposal
from votes.services import rows

_APPEND = """
WITH entry AS (
    INSERT INTO chain_entries (proposal_id, seq, kind, digest, line, created_at)
    VALUES (%(proposal_id)s, %(seq)s, 'ballot', %(digest)s, %(line)s, %(at)s)
), head AS (
    UPDATE proposals SET chain_head = %(digest)s, chain_length = %(length)s,
        chain_time = %(at)s
    WHERE id = %(proposal_id)s
)
INSERT INTO ballots (proposal_id, voter_key, revision, seq, choice_enc, commitment, channel,
                     receipt, entered_by, cast_at)
VALUES (%(proposal_id)s, %(voter_key)s, %(revision)s, %(seq)s, %(choice_enc)s,
        %(commitment)s, %(channel)s, %(digest)s, %(entered_by)s, %(at)s)
RETURNING id
"""


def applies(session: Session, count: int, actor: str | None, evidence) -> bool:
    """One ballot, no staff actor, no evidence file, on PostgreSQL with psycopg."""
    return count == 1 and actor is None and evidence is None \
        and session.get_bind().dialect.name == "postgresql"


def lock_head(session: Session, proposal_id: int, unsigned_voter: str | None = None):
    """Lock the proposal row; (state, voting_start, voting_end, chain_head, chain_length,
    chain_time) of the locked row, the active signing key's id (None if there is none
    yet), read under the lock: a rotation takes effect at the next entry; and `registered`:
    whether unsigned_voter (an unsigned online ballot's voter) has a device key, read under
    the lock too (spec §14.3: such a ballot would fail 6.10).

    Read on the driver's cursor (votes/services/rows.py): everything after this statement
    until the COMMIT holds the proposal's lock, and Core's result handling was most of the
    Python run under it."""
    return rows.fetch_values(_lock_head(unsigned_voter is not None),
                             {"proposal_id": proposal_id, "voter": unsigned_voter})[0]


@functools.cache
def _lock_head(unsigned: bool):
    # Built once per variant, with bind parameters: every cast runs it.
    from votes.services.device_check import registered as registered_keys
    from votes.services.keys import active_key_id

    registered = literal(False) if not unsigned else \
        registered_keys(bindparam("proposal_id"), [bindparam("voter")]).exists()
    return select(Proposal.state, Proposal.voting_start, Proposal.voting_end,
                  Proposal.chain_head, Proposal.chain_length, Proposal.chain_time,
                  active_key_id().label("key_id"), registered.label("registered")) \
        .where(Proposal.id == bindparam("proposal_id")).with_for_update(of=Proposal)


def is_duplicate(exc: BaseException) -> bool:
    """Whether the driver refused a write here for a constraint (raised outside
    SQLAlchemy, so not wrapped in its IntegrityError): a second ballot of a revision."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.IntegrityError)


def append_ballot(session: Session, *, proposal_id: int, seq: int, digest: str, line: str,
                  at: datetime, voter_key: str, revision: int, choice_enc: bytes,
                  commitment: str, channel: str, entered_by: str | None) -> int:
    """Write the entry, the ballot and the head, and COMMIT, in one round trip; the new
    ballot's id. The session's transaction is over afterwards (its own commit finds
    nothing to do); on an error the database has rolled nothing in."""
    import psycopg

    raw = session.connection().connection.driver_connection
    params = {"proposal_id": proposal_id, "seq": seq, "digest": digest, "line": line,
              "at": at, "length": seq + 1, "voter_key": voter_key, "revision": revision,
              "choice_enc": choice_enc, "commitment": commitment, "channel": channel,
              "entered_by": entered_by}
    if not psycopg.Pipeline.is_supported():  # libpq before 14: two round trips
        cursor = raw.execute(_APPEND, params)
        raw.commit()
        return cursor.fetchone()[0]
    with raw.pipeline():
        cursor = raw.execute(_APPEND, params)
        raw.commit()
    return cursor.fetchone()[0]
