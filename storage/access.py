"""Stored access rules (category rights, scopes, exclusions), loaded into the domain policy."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from safeguarding.access import AccessPolicy, Rights, Scope
from safeguarding.exclusions import ActiveExclusion
from safeguarding.rights import CategoryRights
from safeguarding.staff import Role
from storage.categories import SqlCategories
from storage.models import (
    CategoryRoleRightsRow,
    CategoryStaffRightsRow,
    ExclusionRow,
    StaffRow,
    StaffScopeRow,
    StudentRow,
)
from storage.repositories import student_of, utc


class SqlAccess:
    """The school's categories come from the press's one read of them (`SqlCategories`); a
    colleague's exclusions are read once a press, forgotten when one is set or lifted."""

    def __init__(self, session: AsyncSession, categories: SqlCategories) -> None:
        self.session, self.categories = session, categories
        self._excluded: dict[int, frozenset[int]] = {}

    async def policy(self, school_id: int) -> AccessPolicy:
        """The school's rules; categories without stored rights use the day-one defaults."""
        categories = await self.categories.list(school_id)
        ids = [c.id for c in categories]
        by_role = {
            (r.category_id, Role(r.role)): _rights(r)
            for r in await self.session.scalars(
                select(CategoryRoleRightsRow).where(CategoryRoleRightsRow.category_id.in_(ids))
            )
        }
        by_staff = {
            (r.category_id, r.staff_id): _rights(r)
            for r in await self.session.scalars(
                select(CategoryStaffRightsRow).where(CategoryStaffRightsRow.category_id.in_(ids))
            )
        }
        return AccessPolicy(
            categories=frozenset(ids),
            restricted=frozenset(c.id for c in categories if c.restricted),
            retired=frozenset(c.id for c in categories if c.retired),
            by_role=by_role,
            by_staff=by_staff,
            scopes=await self._scopes(school_id),
        )

    async def _scopes(self, school_id: int) -> dict[int, Scope]:
        rows = await self.session.scalars(
            select(StaffScopeRow)
            .join(StaffRow, StaffRow.id == StaffScopeRow.staff_id)
            .where(StaffRow.school_id == school_id)
        )
        years: dict[int, set[int]] = {}
        tutors: dict[int, set[str]] = {}
        for row in rows:
            if row.year_group is not None:
                years.setdefault(row.staff_id, set()).add(row.year_group)
            if row.tutor_group is not None:
                tutors.setdefault(row.staff_id, set()).add(row.tutor_group)
        return {
            staff: Scope(frozenset(years.get(staff, ())), frozenset(tutors.get(staff, ())))
            for staff in years.keys() | tutors.keys()
        }

    async def set_role_rights(self, category_id: int, role: Role, rights: Rights) -> None:
        row = await self.session.get(CategoryRoleRightsRow, (category_id, role.value))
        if row is None:
            row = CategoryRoleRightsRow(category_id=category_id, role=role.value)
            self.session.add(row)
        row.view_students, row.view_incidents = rights.view_students, rights.view_incidents
        row.add_incidents = rights.add_incidents
        await self.session.flush()

    async def replace_rights(self, category_id: int, rights: CategoryRights) -> None:
        """The category's rows as these rights say: one per role or colleague named (a role at
        its day-one default has none)."""
        for table in (CategoryRoleRightsRow, CategoryStaffRightsRow):
            await self.session.execute(delete(table).where(table.category_id == category_id))
        self.session.add_all(
            CategoryRoleRightsRow(category_id=category_id, role=role.value, **_columns(r))
            for role, r in rights.by_role.items()
        )
        self.session.add_all(
            CategoryStaffRightsRow(category_id=category_id, staff_id=staff_id, **_columns(r))
            for staff_id, r in rights.by_staff.items()
        )
        await self.session.flush()

    async def set_scope(
        self, staff_id: int, year_groups: Sequence[int], tutor_groups: Sequence[str]
    ) -> None:
        for row in await self.session.scalars(
            select(StaffScopeRow).where(StaffScopeRow.staff_id == staff_id)
        ):
            await self.session.delete(row)
        self.session.add_all(StaffScopeRow(staff_id=staff_id, year_group=y) for y in year_groups)
        self.session.add_all(StaffScopeRow(staff_id=staff_id, tutor_group=t) for t in tutor_groups)
        await self.session.flush()

    async def excluded_students(self, staff_id: int) -> frozenset[int]:
        """The pupils this member of staff is barred from (exclusions not lifted)."""
        if staff_id not in self._excluded:
            rows = await self.session.scalars(
                select(ExclusionRow.student_id).where(
                    ExclusionRow.staff_id == staff_id, ExclusionRow.lifted_at.is_(None)
                )
            )
            self._excluded[staff_id] = frozenset(rows)
        return self._excluded[staff_id]

    async def add_exclusion(
        self, school_id: int, staff_id: int, student_id: int, reason: str, set_by: int, at: datetime
    ) -> int:
        """A new exclusion, or the one already in force for this colleague and pupil."""
        self._excluded.clear()
        existing = await self.session.scalar(
            select(ExclusionRow.id).where(
                ExclusionRow.staff_id == staff_id,
                ExclusionRow.student_id == student_id,
                ExclusionRow.lifted_at.is_(None),
            )
        )
        if existing is not None:
            return existing
        row = ExclusionRow(
            school_id=school_id,
            staff_id=staff_id,
            student_id=student_id,
            reason=reason,
            set_by=set_by,
            set_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def lift_exclusion(
        self, school_id: int, exclusion_id: int, by: int, at: datetime
    ) -> int | None:
        """Lift an exclusion in force; returns its pupil's id, or None if there was none."""
        self._excluded.clear()
        return await self.session.scalar(
            update(ExclusionRow)
            .where(
                ExclusionRow.id == exclusion_id,
                ExclusionRow.school_id == school_id,
                ExclusionRow.lifted_at.is_(None),
            )
            .values(lifted_by=by, lifted_at=at)
            .returning(ExclusionRow.student_id)
        )

    async def active_exclusions(self, school_id: int) -> Sequence[ActiveExclusion]:
        """Exclusions in force, newest first, with the names the DSL needs to read them."""
        excluded, setter = aliased(StaffRow), aliased(StaffRow)
        rows = await self.session.execute(
            select(ExclusionRow, excluded.display_name, setter.display_name, StudentRow)
            .join(excluded, excluded.id == ExclusionRow.staff_id)
            .join(setter, setter.id == ExclusionRow.set_by)
            .join(StudentRow, StudentRow.id == ExclusionRow.student_id)
            .where(ExclusionRow.school_id == school_id, ExclusionRow.lifted_at.is_(None))
            .order_by(ExclusionRow.set_at.desc(), ExclusionRow.id.desc())
        )
        return [
            ActiveExclusion(
                row.id, staff_name, student_of(pupil), row.reason, set_by, utc(row.set_at)
            )
            for row, staff_name, set_by, pupil in rows
        ]


def _rights(row: CategoryRoleRightsRow | CategoryStaffRightsRow) -> Rights:
    return Rights(row.view_students, row.view_incidents, row.add_incidents)


def _columns(rights: Rights) -> dict[str, bool]:
    return {
        "view_students": rights.view_students,
        "view_incidents": rights.view_incidents,
        "add_incidents": rights.add_incidents,
    }
