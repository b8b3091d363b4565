"""Appending to a proposal's chain under a lock on the proposal row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from votes.core import chain
from votes.core.canonical import format_time
from votes.models import ChainEntry, Proposal
from votes.services import keys


def lock_proposal(session: Session, proposal_id: int) -> Proposal:
    """Serialise writers of one proposal: FOR UPDATE on PostgreSQL; on SQLite a no-op
    UPDATE takes the database write lock before anything is read."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Proposal).where(Proposal.id == proposal_id)
                        .values(chain_length=Proposal.chain_length))
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                              .with_for_update().execution_options(populate_existing=True))
    return proposal


def _last(session: Session, proposal: Proposal) -> chain.SealedEntry | None:
    if not proposal.chain_length:
        return None
    line = session.scalar(select(ChainEntry.line).where(
        ChainEntry.proposal_id == proposal.id, ChainEntry.seq == proposal.chain_length - 1))
    return chain.SealedEntry.from_line(line.encode("utf-8"))


class Appender:
    """Appends several entries in one transaction (a file of paper ballots is all or none)."""

    def __init__(self, session: Session, proposal: Proposal):
        self.session = session
        self.proposal = proposal
        self.key_id, self.private_key = keys.signing_key()
        self.last = _last(session, proposal)

    def append(self, kind: str, body: dict, when: datetime) -> chain.SealedEntry:
        entry = chain.next_entry(self.last, proposal=self.proposal.uid, kind=kind,
                                 time=format_time(when), key_id=self.key_id, body=body)
        sealed = chain.seal(entry, self.private_key)
        self.session.add(ChainEntry(
            proposal_id=self.proposal.id, seq=entry["seq"], kind=kind, digest=sealed.digest,
            line=sealed.to_line().decode("utf-8"), created_at=when))
        self.proposal.chain_head = sealed.digest
        self.proposal.chain_length = entry["seq"] + 1
        self.last = sealed
        return sealed
