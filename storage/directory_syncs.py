"""The scheduled directory sync in SQL: one row per tenant, claimed by one process at a time
with a lease (an atomic UPDATE, as alert leases are: every process of either database can race
for it, and only one row changes), and the state of its failure notice."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DirectorySyncRow
from storage.repositories import insert_or


class SqlDirectorySyncs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, tenant_id: str, holder: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Take the tenant's sync if it is due and nobody else holds it (a first one is due)."""
        await self.session.execute(
            insert_or(self.session, DirectorySyncRow)
            .values(tenant_id=tenant_id, due_at=now)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        row = DirectorySyncRow
        taken = await self.session.execute(
            update(row)
            .where(
                row.tenant_id == tenant_id,
                row.due_at <= now,
                (row.claimed_until.is_(None)) | (row.claimed_until < now),
            )
            .values(claimed_by=holder, claimed_until=lease_until)
        )
        return taken.rowcount == 1

    async def finish(
        self, tenant_id: str, holder: str, next_due: datetime, failed_at: datetime | None
    ) -> bool:
        """Give the sync back, next due then; failing from `failed_at` (None: it succeeded, any
        failure is over). True when a failure notice is due (failed, nobody told yet)."""
        row = DirectorySyncRow
        found = await self.session.scalar(
            select(row).where(row.tenant_id == tenant_id).with_for_update()
        )
        if found is None or found.claimed_by != holder:
            return False  # (its lease ran out and another process took it)
        found.claimed_by, found.claimed_until, found.due_at = None, None, next_due
        if failed_at is None:
            found.failing_since, found.notified_at = None, None
            return False
        found.failing_since = found.failing_since or failed_at
        await self.session.flush()
        return found.notified_at is None

    async def notified(self, tenant_id: str, at: datetime) -> None:
        """The administrators were told of the current failure: not again until a success."""
        await self.session.execute(
            update(DirectorySyncRow)
            .where(DirectorySyncRow.tenant_id == tenant_id)
            .values(notified_at=at)
        )
