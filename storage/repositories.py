"""SQL implementations of the domain repositories; they map rows to domain objects, never commit."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.clock import Clock
from safeguarding.identity import Identified
from safeguarding.school import AlertGroup, Category, School, Student
from safeguarding.staff import Role, StaffMember
from storage.models import (
    AlertGroupMemberRow,
    AlertGroupRow,
    CategoryAlertGroupRow,
    CategoryRow,
    SchoolRow,
    StaffRow,
    StudentRow,
)


class SqlSchools:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def by_tenant(self, tenant_id: str) -> School | None:
        row = await self.session.scalar(select(SchoolRow).where(SchoolRow.tenant_id == tenant_id))
        return _school(row) if row else None

    async def by_id(self, school_id: int) -> School | None:
        row = await self.session.get(SchoolRow, school_id)
        return _school(row) if row else None

    async def list(self) -> Sequence[School]:
        rows = await self.session.scalars(select(SchoolRow).order_by(SchoolRow.id))
        return [_school(row) for row in rows]

    async def ensure(self, name: str, tenant_id: str, time_zone: str) -> School:
        row = await self.session.scalar(select(SchoolRow).where(SchoolRow.tenant_id == tenant_id))
        if row is None:
            row = SchoolRow(tenant_id=tenant_id, created_at=self.clock.now())
            self.session.add(row)
        row.name, row.time_zone = name, time_zone
        await self.session.flush()
        return _school(row)


class SqlStaff:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def by_identity(self, tenant_id: str, aad_object_id: str) -> Identified | None:
        found = (
            await self.session.execute(
                select(StaffRow, SchoolRow)
                .join(SchoolRow, SchoolRow.id == StaffRow.school_id)
                .where(SchoolRow.tenant_id == tenant_id, StaffRow.aad_object_id == aad_object_id)
            )
        ).first()
        return Identified(staff_member(found[0]), _school(found[1])) if found else None

    async def ensure(
        self, school_id: int, aad_object_id: str, display_name: str, email: str, role: Role
    ) -> StaffMember:
        row = await self.session.scalar(
            select(StaffRow).where(
                StaffRow.school_id == school_id, StaffRow.aad_object_id == aad_object_id
            )
        )
        now = self.clock.now()
        if row is None:
            # Role and active are set once: re-running a seed must not undo an administrator's
            # later change (a leader's deactivation, a new role).
            row = StaffRow(school_id=school_id, aad_object_id=aad_object_id, created_at=now)
            row.role, row.active = role.value, True
            self.session.add(row)
        row.display_name, row.email, row.updated_at = display_name, email, now
        await self.session.flush()
        return staff_member(row)

    async def list(self, school_id: int) -> Sequence[StaffMember]:
        rows = await self.session.scalars(
            select(StaffRow).where(StaffRow.school_id == school_id).order_by(StaffRow.display_name)
        )
        return [staff_member(row) for row in rows]

    async def set_hide_names(self, staff_id: int, hide: bool) -> None:
        row = await self.session.get(StaffRow, staff_id)
        if row is not None:
            row.hide_names, row.updated_at = hide, self.clock.now()
            await self.session.flush()

    async def by_id(self, school_id: int, staff_id: int) -> StaffMember | None:
        row = await self.session.get(StaffRow, staff_id)
        return staff_member(row) if row is not None and row.school_id == school_id else None


class SqlCategories:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, category: Category) -> Category:
        row = await self.session.scalar(
            select(CategoryRow).where(
                CategoryRow.school_id == category.school_id, CategoryRow.name == category.name
            )
        )
        if row is None:
            row = CategoryRow(school_id=category.school_id, name=category.name)
            self.session.add(row)
        row.colour, row.urgent, row.restricted = (
            category.colour,
            category.urgent,
            category.restricted,
        )
        row.parent_id = category.parent_id
        await self.session.flush()
        return Category(row.id, row.school_id, row.name, row.colour, row.urgent, row.restricted)

    async def set_default_alert_groups(self, category_id: int, group_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(CategoryAlertGroupRow).where(CategoryAlertGroupRow.category_id == category_id)
        )
        self.session.add_all(
            CategoryAlertGroupRow(category_id=category_id, group_id=g) for g in group_ids
        )
        await self.session.flush()

    async def list(self, school_id: int) -> Sequence[Category]:
        rows = (
            await self.session.scalars(
                select(CategoryRow)
                .where(CategoryRow.school_id == school_id)
                .order_by(CategoryRow.name)
            )
        ).all()
        links = await self.session.execute(
            select(CategoryAlertGroupRow.category_id, CategoryAlertGroupRow.group_id)
            .join(CategoryRow, CategoryRow.id == CategoryAlertGroupRow.category_id)
            .where(CategoryRow.school_id == school_id)
        )
        defaults: dict[int, list[int]] = {}
        for category_id, group_id in links:
            defaults.setdefault(category_id, []).append(group_id)
        return [
            Category(
                r.id,
                r.school_id,
                r.name,
                r.colour,
                r.urgent,
                r.restricted,
                r.parent_id,
                tuple(sorted(defaults.get(r.id, ()))),
            )
            for r in rows
        ]


class SqlAlertGroups:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, school_id: int, name: str, member_ids: Sequence[int]) -> AlertGroup:
        row = await self.session.scalar(
            select(AlertGroupRow).where(
                AlertGroupRow.school_id == school_id, AlertGroupRow.name == name
            )
        )
        if row is None:
            row = AlertGroupRow(school_id=school_id, name=name)
            self.session.add(row)
            await self.session.flush()
        await self.session.execute(
            delete(AlertGroupMemberRow).where(AlertGroupMemberRow.group_id == row.id)
        )
        self.session.add_all(AlertGroupMemberRow(group_id=row.id, staff_id=s) for s in member_ids)
        await self.session.flush()
        return AlertGroup(row.id, school_id, name, tuple(sorted(member_ids)))

    async def list(self, school_id: int) -> Sequence[AlertGroup]:
        rows = await self.session.execute(
            select(AlertGroupRow.id, AlertGroupRow.name, AlertGroupMemberRow.staff_id)
            .outerjoin(AlertGroupMemberRow, AlertGroupMemberRow.group_id == AlertGroupRow.id)
            .where(AlertGroupRow.school_id == school_id)
            .order_by(AlertGroupRow.name)
        )
        groups: dict[tuple[int, str], list[int]] = {}
        for group_id, name, staff_id in rows:
            members = groups.setdefault((group_id, name), [])
            if staff_id is not None:
                members.append(staff_id)
        return [AlertGroup(g, school_id, n, tuple(sorted(m))) for (g, n), m in groups.items()]


def _school(row: SchoolRow) -> School:
    return School(row.id, row.name, row.tenant_id, row.time_zone)


def staff_member(row: StaffRow) -> StaffMember:
    """The domain view of a staff row."""
    return StaffMember(
        row.id,
        row.school_id,
        row.aad_object_id,
        row.display_name,
        row.email,
        Role(row.role),
        row.active,
        row.hide_names,
    )


def student_of(row: StudentRow) -> Student:
    """The domain view of a student row."""
    return Student(
        id=row.id,
        school_id=row.school_id,
        upn=row.upn,
        first_name=row.first_name,
        last_name=row.last_name,
        year_group=row.year_group,
        tutor_group=row.tutor_group,
        house=row.house,
        preferred_name=row.preferred_name,
        mis_id=row.mis_id,
        date_of_birth=row.date_of_birth,
        provisional=row.provisional,
        left_on=row.left_on,
        merged_into=row.merged_into,
    )


def insert_or(session: AsyncSession, model):
    """An INSERT that can say what to do ON CONFLICT, in this session's dialect."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert(model) if dialect == "postgresql" else sqlite_insert(model)


def utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite hands back naive datetimes; Kestrel stores UTC only."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
