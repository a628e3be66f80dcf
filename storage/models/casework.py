"""Casework: actions (and their categories), case events and kept incident versions."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ActionRow(Base):
    """A follow-up on an incident (a meeting, a call, a referral). Its text is a ciphertext."""

    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("school_id", "idempotency_key"),
        Index(None, "incident_id", "happened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    time_zone: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Add to planner: the colleague reminded in chat on that day (an alert due then).
    planner_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    planner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    text_ciphertext: Mapped[str] = mapped_column(Text)
    # An HTML email pasted as the text: the source as pasted (the text is its readable form).
    original_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)


class ActionCategoryRow(Base):
    __tablename__ = "action_categories"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)


class CaseEventRow(Base):
    """A change to a case (assigned, status), one per incident version: its history."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("incident_id", "version"),
        CheckConstraint("kind IN ('assigned', 'status', 'edited', 'moved', 'linked')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    version: Mapped[int] = mapped_column(Integer)  # the incident's version this change made
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # The reason for the decision (closing, reopening): bound to incident and version.
    reason_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What an edit changed (field names), or the pupils a move or link concerned (ids only).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IncidentVersionRow(Base):
    """The incident as it was before an edit, move or link: nothing is ever overwritten."""

    __tablename__ = "incident_versions"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    version: Mapped[int] = mapped_column(Integer)  # the version this content was
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"student": id, "linked": bool, "monitoring": bool, "categories": [ids]}]
    pupils: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    text_ciphertext: Mapped[str] = mapped_column(Text)  # bound to incident and version
