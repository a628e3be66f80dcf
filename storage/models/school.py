"""The school and its people: staff, pupils and their name tokens, categories, groups, agencies."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ROLES, Base


class SchoolRow(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Not unique: one tenant may hold a trust's several schools (a school is known by its id).
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Settings an administrator changes (None: the process's setting; the pupils' year groups).
    escalate_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    year_groups: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("school_id", "aad_object_id"),
        CheckConstraint(f"role IN {ROLES}", name="role"),
        Index(None, "aad_object_id"),  # a person's rows across the tenant's schools
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
    # +1 on every change of role, active or scope
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Turned off by an administrator in Kestrel: a directory sync keeps them inactive.
    deactivated_here: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WorkingSchoolRow(Base):
    """The school a person (tenant, Entra object id) works in when a press names none: one row
    per person, not a flag on each staff row, so a switch is one upsert and there is never a
    second "working" row to reconcile."""

    __tablename__ = "working_schools"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    aad_object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudentRow(Base):
    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("school_id", "upn"),
        Index(None, "school_id", "last_name", "first_name"),
        Index(None, "school_id", "mis_id"),  # a roster's rows are matched by MIS id
        # Pupils added by hand waiting to be merged (every dashboard of the DSL team counts
        # them), in the order they are listed: only they are in it (an index of every pupil
        # looked no narrower to SQLite's planner than the name index).
        Index(
            "ix_students_waiting",
            "school_id",
            "last_name",
            "first_name",
            "id",
            sqlite_where=text("provisional = 1 AND merged_into IS NULL"),
            postgresql_where=text("provisional AND merged_into IS NULL"),
        ),
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
    # A leaver (the roster's leaving date, or the day a full import no longer listed them).
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # A provisional pupil merged into the roster's: their records moved there, the row kept.
    merged_into: Mapped[int | None] = mapped_column(
        ForeignKey("students.id"), nullable=True, index=True
    )


class AlertGroupRow(Base):
    __tablename__ = "alert_groups"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


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
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Retired: kept on the records that have it, offered on no form; never deleted.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # and its rights


class CategoryAlertGroupRow(Base):
    __tablename__ = "category_alert_groups"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id"), primary_key=True)


class StudentNameTokenRow(Base):
    """The searchable tokens of a pupil's names (safeguarding/search.py); indexed for prefixes.

    Each row carries the school and the pupil's sort key, so a prefix range is answered from the
    index alone, in name order, and only the first page of pupils is read.
    """

    __tablename__ = "student_name_tokens"
    # Leavers in their own range: recording never offers them, the DSL team's search does.
    __table_args__ = (
        Index(
            "ix_student_name_tokens_lookup",
            "school_id",
            "leaver",
            "token",
            "sort_key",
            "student_id",
        ),
    )

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    # Byte order (SQLite's default; "C" on PostgreSQL) so that prefix ranges are exact.
    token: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    sort_key: Mapped[str] = mapped_column(
        String(210).with_variant(String(210, collation="C"), "postgresql")
    )
    leaver: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AgencyRow(Base):
    """An agency a school lists on its forms (none configured: the domain's default list)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))


class ClosingOutcomeRow(Base):
    """An outcome a school closes cases with (none listed: the domain's default list)."""

    __tablename__ = "closing_outcomes"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    name: Mapped[str] = mapped_column(String(100))


class TermDateRow(Base):
    """One of a school's terms: its first and last days (terms never overlap)."""

    __tablename__ = "term_dates"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
