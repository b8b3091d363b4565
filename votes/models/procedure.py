"""What a proxy or transfer ballot rests on, beyond its chain entry: who held the proxy or
bought the unit (personal data, encrypted like owners'), and the documents' digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class ProxyRecord(Base):
    """The proxy of one proxy ballot (its entry at `seq`)."""

    __tablename__ = "proxy_records"
    __table_args__ = (UniqueConstraint("proposal_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    voter_key: Mapped[str] = mapped_column(String(64))
    # Keyed hash of the proxy's ID number for this proposal: the chain's `proxy.holder`.
    holder: Mapped[str] = mapped_column(String(64), index=True)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    id_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # The ID's type (a code of votes.core.identity.ID_TYPES); None: entered before the
    # type was asked, when any ID number was taken.
    id_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    company_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    authorisation: Mapped[str] = mapped_column(String(64))  # SHA-256 of the written authorisation
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Transfer(Base):
    """A unit sold during the vote: the new owner's ballot (entry `seq`) in the seller's place."""

    __tablename__ = "transfers"
    __table_args__ = (UniqueConstraint("proposal_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    voter_key: Mapped[str] = mapped_column(String(64), index=True)
    buyer_name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    buyer_id_enc: Mapped[bytes] = mapped_column(LargeBinary)
    evidence: Mapped[str] = mapped_column(String(64))  # SHA-256 of the transfer evidence
    superseded_seq: Mapped[int | None] = mapped_column(Integer)  # the seller's ballot, if any
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
