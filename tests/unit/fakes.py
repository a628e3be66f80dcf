"""In-memory implementations of the domain ports, for use-case tests without a database."""

from dataclasses import dataclass, field
from typing import Self

from safeguarding.audit import AuditEvent
from safeguarding.identity import Identified
from safeguarding.school import School
from safeguarding.staff import StaffMember


@dataclass
class Store:
    """What the fake 'database' holds; committed state only."""

    schools: list[School] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)


class FakeSchools:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_tenant(self, tenant_id: str) -> School | None:
        return next((s for s in self.store.schools if s.tenant_id == tenant_id), None)


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


class FakeAudit:
    def __init__(self) -> None:
        self.pending: list[AuditEvent] = []

    async def append(self, event: AuditEvent) -> None:
        self.pending.append(event)


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def __aenter__(self) -> Self:
        self.schools, self.staff = FakeSchools(self.store), FakeStaff(self.store)
        self.audit = FakeAudit()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.audit.pending.clear()  # rolled back unless committed

    async def commit(self) -> None:
        self.store.audit.extend(self.audit.pending)
        self.audit.pending.clear()
