from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
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

    units: WriteOnlyMapped["Unit"] = relationship(  # noqa: F821
        back_populates="community", passive_deletes=True
    )
