"""The unit of work: one session, one transaction, rolled back unless committed."""

from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from safeguarding.clock import Clock
from storage.audit import SqlAuditLog
from storage.repositories import (
    SqlAlertGroups,
    SqlCategories,
    SqlSchools,
    SqlStaff,
    SqlStudents,
)


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.schools = SqlSchools(self.session, self._clock)
        self.staff = SqlStaff(self.session, self._clock)
        self.students = SqlStudents(self.session, self._clock)
        self.categories = SqlCategories(self.session)
        self.alert_groups = SqlAlertGroups(self.session)
        self.audit = SqlAuditLog(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()


def unit_of_work_factory(engine: AsyncEngine, clock: Clock):
    """A zero-argument factory of units of work on this engine (the UnitOfWorkFactory port)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return lambda: SqlUnitOfWork(sessions, clock)
