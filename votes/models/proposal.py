"""Proposals, their items and documents, and the electorate frozen at publication."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false as sa_false
from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from votes.models.base import Base, UTCDateTime, utcnow
from votes.models.roll import canonical_key

# "withdrawn": ended during publicity by the committee, without a vote or a result.
# "emergency": an emergency use (应急使用) decided without an owner vote (§18.6 of the spec).
STATES = ("draft", "publicity", "voting", "closed", "published", "withdrawn") + ("emergency",)


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    matter: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(Text)
    budget: Mapped[int] = mapped_column(BigInteger)  # fen
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    max_changes: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    publicity_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set only by the committee's confirmed "schedule publicity": a plain saved draft never
    # moves by itself when its publicity_start passes.
    publicity_scheduled: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=sa_false())
    voting_start: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # Rules in force, frozen when publicity starts (the community's may change later).
    rules: Mapped[dict | None] = mapped_column(JSON)
    # The proposal exactly as the genesis bound it (community name etc. may change later).
    record: Mapped[dict | None] = mapped_column(JSON)
    chain_head: Mapped[str | None] = mapped_column(String(64))
    chain_length: Mapped[int] = mapped_column(Integer, default=0)
    # Time of the last entry: the next one may not be earlier (one row read under the lock).
    chain_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # How its freeze named the voters (services/pseudonyms.py): 1, the owners' keyed hashes
    # alone (every proposal frozen before this column); 2, under the proposal's own secret.
    # Deferred: read only by the look-ups from an owner's ID to a voter (buyers.py), and not
    # by every page (a page that an older schema still serves keeps serving it).
    voter_keying: Mapped[int] = mapped_column(Integer, default=2, server_default="1",
                                              deferred=True)

    community: Mapped["Community"] = relationship()  # noqa: F821
    items: Mapped[list["ProposalItem"]] = relationship(
        order_by="ProposalItem.position", cascade="all, delete-orphan")
    documents: Mapped[list["ProposalDocument"]] = relationship(
        order_by="ProposalDocument.position", cascade="all, delete-orphan")
    frozen_units: WriteOnlyMapped["FrozenUnit"] = relationship(cascade="all, delete-orphan")
    frozen_voters: WriteOnlyMapped["FrozenVoter"] = relationship(cascade="all, delete-orphan")


class ProposalItem(Base):
    __tablename__ = "proposal_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)  # fen


class ProposalDocument(Base):
    __tablename__ = "proposal_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    content: Mapped[bytes] = mapped_column(LargeBinary)


class FrozenUnit(Base):
    """A unit of the proposal's scope as it stood when publicity started."""

    __tablename__ = "frozen_units"
    __table_args__ = (UniqueConstraint("proposal_id", "unit_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    unit_uid: Mapped[str] = mapped_column(String(32))
    building: Mapped[str] = mapped_column(String(64))
    entrance: Mapped[str] = mapped_column(String(64))
    room: Mapped[str] = mapped_column(String(64))
    unit_key: Mapped[str] = mapped_column(String(255), default=canonical_key, index=True)
    area: Mapped[int] = mapped_column(BigInteger)
    area_basis: Mapped[str] = mapped_column(String(16))
    # What the unit is (votes.core.local_rules.UnitKind): parking and storerooms may be left
    # out of the count by the community's rules, yet pay their share.
    kind: Mapped[str] = mapped_column(String(16), default="dwelling", server_default="dwelling")
    fund_balance: Mapped[int | None] = mapped_column(BigInteger)
    share: Mapped[int] = mapped_column(BigInteger)  # fen of the budget apportioned by area
    voter_key: Mapped[str] = mapped_column(String(64), index=True)


class FrozenVoter(Base):
    """A voter of the frozen electorate; its owners' contact data stays encrypted."""

    __tablename__ = "frozen_voters"
    __table_args__ = (UniqueConstraint("proposal_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint above (proposal_id leads it).
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    area: Mapped[int] = mapped_column(BigInteger)
    share: Mapped[int] = mapped_column(BigInteger)
    developer: Mapped[bool] = mapped_column(Boolean, default=False)
    # AES-GCM of a JSON list of {"name","id","phone","kind"} for the owners of this voter.
    owners_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # When an owner of this voter last signed out (退出登录): owner sessions signed in at or
    # before it are refused (votes/web/login.py), the cookie being the browser's to replay.
    # Read with the voter on every owner page, so the check costs no statement of its own.
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True),
                                                           nullable=True)
