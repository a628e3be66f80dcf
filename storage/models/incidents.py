"""Incidents: their pupils, categories, body-map markers, grants, attachments and attach windows."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class IncidentRow(Base):
    """A recorded concern. Its text and evidence are ciphertexts bound to the incident's id."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("school_id", "idempotency_key"),
        CheckConstraint("status IN ('Open', 'Active', 'Closed')", name="status"),
        Index(None, "recorded_by", "recorded_at"),
        # The dashboard's My history and My cases, newest first from the first incident without
        # an unread alert for me, each with the columns its section tests (covering: the walk
        # never reads the wide incident rows).
        Index(None, "recorded_by", "recorder_alerted", "id", "assignee_id", "status", "school_id"),
        Index(None, "assignee_id", "status"),
        Index(None, "assignee_id", "assignee_alerted", "id", "status"),
        Index(None, "school_id", "status", "assignee_id"),  # the DSL team's new concerns
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    happened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    time_zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 on every case change
    outcome: Mapped[str | None] = mapped_column(String(60), nullable=True)  # once closed
    # Carried in the form's card: a second press or a Teams retry finds the first incident.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    text_ciphertext: Mapped[str] = mapped_column(Text)
    evidence_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    # An HTML email pasted as the text: the source as pasted (the text is its readable form).
    original_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Urgent incidents: when to re-send to the DSL team if no alert has been read (then NULL).
    escalate_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # Whether the recorder, and the assignee, have an unread alert about it on their dashboard
    # (so it is under Alerts, not My history or My cases). Kept by the database's triggers after
    # every change to an alert, the recorder or the assignee (migration 0021); never written here.
    recorder_alerted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    assignee_alerted: Mapped[bool] = mapped_column(Boolean, server_default=false())


class IncidentStudentRow(Base):
    """A pupil an incident is about: the main pupil, or a linked one (on their record too)."""

    __tablename__ = "incident_students"
    __table_args__ = (Index(None, "student_id", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    linked: Mapped[bool] = mapped_column(Boolean)
    monitoring: Mapped[bool] = mapped_column(Boolean, default=False)


class IncidentCategoryRow(Base):
    """A category of an incident for one of its pupils (categories are chosen per pupil)."""

    __tablename__ = "incident_categories"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)


class BodyMapMarkerRow(Base):
    """A numbered body-map marker: side and region from fixed lists, the note encrypted."""

    __tablename__ = "body_map_markers"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(40))
    note_ciphertext: Mapped[str] = mapped_column(Text)


class IncidentGrantRow(Base):
    """Access to one incident given by alerting a colleague; the DSL can withdraw it."""

    __tablename__ = "incident_grants"
    __table_args__ = (Index(None, "incident_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    granted_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AttachmentRow(Base):
    """A file on an incident: kept outside the database, encrypted; its name encrypted here."""

    __tablename__ = "attachments"
    __table_args__ = (Index(None, "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    added_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name_ciphertext: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(100))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), nullable=True)


class AttachWindowRow(Base):
    """Files a member of staff sends to Kestrel until `open_until` go on this incident."""

    __tablename__ = "attach_windows"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    open_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), nullable=True)
