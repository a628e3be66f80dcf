"""In-memory implementations of the domain ports, for use-case tests without a database.

A unit of work works on a copy of the store and writes it back on `commit()`, so whatever a
use case did is gone unless the press committed (as with the real unit of work).
"""

import copy
from collections.abc import Awaitable, Collection
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Self

from safeguarding.audit import AuditEvent
from safeguarding.chats import ChatAddress
from safeguarding.exclusions import ActiveExclusion
from safeguarding.identity import Identified
from safeguarding.school import School, Student
from safeguarding.second_factor import SecondFactor
from safeguarding.staff import StaffMember


@dataclass
class Exclusion:
    id: int
    school_id: int
    staff_id: int
    student_id: int
    reason: str
    set_by: int
    set_at: datetime
    lifted_at: datetime | None = None


@dataclass
class Store:
    """What the fake 'database' holds; committed state only."""

    schools: list[School] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    second_factors: dict[int, SecondFactor] = field(default_factory=dict)
    exclusions: list[Exclusion] = field(default_factory=list)
    chats: dict[int, ChatAddress] = field(default_factory=dict)
    working: dict[tuple[str, str], int] = field(default_factory=dict)


class FakeSchools:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_tenant(self, tenant_id: str) -> School | None:
        return next((s for s in self.store.schools if s.tenant_id == tenant_id), None)

    async def by_id(self, school_id: int) -> School | None:
        return next((s for s in self.store.schools if s.id == school_id), None)


class FakeStaff:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_identity(self, tenant_id: str, aad_object_id: str) -> Identified | None:
        for school in self.store.schools:
            for member in self.store.staff:
                if (
                    school.tenant_id == tenant_id
                    and member.school_id == school.id
                    and member.aad_object_id == aad_object_id
                ):
                    return Identified(member, school)
        return None

    async def of_person(self, tenant_id: str, aad_object_id: str) -> list[Identified]:
        return [
            Identified(member, school)
            for school in sorted(self.store.schools, key=lambda s: s.id)
            for member in self.store.staff
            if school.tenant_id == tenant_id
            and member.school_id == school.id
            and member.aad_object_id == aad_object_id
        ]

    async def working_school(self, tenant_id: str, aad_object_id: str) -> int | None:
        return self.store.working.get((tenant_id, aad_object_id))

    async def set_working_school(self, tenant_id: str, aad_object_id: str, school_id: int) -> None:
        self.store.working[(tenant_id, aad_object_id)] = school_id

    async def list(self, school_id: int) -> list[StaffMember]:
        return sorted((s for s in self.store.staff if s.school_id == school_id), key=lambda s: s.id)

    async def names(self, school_id: int) -> dict[int, str]:
        return {s.id: s.display_name for s in await self.list(school_id)}

    async def by_id(self, school_id: int, staff_id: int) -> StaffMember | None:
        return next((s for s in await self.list(school_id) if s.id == staff_id), None)

    async def set_hide_names(self, staff_id: int, hide: bool) -> None:
        self.store.staff = [
            replace(s, hide_names=hide) if s.id == staff_id else s for s in self.store.staff
        ]


class FakeStudents:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_id(self, school_id: int, student_id: int) -> Student | None:
        found = (s for s in self.store.students if s.school_id == school_id and s.id == student_id)
        return next(found, None)


class FakeSecondFactors:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, staff_id: int, *, for_update: bool = False) -> SecondFactor | None:
        found = self.store.second_factors.get(staff_id)
        return copy.deepcopy(found)  # a loaded row: changed only by save()

    async def save(self, factor: SecondFactor) -> None:
        self.store.second_factors[factor.staff_id] = copy.deepcopy(factor)

    async def delete(self, staff_id: int) -> None:
        self.store.second_factors.pop(staff_id, None)

    async def enrolled(self, school_id: int) -> list[StaffMember]:
        staff = (s for s in self.store.staff if s.school_id == school_id)
        with_factor = [s for s in staff if s.id in self.store.second_factors]
        return sorted(with_factor, key=lambda s: s.display_name)


class FakeAccess:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _in_force(self) -> list[Exclusion]:
        return [e for e in self.store.exclusions if e.lifted_at is None]

    async def excluded_students(self, staff_id: int) -> frozenset[int]:
        return frozenset(e.student_id for e in self._in_force() if e.staff_id == staff_id)

    async def excluded_of(self, staff_ids: Collection[int]) -> dict[int, frozenset[int]]:
        return {staff_id: await self.excluded_students(staff_id) for staff_id in staff_ids}

    async def add_exclusion(
        self, school_id: int, staff_id: int, student_id: int, reason: str, set_by: int, at: datetime
    ) -> int:
        for existing in self._in_force():
            if (existing.staff_id, existing.student_id) == (staff_id, student_id):
                return existing.id
        exclusion = Exclusion(
            len(self.store.exclusions) + 1, school_id, staff_id, student_id, reason, set_by, at
        )
        self.store.exclusions.append(exclusion)
        return exclusion.id

    async def lift_exclusion(
        self, school_id: int, exclusion_id: int, by: int, at: datetime
    ) -> int | None:
        for exclusion in self._in_force():
            if (exclusion.id, exclusion.school_id) == (exclusion_id, school_id):
                exclusion.lifted_at = at
                return exclusion.student_id
        return None

    async def active_exclusions(self, school_id: int) -> list[ActiveExclusion]:
        names = {s.id: s.display_name for s in self.store.staff}
        pupils = {s.id: s for s in self.store.students}
        return [
            ActiveExclusion(
                e.id, names[e.staff_id], pupils[e.student_id], e.reason, names[e.set_by], e.set_at
            )
            for e in sorted(self._in_force(), key=lambda e: (e.set_at, e.id), reverse=True)
            if e.school_id == school_id
        ]


class FakeChats:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, staff_id: int) -> ChatAddress | None:
        return self.store.chats.get(staff_id)

    async def save(self, staff_id: int, address: ChatAddress, at: datetime) -> None:
        self.store.chats[staff_id] = address

    async def delete(self, staff_id: int) -> None:
        self.store.chats.pop(staff_id, None)


class FakeAudit:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def append(self, event: AuditEvent) -> None:
        self.store.audit.append(event)


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def __aenter__(self) -> Self:
        self.work = copy.deepcopy(self.store)  # this transaction's view
        self.schools, self.staff = FakeSchools(self.work), FakeStaff(self.work)
        self.students = FakeStudents(self.work)
        self.second_factors = FakeSecondFactors(self.work)
        self.access, self.chats = FakeAccess(self.work), FakeChats(self.work)
        self.audit = FakeAudit(self.work)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Rolled back unless committed: the copy is dropped."""

    async def together(self, *reads: Awaitable[Any]) -> tuple:
        return tuple([await read for read in reads])

    async def commit(self) -> None:
        for name in (f.name for f in fields(Store)):
            setattr(self.store, name, copy.deepcopy(getattr(self.work, name)))
