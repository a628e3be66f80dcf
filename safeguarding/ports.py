"""The ports the use cases need; storage/ implements them, tests may fake them."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, Self

from safeguarding.audit import AuditEvent
from safeguarding.school import AlertGroup, Category, School, Student
from safeguarding.second_factor import SecondFactor
from safeguarding.staff import Role, StaffMember

if TYPE_CHECKING:
    from safeguarding.identity import Identified


class SchoolRepository(Protocol):
    async def by_tenant(self, tenant_id: str) -> School | None: ...
    async def ensure(self, name: str, tenant_id: str, time_zone: str) -> School: ...


class StaffRepository(Protocol):
    async def by_identity(self, tenant_id: str, aad_object_id: str) -> "Identified | None": ...
    async def ensure(
        self, school_id: int, aad_object_id: str, display_name: str, email: str, role: Role
    ) -> StaffMember: ...
    async def list(self, school_id: int) -> Sequence[StaffMember]: ...
    async def by_id(self, school_id: int, staff_id: int) -> StaffMember | None: ...


class StudentRepository(Protocol):
    async def ensure(self, student: Student) -> Student: ...
    async def count(self, school_id: int) -> int: ...


class CategoryRepository(Protocol):
    async def ensure(self, category: Category) -> Category: ...
    async def list(self, school_id: int) -> Sequence[Category]: ...
    async def set_default_alert_groups(
        self, category_id: int, group_ids: Sequence[int]
    ) -> None: ...


class AlertGroupRepository(Protocol):
    async def ensure(self, school_id: int, name: str, member_ids: Sequence[int]) -> AlertGroup: ...
    async def list(self, school_id: int) -> Sequence[AlertGroup]: ...


class SecondFactorRepository(Protocol):
    async def get(self, staff_id: int, *, for_update: bool = False) -> SecondFactor | None: ...
    async def save(self, factor: SecondFactor) -> None: ...
    async def delete(self, staff_id: int) -> None: ...
    async def enrolled(self, school_id: int) -> Sequence[StaffMember]: ...


class AuditLog(Protocol):
    async def append(self, event: AuditEvent) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: rolled back on exit unless `commit()` was called."""

    schools: SchoolRepository
    staff: StaffRepository
    students: StudentRepository
    categories: CategoryRepository
    alert_groups: AlertGroupRepository
    second_factors: SecondFactorRepository
    audit: AuditLog

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
