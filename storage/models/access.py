"""Who may see what: second factors, rights per category, scopes, exclusions."""

from datetime import datetime
from typing import Any

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
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ROLES, Base


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


class AccessProposalRow(Base):
    """A change to a category's rights that widens access to a restricted category, proposed
    by an administrator; it applies only once a member of the DSL team confirms it with their
    authenticator code, and only on the category's version it was proposed on."""

    __tablename__ = "access_proposals"
    __table_args__ = (Index(None, "school_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    category_version: Mapped[int] = mapped_column(Integer)
    rights: Mapped[dict[str, Any]] = mapped_column(JSON)  # ids and flags only
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # confirmed, declined, or superseded (the rights changed, or a newer proposal came)
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
