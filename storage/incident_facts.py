"""An incident's facts (who, when, status, pupils and their categories, live grants) read in a
fixed number of queries for any number of incidents: no content is decrypted here."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.incidents import IncidentFacts, IncidentPupil, Status
from storage.models import (
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
    StudentRow,
)
from storage.repositories import student_of, utc


async def incident_facts(
    session: AsyncSession, school_id: int, incident_ids: Sequence[int]
) -> dict[int, IncidentFacts]:
    """Facts of these incidents of this school, by id (four queries, grouped once)."""
    wanted = list(dict.fromkeys(incident_ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(IncidentRow)
        .where(IncidentRow.id.in_(wanted), IncidentRow.school_id == school_id)
        # Fresh in the same unit of work: a press answers with the incident after changing
        # it, or after a concurrent change (committed elsewhere) won the version.
        .execution_options(populate_existing=True)
    )
    incidents = {row.id: row for row in rows}
    pupils = (
        await session.execute(
            select(IncidentStudentRow, StudentRow)
            .join(StudentRow, StudentRow.id == IncidentStudentRow.student_id)
            .where(IncidentStudentRow.incident_id.in_(incidents))
            .order_by(IncidentStudentRow.linked, StudentRow.last_name, StudentRow.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    categories = (
        await session.execute(
            select(
                IncidentCategoryRow.incident_id,
                IncidentCategoryRow.student_id,
                IncidentCategoryRow.category_id,
            ).where(IncidentCategoryRow.incident_id.in_(incidents))
        )
    ).all()
    grants = (
        await session.execute(
            select(IncidentGrantRow.incident_id, IncidentGrantRow.staff_id).where(
                IncidentGrantRow.incident_id.in_(incidents),
                IncidentGrantRow.withdrawn_at.is_(None),
            )
        )
    ).all()
    # Grouped once by incident (a pupil's record loads hundreds: never a scan per incident).
    pupils_of: dict[int, list] = defaultdict(list)
    for link, student in pupils:
        pupils_of[link.incident_id].append((link, student))
    categories_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for incident_id, student_id, category_id in categories:
        categories_of[incident_id].append((student_id, category_id))
    grants_of: dict[int, set[int]] = defaultdict(set)
    for incident_id, staff_id in grants:
        grants_of[incident_id].add(staff_id)
    return {
        row.id: _facts(
            row,
            pupils_of[row.id],
            categories_of[row.id],
            frozenset(grants_of[row.id]),
        )
        for row in incidents.values()
    }


def _facts(
    row: IncidentRow,
    pupils: list[tuple[IncidentStudentRow, StudentRow]],
    categories: list[tuple[int, int]],
    grants: frozenset[int],
) -> IncidentFacts:
    return IncidentFacts(
        id=row.id,
        school_id=row.school_id,
        recorded_by=row.recorded_by,
        recorded_at=utc(row.recorded_at),
        happened_at=utc(row.happened_at),
        time_zone=row.time_zone,
        status=Status(row.status),
        assignee_id=row.assignee_id,
        agencies=tuple(row.agencies or ()),
        pupils=tuple(
            IncidentPupil(
                student_of(student),
                frozenset(c for s, c in categories if s == link.student_id),
                link.linked,
                link.monitoring,
            )
            for link, student in pupils
        ),
        granted_to=grants,
        version=row.version,
        outcome=row.outcome,
    )
