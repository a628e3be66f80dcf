"""Stored access rules (category rights, scopes, exclusions), loaded into the domain policy."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from safeguarding.access import AccessPolicy, Rights, Scope, ViewerAccess
from safeguarding.exclusions import ActiveExclusion
from safeguarding.rights import CategoryRights
from safeguarding.staff import Role
from storage.categories import CATEGORY_ORDER, CATEGORY_ROWS, SqlCategories
from storage.models import (
    CategoryRoleRightsRow,
    CategoryRow,
    CategoryStaffRightsRow,
    ExclusionRow,
    SecondFactorRow,
    StaffRow,
    StaffScopeRow,
    StudentRow,
)
from storage.repositories import plain_rows, plain_scalars, student_of, tagged_rows, utc
from storage.unions import TaggedUnion, tagged_union


class SqlAccess:
    """The school's categories come from the press's one read of them (`SqlCategories`); a
    colleague's exclusions are read once a press, forgotten when one is set or lifted."""

    def __init__(self, session: AsyncSession, categories: SqlCategories) -> None:
        self.session, self.categories = session, categories
        self._excluded: dict[int, frozenset[int]] = {}

    async def policy(self, school_id: int) -> AccessPolicy:
        """The school's rules; categories without stored rights use the day-one defaults."""
        policy, _, _ = await self._read(school_id, None)
        return policy

    async def viewing(self, staff_id: int, school_id: int) -> ViewerAccess:
        """What every decision for this member of staff needs, in one read: the school's rules,
        their exclusions in force (kept for the press, as `excluded_students`) and until when
        they are elevated (their second factor's row; None if never)."""
        policy, excluded, until = await self._read(school_id, staff_id)
        self._excluded[staff_id] = excluded
        return ViewerAccess(policy, excluded, until)

    async def _read(
        self, school_id: int, staff_id: int | None
    ) -> tuple[AccessPolicy, frozenset[int], datetime | None]:
        """The school's rules (with its categories unless the press has them already) and,
        for a member of staff, their exclusions and elevation: one statement."""
        known = self.categories.known(school_id)
        union = _STATEMENTS[(staff_id is not None, known is None)]
        parts = await tagged_rows(self.session, union, {"school": school_id, "staff": staff_id})
        categories = known
        if categories is None:
            categories = self.categories.remember(school_id, parts["category"])
        ids = [c.id for c in categories]
        years: dict[int, set[int]] = {}
        tutors: dict[int, set[str]] = {}
        for staff, year_group, tutor_group in parts["scope"]:
            if year_group is not None:
                years.setdefault(staff, set()).add(year_group)
            if tutor_group is not None:
                tutors.setdefault(staff, set()).add(tutor_group)
        scopes = {
            staff: Scope(frozenset(years.get(staff, ())), frozenset(tutors.get(staff, ())))
            for staff in years.keys() | tutors.keys()
        }
        policy = AccessPolicy(
            categories=frozenset(ids),
            restricted=frozenset(c.id for c in categories if c.restricted),
            retired=frozenset(c.id for c in categories if c.retired),
            by_role={(c, Role(role)): Rights(*rights) for c, role, *rights in parts["role"]},
            by_staff={(c, staff): Rights(*rights) for c, staff, *rights in parts["staff"]},
            scopes=scopes,
        )
        excluded = frozenset(student_id for (student_id,) in parts.get("excluded", ()))
        until = next((utc(u) for (u,) in parts.get("elevated", ()) if u is not None), None)
        return policy, excluded, until

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
            rows = await plain_scalars(self.session, EXCLUDED, {"staff": staff_id})
            self._excluded[staff_id] = frozenset(rows)
        return self._excluded[staff_id]

    async def excluded_of(self, staff_ids: Collection[int]) -> dict[int, frozenset[int]]:
        """Several colleagues' exclusions in one read (kept for the press like one's)."""
        wanted = [staff_id for staff_id in staff_ids if staff_id not in self._excluded]
        if wanted:
            found: dict[int, set[int]] = {staff_id: set() for staff_id in wanted}
            for staff_id, student_id in await plain_rows(
                self.session, _EXCLUDED_OF, {"staff": wanted}
            ):
                found[staff_id].add(student_id)
            self._excluded.update((s, frozenset(pupils)) for s, pupils in found.items())
        return {staff_id: self._excluded[staff_id] for staff_id in staff_ids}

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


def _rules(viewer: bool, categories: bool) -> TaggedUnion:
    """The categories' rights by role and by colleague and the staff's scopes, in one read (one
    statement instead of three on every press that decides access): `tagged_union` parts
    "role", "staff" and "scope". `categories`: also the school's categories (`CATEGORY_ROWS`,
    in the school's order), when the press has not read them yet. `viewer`: also the
    exclusions in force of one member of staff ("excluded") and until when they are elevated
    ("elevated"), for `staff`. Built once with bound parameters `school` and `staff`:
    building and keying a statement of this size cost more than running it, on every press."""
    school_id, staff_id = bindparam("school"), bindparam("staff")
    ours = select(CategoryRow.id).where(CategoryRow.school_id == school_id)
    role, staff = CategoryRoleRightsRow, CategoryStaffRightsRow
    parts = {"category": CATEGORY_ROWS} if categories else {}
    parts["role"] = select(
        role.category_id, role.role, role.view_students, role.view_incidents, role.add_incidents
    ).where(role.category_id.in_(ours))
    parts["staff"] = select(
        staff.category_id,
        staff.staff_id,
        staff.view_students,
        staff.view_incidents,
        staff.add_incidents,
    ).where(staff.category_id.in_(ours))
    parts["scope"] = (
        select(StaffScopeRow.staff_id, StaffScopeRow.year_group, StaffScopeRow.tutor_group)
        .join(StaffRow, StaffRow.id == StaffScopeRow.staff_id)
        .where(StaffRow.school_id == school_id)
    )
    if viewer:
        parts["excluded"] = select(ExclusionRow.student_id).where(
            ExclusionRow.staff_id == staff_id, ExclusionRow.lifted_at.is_(None)
        )
        parts["elevated"] = select(SecondFactorRow.elevated_until).where(
            SecondFactorRow.staff_id == staff_id
        )
    return tagged_union(parts, order_by=CATEGORY_ORDER if categories else ())


# By (for a viewer, with the categories).
_STATEMENTS = {
    (viewer, categories): _rules(viewer, categories)
    for viewer in (False, True)
    for categories in (False, True)
}
# The pupils a member of staff (`staff`) is barred from, the exclusions in force: read by every
# access decision, and the pupil search's test (storage/students.py). Built once.
EXCLUDED = select(ExclusionRow.student_id).where(
    ExclusionRow.staff_id == bindparam("staff"), ExclusionRow.lifted_at.is_(None)
)
_EXCLUDED_OF = select(ExclusionRow.staff_id, ExclusionRow.student_id).where(
    ExclusionRow.staff_id.in_(bindparam("staff", expanding=True)), ExclusionRow.lifted_at.is_(None)
)


def _columns(rights: Rights) -> dict[str, bool]:
    return {
        "view_students": rights.view_students,
        "view_incidents": rights.view_incidents,
        "add_incidents": rights.add_incidents,
    }
