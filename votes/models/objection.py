"""Objections filed in the objection period and the committee's answers (docs §17).

The chain carries a salted commitment to each text only: the texts may name people, so they
stay here, with the salts that open the commitments (docs/verification.md §17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class Objection(Base):
    __tablename__ = "objections"
    __table_args__ = (UniqueConstraint("proposal_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # position of its objection entry
    voter_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))  # online / staff
    entered_by: Mapped[str | None] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_seq: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(16))  # rejected / noted / upheld
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the text (or the answer's) was withdrawn from publication, e.g. it names a person;
    # None while published. The text stays here for the committee, the digest on the chain.
    text_withdrawn: Mapped[str | None] = mapped_column(Text)
    answer_withdrawn: Mapped[str | None] = mapped_column(Text)
    # The salts of the chain's text commitments (64 hex): published beside a published
    # text, kept back once it is withdrawn. None for entries that bound the plain digest.
    text_salt: Mapped[str | None] = mapped_column(String(64))
    answer_salt: Mapped[str | None] = mapped_column(String(64))
