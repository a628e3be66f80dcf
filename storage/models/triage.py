"""The DSL team's triage channel, and each new concern's post there (an outbox of its own)."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class TriageChannelRow(Base):
    """The channel a school's new concerns are posted to (`triage here`; `triage off` deletes
    it: the audit log keeps who chose it and when)."""

    __tablename__ = "triage_channels"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400))  # the channel, not a thread
    service_url: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str] = mapped_column(String(64))
    bot_id: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TriagePostRow(Base):
    """A new concern's stub in a triage channel: written with the incident, posted by the
    sender, updated when the case is assigned or closed. The channel's address is copied: a
    post is updated where it was made, wherever triage is now."""

    __tablename__ = "triage_posts"
    __table_args__ = (
        Index(None, "state", "id"),
        # A poster's leases, leased rows only (as alerts': a whole index of a mostly NULL
        # column misleads SQLite's planner once ANALYZE has run).
        Index(
            "ix_triage_posts_claimed_by",
            "claimed_by",
            sqlite_where=text("claimed_by IS NOT NULL"),
            postgresql_where=text("claimed_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(400))
    service_url: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str] = mapped_column(String(64))
    bot_id: Mapped[str] = mapped_column(String(200))
    # queued -> sent, or undeliverable (Kestrel removed from the team, attempts exhausted)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A poster's short lease on a post (or on an update in flight), renewed while it lives;
    # `claimed_by` names it (KESTREL_INSTANCE) so that it takes its own back when it restarts.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failure: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The case was assigned or closed since it was posted: the sender updates the message.
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    refresh_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refresh_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
