"""Import runs in SQL: each run kept, the newest of each kind read for the dashboard, and one
import of a school at a time."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.imports import ImportRun
from storage.models import ImportRunRow, SchoolRow
from storage.repositories import utc


class SqlImportRuns:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_school(self, school_id: int) -> None:
        """Hold the school's row until commit: two imports of a school never interleave (on
        SQLite the single writer does this already)."""
        await self.session.execute(
            select(SchoolRow.id).where(SchoolRow.id == school_id).with_for_update()
        )

    async def add(self, run: ImportRun) -> int:
        row = ImportRunRow(
            school_id=run.school_id,
            kind=run.kind,
            source=run.source,
            started_at=run.started_at,
            finished_at=run.finished_at,
            succeeded=run.succeeded,
            full=run.full,
            created=run.created,
            updated=run.updated,
            returned=run.returned,
            leavers=run.left,
            unchanged=run.unchanged,
            rejected=run.rejected,
            problems=list(run.problems),
            failure=run.failure or None,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def newest(self, school_id: int) -> Sequence[ImportRun]:
        """The newest run of each kind (import, sync) of this school."""
        newest = (
            select(ImportRunRow.kind, func.max(ImportRunRow.id).label("id"))
            .where(ImportRunRow.school_id == school_id)
            .group_by(ImportRunRow.kind)
            .subquery()
        )
        rows = await self.session.scalars(
            select(ImportRunRow).join(newest, newest.c.id == ImportRunRow.id)
        )
        return [_run(row) for row in rows]


def _run(row: ImportRunRow) -> ImportRun:
    return ImportRun(
        school_id=row.school_id,
        kind=row.kind,
        source=row.source,
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at),
        succeeded=row.succeeded,
        full=row.full,
        created=row.created,
        updated=row.updated,
        returned=row.returned,
        left=row.leavers,
        unchanged=row.unchanged,
        rejected=row.rejected,
        problems=tuple(row.problems or ()),
        failure=row.failure or "",
        id=row.id,
    )
