"""Cosignatures of a proposal's chain heads by independent witnesses (issue 10)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class WitnessCosignature(Base):
    """One witness's signed statement that the chain had `length` entries ending in `head`.
    Accepted only when signed by a configured witness key and consistent with the chain."""

    __tablename__ = "witness_cosignatures"
    __table_args__ = (UniqueConstraint("proposal_id", "witness", "length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    witness: Mapped[str] = mapped_column(String(40))
    length: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The cosignature exactly as the witness sent it: canonical JSON {"sig","statement"}.
    line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
