"""Import runs in SQL: each run kept, the newest of each kind read for the dashboard, and one
import of a school at a time."""

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.imports import ImportRun
from storage.models import ImportRunRow, SchoolRow
from storage.repositories import plain_rows, utc


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
        return [
            run_of(row) for row in await plain_rows(self.session, NEWEST, {"school": school_id})
        ]


_RUN = (
    ImportRunRow.school_id,
    ImportRunRow.kind,
    ImportRunRow.source,
    ImportRunRow.started_at,
    ImportRunRow.finished_at,
    ImportRunRow.succeeded,
    ImportRunRow.full,
    ImportRunRow.created,
    ImportRunRow.updated,
    ImportRunRow.returned,
    ImportRunRow.leavers,
    ImportRunRow.unchanged,
    ImportRunRow.rejected,
    ImportRunRow.problems,
    ImportRunRow.failure,
    ImportRunRow.id,
)
# The newest run of each kind of a school (`school`), with what `run_of` makes one of: the
# dashboard of the DSL team reads it on every press (storage/dashboard.py). Built once.
NEWEST = select(*_RUN).where(
    ImportRunRow.id.in_(
        select(func.max(ImportRunRow.id))
        .where(ImportRunRow.school_id == bindparam("school"))
        .group_by(ImportRunRow.kind)
    )
)


def run_of(columns: Sequence) -> ImportRun:
    """A run from `NEWEST`'s columns, by position."""
    school_id, kind, source, started_at, finished_at, succeeded, full, *counts = columns
    created, updated, returned, leavers, unchanged, rejected, problems, failure, run_id = counts
    return ImportRun(
        school_id=school_id,
        kind=kind,
        source=source,
        started_at=utc(started_at),
        finished_at=utc(finished_at),
        succeeded=succeeded,
        full=full,
        created=created,
        updated=updated,
        returned=returned,
        left=leavers,
        unchanged=unchanged,
        rejected=rejected,
        problems=tuple(problems or ()),
        failure=failure or "",
        id=run_id,
    )
