"""Alerts (the outbox), the chat addresses they are delivered to, and words typed in a chat
command held for its button."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class AlertRow(Base):
    """The alert outbox: written with the incident, delivered later by the sender."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "incident_id"),
        Index(None, "staff_id", "state"),
        Index(None, "state", "id"),
        # A colleague's unread alerts, newest first, with what decides whether one is on their
        # dashboard (covering: the set of them is read without the alert rows).
        Index(None, "staff_id", "read_at", "id", "incident_id", "state", "reason"),
        # A holder's leases (renewed every few seconds): only leased rows are in it. A whole
        # index on a column that is NULL in almost every row made SQLite, once ANALYZE had run,
        # expect every row to match and renew by reading the whole table.
        Index(
            "ix_alerts_claimed_by",
            "claimed_by",
            sqlite_where=text("claimed_by IS NOT NULL"),
            postgresql_where=text("claimed_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    raised_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(String(20))  # "tagged" or "group"
    # queued -> sent, or undeliverable (app not installed, user gone, attempts exhausted)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A sender's lease: another process skips the row until then (a crash frees it). Short and
    # renewed while its holder lives; `claimed_by` names the holder (KESTREL_INSTANCE), so that
    # holder, restarted, takes its leases back at once.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failure: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # A "not_reached" notice: the colleague an alert could not reach.
    concerning_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # An alert about an action on the incident (its planner reminder, or colleagues it alerts).
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), nullable=True)
    # The case changed after this was sent: the sender updates the message (a fresh stub).
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    # A refresh that failed is tried again from then (backing off; Retry-After honoured).
    refresh_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refresh_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ChatAddressRow(Base):
    """A member of staff's 1:1 chat with Kestrel (Teams' conversation reference), for alerts."""

    __tablename__ = "chat_addresses"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400))
    service_url: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str] = mapped_column(String(64))
    bot_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TypedWordsRow(Base):
    """What was typed after a command (`add incident Grace`), held here, encrypted, for the
    button that follows up, so that the message Teams keeps carries only `token`."""

    __tablename__ = "typed_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    ciphertext: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SendRow(Base):
    """One message sent to Teams (an alert or its refresh), for Teams' rate limits: every sender
    process reads and writes the same moving windows, so together they keep within them."""

    __tablename__ = "sends"
    __table_args__ = (Index(None, "conversation_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400))
    # Seconds since the epoch by the database's own clock (one clock for every process).
    sent_at: Mapped[float] = mapped_column(Double, index=True)
