"""The audit log: events in a hash chain per school, and each chain's head."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class AuditEventRow(Base):
    """Append-only: the code only inserts (but for `kestrel audit rekey`, once, keying links
    written before keyed audit); nothing deletes these rows.

    Events form one chain of keyed links per school (`chain` = school id, 0 for events outside
    any school, such as refusals from other tenants); `seq` numbers them without gaps.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index(None, "school_id", "id"),
        Index(None, "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The audit key (KESTREL_AUDIT_KEYS) whose HMAC-SHA-256 made `hash`; NULL only for links
    # written before keyed audit (plain SHA-256), until `kestrel audit rekey` keys them.
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    conversation_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditChainHeadRow(Base):
    """The newest link of each audit chain: appends lock this row, so a chain never forks, and
    removing the newest events is detected."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
