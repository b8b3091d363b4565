"""The append-only chain of a proposal and the ballots it records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class ChainEntry(Base):
    __tablename__ = "chain_entries"
    __table_args__ = (UniqueConstraint("proposal_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The sealed entry exactly as exported: canonical JSON of {"entry","digest","sig"}.
    line: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ballot(Base):
    """One accepted ballot. The database itself refuses a second ballot of the same
    revision for a voter, so concurrent submissions cannot both count; the voter's
    counted ballot is the one with the highest revision."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("proposal_id", "voter_key", "revision"),
        CheckConstraint("revision >= 0", name="revision_non_negative"),
        # Partial: online ballots, most of them, carry no scan and cost this index nothing.
        Index("ix_ballots_proposal_evidence", "proposal_id", "evidence",
              postgresql_where=text("evidence IS NOT NULL"),
              sqlite_where=text("evidence IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    seq: Mapped[int] = mapped_column(Integer)
    # The choice and the salt of its commitment, encrypted like owners' data: nothing that
    # reads this table without the data key can tell how a voter voted before the close.
    choice_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # The commitment on the chain (None only for ballots cast before commitments existed).
    commitment: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    entered_by: Mapped[str | None] = mapped_column(String(64))
    # A correction by staff (docs/verification.md §15): the seq of the ballot it replaces.
    corrects: Mapped[int | None] = mapped_column(Integer)
    # Staff-entered ballots: the SHA-256 of the signed form, as the chain entry carries it.
    # Kept here so that one voter's form is found without reading the chain when a clerk
    # attaches it to another voter's ballot (votes.services.ballot_forms).
    evidence: Mapped[str | None] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A staff ballot entered for the wrong unit and taken back (docs/verification.md §15,
    # withdrawals): the seq of the withdrawal entry. Set on the ballot it names and on the
    # entries that ballot's corrections replaced (one staff entry, corrected): none of them
    # counts toward max_changes, a proxy's limit or holds its form. A voter whose latest
    # ballot has it set has no counted ballot.
    withdrawn_by: Mapped[int | None] = mapped_column(Integer)


class ServerKey(Base):
    """Public half of a server signing key; the private half stays encrypted on disk."""

    __tablename__ = "server_keys"
    # One active signer: every cast reads "the" active key's id.
    __table_args__ = (Index("uq_server_keys_one_active", "active", unique=True,
                            postgresql_where=text("active"), sqlite_where=text("active")),)

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(Base):
    """A scanned paper or proxy form; its SHA-256 is what the chain entry carries."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("proposal_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Verification(Base):
    """A run of the offline verifier on a freshly made bundle (the regulator's badge), and
    the job that makes it (votes/services/verify_jobs.py): `running` from the click, with
    its stage and a heartbeat, until `done` (outcome, report) or `failed_to_run` (the job
    itself broke, or its worker died and someone started again). The database holds at most
    one running job a proposal, whichever worker or host took the click."""

    __tablename__ = "verifications"
    __table_args__ = (Index("uq_verifications_one_running", "proposal_id", unique=True,
                            postgresql_where=text("state = 'running'"),
                            sqlite_where=text("state = 'running'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    ok: Mapped[bool] = mapped_column()
    # verified / failed / in_progress / unanchored / preliminary (votes.core.verifier_report)
    outcome: Mapped[str] = mapped_column(String(16), default="failed",
                                         server_default="failed")
    chain_head: Mapped[str] = mapped_column(String(64))
    report: Mapped[str] = mapped_column(Text)
    verified_by: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # running / done / failed_to_run; rows from before the jobs are done.
    state: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    stage: Mapped[str | None] = mapped_column(String(16))  # export, or the verifier's step
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The verifier's report as JSON (Report.to_json, plus unlisted and bundle): the page
    # shows it again as the request that ran the verifier used to.
    summary: Mapped[str | None] = mapped_column(Text)
