from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, func
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from votes.models.base import Base, UTCDateTime, utcnow


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str | None] = mapped_column(String(64), index=True)
    # The community's rules of procedure: stricter thresholds per matter, e.g.
    # {"use_fund": {"approval_area": ">=2/3"}}; empty means the Civil Code defaults.
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    # Printed on every notice (blank lines for handwriting when not stored).
    committee_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    roll_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # moon beside MOON: codes are typed by hand, so one differing only in case is refused
    # by the database too (codes_0001), not only by the service's check.
    __table_args__ = (Index("uq_communities_code_lower", func.lower(code), unique=True),)

    units: WriteOnlyMapped["Unit"] = relationship(  # noqa: F821
        back_populates="community", passive_deletes=True
    )
