"""The money after a decision: each unit's sub-ledger debit at a proposal's settlement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class FundDebit(Base):
    """One unit's share of a settled final cost, taken from its maintenance-fund balance.

    The unit is named by its canonical key and labels, not by a foreign key: a replaced
    roll gets new unit rows, and the settlement must still say whom it charged."""

    __tablename__ = "fund_debits"
    __table_args__ = (UniqueConstraint("proposal_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    unit_key: Mapped[str] = mapped_column(String(255))
    building: Mapped[str] = mapped_column(String(64))
    entrance: Mapped[str] = mapped_column(String(64))
    room: Mapped[str] = mapped_column(String(64))
    area: Mapped[int] = mapped_column(BigInteger)  # centi-m²
    share: Mapped[int] = mapped_column(BigInteger)  # fen of the final cost
    debited: Mapped[int] = mapped_column(BigInteger)  # fen actually taken from the balance
    balance_before: Mapped[int | None] = mapped_column(BigInteger)  # None: balance unknown
    balance_after: Mapped[int | None] = mapped_column(BigInteger)
    shortfall: Mapped[int] = mapped_column(BigInteger)  # share - debited: to be raised (续筹)
    # Balance after the debit below 30% of the unit's first deposit: a 续筹 notice is due.
    # None: the first deposit is unknown (0 or never recorded), so no one can say.
    low: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
