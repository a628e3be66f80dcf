"""The unit of work: one session, one transaction, rolled back unless committed."""

from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from safeguarding.clock import Clock
from storage.access import SqlAccess
from storage.actions import SqlActions
from storage.alerts import SqlAlerts
from storage.attachments import SqlAttachments
from storage.audit import SqlAuditLog
from storage.audit_keys import AuditKeys
from storage.casework import SqlCases
from storage.categories import SqlAlertGroups, SqlCategories
from storage.chats import SqlChats
from storage.chronology import SqlChronology
from storage.dashboard import SqlDashboard
from storage.directory_syncs import SqlDirectorySyncs
from storage.encryption import Keyring
from storage.imports import SqlImportRuns
from storage.incidents import SqlIncidents
from storage.lists import SqlLists
from storage.proposals import SqlProposals
from storage.repositories import SqlSchools, SqlStaff, read_together
from storage.second_factors import SqlSecondFactors
from storage.students import SqlStudents
from storage.triage import SqlTriage
from storage.typed_words import SqlTypedWords


class SqlUnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        keyring: Keyring | None,
        files: Path | None = None,
        audit_keys: AuditKeys | None = None,
    ) -> None:
        self._sessions, self._clock, self._keyring, self._files = sessions, clock, keyring, files
        self._audit_keys = audit_keys

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.schools = SqlSchools(self.session, self._clock)
        self.staff = SqlStaff(self.session, self._clock)
        self.students = SqlStudents(self.session, self._clock)
        self.categories = SqlCategories(self.session)
        self.alert_groups = SqlAlertGroups(self.session)
        self.second_factors = SqlSecondFactors(self.session, self._clock, self._keyring)
        self.access = SqlAccess(self.session, self.categories)
        self.lists = SqlLists(self.session)
        self.proposals = SqlProposals(self.session)
        self.incidents = SqlIncidents(self.session, self._keyring)
        self.chronology = SqlChronology(self.session)
        self.attachments = SqlAttachments(self.session, self._keyring, self._files)
        self.chats = SqlChats(self.session)
        self.alerts = SqlAlerts(self.session)
        self.dashboard = SqlDashboard(self.session)
        self.triage = SqlTriage(self.session)
        self.cases = SqlCases(self.session, self._keyring)
        self.actions = SqlActions(self.session, self._keyring)
        self.audit = SqlAuditLog(self.session, self._audit_keys)
        self.typed_words = SqlTypedWords(self.session, self._keyring)
        self.imports = SqlImportRuns(self.session)
        self.directory_syncs = SqlDirectorySyncs(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def together(self, *reads: Awaitable[Any]) -> tuple:
        """The reads as one statement where they can be (storage/repositories.py
        `read_together`): one round trip instead of one each."""
        return await read_together(self.session, *reads)


def unit_of_work_factory(
    engine: AsyncEngine,
    clock: Clock,
    keyring: Keyring | None = None,
    files: Path | None = None,
    *,
    audit_keys: AuditKeys | None = None,
):
    """A zero-argument factory of units of work on this engine (the UnitOfWorkFactory port).

    Without a keyring, anything that stores encrypted content refuses to work; without a
    files folder, attachments cannot be stored; without audit keys, nothing can be audited.
    """
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return lambda: SqlUnitOfWork(sessions, clock, keyring, files, audit_keys)
