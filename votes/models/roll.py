"""The owner roll: units, owners and who owns what. Personal data is stored encrypted."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from votes.core.roll import unit_key
from votes.models.base import Base


def canonical_key(context) -> str:
    """Column default: the unit's canonical key computed from the labels being inserted."""
    values = context.get_current_parameters()
    return unit_key(values["building"], values.get("entrance") or "", values["room"])


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("community_id", "building", "entrance", "room"),
                      UniqueConstraint("community_id", "unit_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraints above (community_id leads them).
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"))
    building: Mapped[str] = mapped_column(String(64))
    entrance: Mapped[str] = mapped_column(String(64), default="")
    room: Mapped[str] = mapped_column(String(64))
    # Two spellings of one flat ('1/1/101', '1号楼/1单元/101') share this key; look-ups use it.
    unit_key: Mapped[str] = mapped_column(String(255), default=canonical_key)
    area: Mapped[int] = mapped_column(BigInteger)  # centi-m²
    area_basis: Mapped[str] = mapped_column(String(16))
    # What the unit is (votes.core.local_rules.UnitKind): parking and storerooms may be left
    # out of the count by the community's rules, yet pay their share.
    kind: Mapped[str] = mapped_column(String(16), default="dwelling", server_default="dwelling")
    fund_balance: Mapped[int | None] = mapped_column(BigInteger)  # fen
    # The first deposit (首期维修资金), fen: a balance below 30% of it calls for 续筹.
    first_deposit: Mapped[int | None] = mapped_column(BigInteger)

    community: Mapped["Community"] = relationship(back_populates="units")  # noqa: F821
    ownerships: Mapped[list["Ownership"]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", passive_deletes=True
    )


class Owner(Base):
    __tablename__ = "owners"
    __table_args__ = (UniqueConstraint("community_id", "id_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraints above (community_id leads them).
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"))
    # Keyed hash (HMAC-SHA256) of the normalised ID number: lets us match an owner without
    # being able to reverse it; also the owner's pseudonymous key in voter grouping.
    id_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    id_enc: Mapped[bytes] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    ownerships: Mapped[list["Ownership"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )


class Ownership(Base):
    __tablename__ = "ownerships"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    unit: Mapped[Unit] = relationship(back_populates="ownerships")
    owner: Mapped[Owner] = relationship(back_populates="ownerships")
