"""Staff accounts, what they may see, and the hash-chained audit log of their actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        false, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from votes.models.base import Base, UTCDateTime, utcnow

ROLES = ("admin", "committee", "regulator")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    # A regulator sees one jurisdiction (district) and all its communities.
    jurisdiction: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Every session carries the generation it was signed in under; bumping it (logout,
    # password reset, disabling) ends all of the account's sessions at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The password was set by someone else (an administrator's new account or reset): the
    # member must choose their own before any other staff page opens.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    communities: Mapped[list["StaffCommunity"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    # The name as the sign-in reads it (logins are ASCII; find_account): Clerk.Wang beside
    # clerk.wang would read as one person in the audit log (logins_0001). Its characters
    # are staff._LOGIN's: a CHECK on PostgreSQL, triggers on SQLite (loginchars_0001).
    __table_args__ = (Index("uq_staff_users_login_lower", func.lower(login), unique=True),)


class SignInThrottle(Base):
    """Failed staff sign-ins under one login name, whoever sent them and from where
    (votes/services/signin_throttle.py). Kept in the database, which every worker of every
    host shares; a row goes with a successful sign-in, or a day after its last failure."""

    __tablename__ = "signin_throttles"

    # Keyed hash of the folded name (a password typed into the name field stays unread).
    name_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in the window, before a lock
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locks: Mapped[int] = mapped_column(Integer, default=0)  # pauses since it was last clear
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SignInDevice(Base):
    """A browser that signed in to an account: while it keeps failing fewer than 5 times in
    a row, the pauses of the account's name do not stop it (votes/services/signin_devices.py).
    Deleted when the account's password changes or it is disabled or enabled, and 90 days
    after the browser last signed in (its cookie has expired by then)."""

    __tablename__ = "signin_devices"

    # SHA-256 of the random id in the browser's cookie.
    device_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    # signin_throttle.name_key of the account's login, which the cookie names too.
    name_key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # since its last sign-in
    last_signin: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StaffCommunity(Base):
    """A committee member's community (one account may serve several)."""

    __tablename__ = "staff_communities"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              primary_key=True)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    prev: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Visit(Base):
    """A volunteer's door-to-door visit to a voter who has not voted yet."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # not_home/will_vote/paper_collected/refused
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
