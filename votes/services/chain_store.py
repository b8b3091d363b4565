"""Appending to a proposal's chain under a lock on the proposal row."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from votes.core import bundle, chain
from votes.core.canonical import format_time
from votes.models import ChainEntry, Proposal
from votes.services import keys


def lock_proposal(session: Session, proposal_id: int) -> Proposal:
    """Serialise writers of one proposal in one round trip: FOR NO KEY UPDATE on PostgreSQL;
    on SQLite a no-op UPDATE … RETURNING takes the database write lock and reads the row.

    Not FOR UPDATE: a writer stores its scans before the lock (votes.services.ballots._keep),
    and each such row's foreign key holds a KEY SHARE lock on the proposal row, which FOR
    UPDATE waits for. Two clerks who had each stored a scan then waited for each other, and
    PostgreSQL broke the deadlock by failing one of them. FOR NO KEY UPDATE still excludes
    every other writer (it is what their UPDATE of the row takes)."""
    if session.get_bind().dialect.name == "sqlite":
        query = (update(Proposal).where(Proposal.id == proposal_id)
                 .values(chain_length=Proposal.chain_length).returning(Proposal))
        return session.scalars(query, execution_options={
            "populate_existing": True, "synchronize_session": False}).one()
    return session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                          .with_for_update(key_share=True)
                          .execution_options(populate_existing=True))


def written_format(session: Session, proposal: Proposal) -> str:
    """The bundle format this proposal's chain is exported in, decided by its genesis
    (bundle.chain_format): the current one for a chain not started yet. One read."""
    line = session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.seq == 0))
    if line is None:
        return bundle.FORMAT
    return bundle.chain_format(json.loads(line)["entry"]["body"])


class Head:
    """The chain's head as the locked proposal row records it; the digest and sequence
    number are all the next entry needs, so the last entry is never re-read."""

    def __init__(self, digest: str, length: int):
        self.digest = digest
        self.seq = length - 1


class Appender:
    """Appends several entries in one transaction (a file of paper ballots is all or none).

    Build it only after `lock_proposal`: the head it continues from is the locked row's."""

    def __init__(self, session: Session, proposal: Proposal,
                 signer: keys.Signer | None = None):
        self.session = session
        self.proposal = proposal
        self.signer = signer or keys.signing_key()
        self.last = Head(proposal.chain_head, proposal.chain_length) \
            if proposal.chain_length else None

    def time(self, when: datetime) -> datetime:
        """The time the next entry carries: never earlier than the entry before it, even
        when clocks of two processes or machines disagree."""
        last = self.proposal.chain_time
        return when if last is None or when >= last else last

    def append(self, kind: str, body: dict, when: datetime) -> chain.SealedEntry:
        when = self.time(when)
        entry = chain.next_entry(self.last, proposal=self.proposal.uid, kind=kind,
                                 time=format_time(when), key_id=self.signer.key_id, body=body)
        sealed = chain.seal(entry, self.signer.private_key)
        self.session.add(ChainEntry(
            proposal_id=self.proposal.id, seq=entry["seq"], kind=kind, digest=sealed.digest,
            line=sealed.to_line().decode("utf-8"), created_at=when))
        self.proposal.chain_head = sealed.digest
        self.proposal.chain_length = entry["seq"] + 1
        self.proposal.chain_time = when
        self.last = sealed
        return sealed
