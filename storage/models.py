"""SQLAlchemy models. Every change here needs an Alembic migration (storage/migrations)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safeguarding.staff import Role

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = tuple(role.value for role in Role)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SchoolRow(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[str] = mapped_column(String(36), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("school_id", "aad_object_id"),
        CheckConstraint(f"role IN {ROLES}", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    aad_object_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hide_names: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudentRow(Base):
    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("school_id", "upn"),
        Index(None, "school_id", "last_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    upn: Mapped[str] = mapped_column(String(20))
    mis_id: Mapped[str] = mapped_column(String(50), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    year_group: Mapped[int] = mapped_column(Integer)
    tutor_group: Mapped[str] = mapped_column(String(20))
    house: Mapped[str] = mapped_column(String(50), default="")
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertGroupRow(Base):
    __tablename__ = "alert_groups"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))


class AlertGroupMemberRow(Base):
    __tablename__ = "alert_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)


class CategoryRow(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)


class CategoryAlertGroupRow(Base):
    __tablename__ = "category_alert_groups"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id"), primary_key=True)


class AuditEventRow(Base):
    """Append-only: the code only ever inserts; nothing updates or deletes these rows.

    Events form one hash chain per school (`chain` = school id, 0 for events outside any school,
    such as refusals from other tenants); `seq` numbers them without gaps within the chain.
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


class SecondFactorRow(Base):
    """A member of staff's authenticator enrolment; the secret is encrypted (storage/encryption)."""

    __tablename__ = "second_factors"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    secret_ciphertext: Mapped[str] = mapped_column(String(200))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    elevated_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CategoryRoleRightsRow(Base):
    """A school's rights for a role in a category; absent rows mean the day-one defaults."""

    __tablename__ = "category_role_rights"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    view_students: Mapped[bool] = mapped_column(Boolean)
    view_incidents: Mapped[bool] = mapped_column(Boolean)
    add_incidents: Mapped[bool] = mapped_column(Boolean)


class CategoryStaffRightsRow(Base):
    """Rights for one named member of staff in a category, overriding their role's."""

    __tablename__ = "category_staff_rights"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    view_students: Mapped[bool] = mapped_column(Boolean)
    view_incidents: Mapped[bool] = mapped_column(Boolean)
    add_incidents: Mapped[bool] = mapped_column(Boolean)


class StaffScopeRow(Base):
    """A year or tutor group a member of staff is limited to (no rows: the whole school)."""

    __tablename__ = "staff_scopes"
    __table_args__ = (
        CheckConstraint("(year_group IS NULL) <> (tutor_group IS NULL)", name="one_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    year_group: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tutor_group: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ExclusionRow(Base):
    """A member of staff barred from a pupil's record; lifted, never deleted."""

    __tablename__ = "exclusions"
    __table_args__ = (Index(None, "staff_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    reason: Mapped[str] = mapped_column(String(20))
    set_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StudentNameTokenRow(Base):
    """The searchable tokens of a pupil's names (safeguarding/search.py); indexed for prefixes.

    Each row carries the school and the pupil's sort key, so a prefix range is answered from the
    index alone, in name order, and only the first page of pupils is read.
    """

    __tablename__ = "student_name_tokens"
    __table_args__ = (Index(None, "school_id", "token", "sort_key", "student_id"),)

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    # Byte order (SQLite's default; "C" on PostgreSQL) so that prefix ranges are exact.
    token: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    sort_key: Mapped[str] = mapped_column(
        String(210).with_variant(String(210, collation="C"), "postgresql")
    )


class AgencyRow(Base):
    """An agency a school lists on its forms (none configured: the domain's default list)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))


class IncidentRow(Base):
    """A recorded concern. Its text and evidence are ciphertexts bound to the incident's id."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("school_id", "idempotency_key"),
        CheckConstraint("status IN ('Open', 'Active', 'Closed')", name="status"),
        Index(None, "recorded_by", "recorded_at"),
        Index(None, "assignee_id", "status"),
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
    # Urgent incidents: when to re-send to the DSL team if no alert has been read (then NULL).
    escalate_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


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


class AlertRow(Base):
    """The alert outbox: written with the incident, delivered later by the sender."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "incident_id"),
        Index(None, "staff_id", "state"),
        Index(None, "state", "id"),
        Index(None, "staff_id", "read_at", "id"),  # a colleague's unread alerts, newest first
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
    # A sender's lease: another process skips the row until then (a crash frees it).
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
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
