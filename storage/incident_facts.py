"""An incident's facts (who, when, status, pupils and their categories, live grants) read in
one statement for any number of incidents: no content is decrypted here."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.incidents import IncidentFacts, IncidentPupil, Status
from safeguarding.school import Student
from storage.models import (
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
    StudentRow,
)
from storage.repositories import tagged_rows, utc
from storage.unions import tagged_union

# Only the columns facts are made of: never the ciphertexts (a pupil's record reads hundreds of
# incidents to decide and order them, and decrypts only the page it shows), and plain rows, not
# ORM objects (building those was most of a chronology page's CPU).
_INCIDENT = (
    IncidentRow.id,
    IncidentRow.school_id,
    IncidentRow.recorded_by,
    IncidentRow.recorded_at,
    IncidentRow.happened_at,
    IncidentRow.time_zone,
    IncidentRow.status,
    IncidentRow.assignee_id,
    IncidentRow.agencies,
    IncidentRow.version,
    IncidentRow.outcome,
)
_STUDENT = (
    StudentRow.id,
    StudentRow.school_id,
    StudentRow.upn,
    StudentRow.first_name,
    StudentRow.last_name,
    StudentRow.year_group,
    StudentRow.tutor_group,
    StudentRow.house,
    StudentRow.preferred_name,
    StudentRow.mis_id,
    StudentRow.date_of_birth,
    StudentRow.provisional,
    StudentRow.left_on,
    StudentRow.merged_into,
)
_STUDENT_FIELDS = tuple(column.key for column in _STUDENT)  # as Student names them
_PUPIL = (
    IncidentStudentRow.incident_id,
    IncidentStudentRow.linked,
    IncidentStudentRow.monitoring,
    *_STUDENT,
)


# One statement, built once with bound parameters (`ids`, a list, and `school`): every view of
# an incident reads it, and building and keying it cost more than running it. Its four parts
# (the incidents, their pupils, the pupils' categories, the live grants) would be four round
# trips; each part's rows are only those of this school's incidents.
_IDS = bindparam("ids", expanding=True)
_OURS = (IncidentRow.id.in_(_IDS), IncidentRow.school_id == bindparam("school"))
_PARTS = {
    "incident": select(*_INCIDENT).where(*_OURS),
    "pupil": select(*_PUPIL)
    .join(StudentRow, StudentRow.id == IncidentStudentRow.student_id)
    .join(IncidentRow, IncidentRow.id == IncidentStudentRow.incident_id)
    .where(*_OURS),
    "category": select(
        IncidentCategoryRow.incident_id,
        IncidentCategoryRow.student_id,
        IncidentCategoryRow.category_id,
    )
    .join(IncidentRow, IncidentRow.id == IncidentCategoryRow.incident_id)
    .where(*_OURS),
    "grant": select(IncidentGrantRow.incident_id, IncidentGrantRow.staff_id)
    .join(IncidentRow, IncidentRow.id == IncidentGrantRow.incident_id)
    .where(*_OURS, IncidentGrantRow.withdrawn_at.is_(None)),
}
# An incident's pupils in the order they are shown: the pupil it is about, then linked pupils
# by name (the database's collation, as everywhere else names are ordered).
_FACTS = tagged_union(
    _PARTS, order_by=(IncidentStudentRow.linked, StudentRow.last_name, StudentRow.id)
)


async def incident_facts(
    session: AsyncSession, school_id: int, incident_ids: Sequence[int]
) -> dict[int, IncidentFacts]:
    """Facts of these incidents of this school, by id (one statement, grouped once). Rows are
    read from the database each time (after the session's pending changes are flushed), so a
    press that changed an incident, or lost its version to a concurrent change, sees it now."""
    wanted = list(dict.fromkeys(incident_ids))
    if not wanted:
        return {}
    parts = await tagged_rows(session, _FACTS, {"ids": wanted, "school": school_id})
    incidents = {row[0]: row for row in parts["incident"]}
    # Grouped once by incident (a pupil's record loads hundreds: never a scan per incident),
    # each pupil made once however many incidents they are on; rows read by position (a
    # Row's attributes by name cost more than everything else here).
    students: dict[int, Student] = {}
    categories_of: dict[tuple[int, int], set[int]] = defaultdict(set)
    for incident_id, student_id, category_id in parts["category"]:
        categories_of[(incident_id, student_id)].add(category_id)
    pupils_of: dict[int, list[IncidentPupil]] = defaultdict(list)
    for incident_id, linked, monitoring, *student in parts["pupil"]:
        found = students.get(student[0]) or _student(students, student)
        chosen = frozenset(categories_of.get((incident_id, found.id), ()))
        pupils_of[incident_id].append(IncidentPupil(found, chosen, linked, monitoring))
    grants_of: dict[int, set[int]] = defaultdict(set)
    for incident_id, staff_id in parts["grant"]:
        grants_of[incident_id].add(staff_id)
    return {
        incident_id: _facts(row, tuple(pupils_of[incident_id]), frozenset(grants_of[incident_id]))
        for incident_id, row in incidents.items()
    }


def _student(students: dict[int, Student], columns: list) -> Student:
    made = Student(**dict(zip(_STUDENT_FIELDS, columns, strict=True)))
    students[made.id] = made
    return made


def _facts(
    row: Sequence, pupils: tuple[IncidentPupil, ...], grants: frozenset[int]
) -> IncidentFacts:
    (
        incident_id,
        school_id,
        recorded_by,
        recorded_at,
        happened_at,
        time_zone,
        status,
        assignee_id,
        agencies,
        version,
        outcome,
    ) = row
    return IncidentFacts(
        id=incident_id,
        school_id=school_id,
        recorded_by=recorded_by,
        recorded_at=utc(recorded_at),
        happened_at=utc(happened_at),
        time_zone=time_zone,
        status=Status(status),
        assignee_id=assignee_id,
        agencies=tuple(agencies or ()),
        pupils=pupils,
        granted_to=grants,
        version=version,
        outcome=outcome,
    )
