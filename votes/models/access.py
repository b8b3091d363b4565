"""How owners reach their ballot: voting links, second-factor attempts, device keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from votes.models.base import Base, UTCDateTime, utcnow


class VoterAccess(Base):
    """One row per voter of a proposal: the link token's hash and the lockout state.

    The token is derived (HMAC) from a server key and `issue`, so a notice can be
    reprinted with the same link; bumping `issue` revokes a lost one. Only its hash is
    stored."""

    __tablename__ = "voter_access"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    issue: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    otp_hash: Mapped[str | None] = mapped_column(String(64))
    otp_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Keyed hash of the one-time code printed on the notice (companies and the developer
    # prove ownership with it: their credit code is public).
    notice_code_hash: Mapped[str | None] = mapped_column(String(64))
    # SMS codes sent in the current hour, capped per voter.
    sms_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sms_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Codes the lobby poster path asked for in the current day, capped per voter.
    lobby_sms_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lobby_sms_day_start: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsPhoneCount(Base):
    """SMS codes sent to one phone number in its current day, whatever flats and proposals
    the number is the contact of (votes/services/sms_codes.py, PHONE_DAILY). Keyed by a keyed
    hash of the number, never the number; `votes tick` deletes a row once its day is over."""

    __tablename__ = "sms_phone_counts"

    phone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    day_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LobbyFailure(Base):
    """A wrong answer given on the lobby path, which knows only building and room.

    Counted apart from the link's failures, per voter and per (voter, client), so a
    stranger can neither lock the owner's own link nor guess without bound."""

    __tablename__ = "lobby_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_id: Mapped[int] = mapped_column(ForeignKey("voter_access.id", ondelete="CASCADE"),
                                           index=True)
    client: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceKey(Base):
    """A browser's ECDSA P-256 public key, registered when its owner was verified."""

    __tablename__ = "device_keys"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_key", "public_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
