"""The DSL team's oversight inside a press: the audit reports and withdrawing a grant."""

from safeguarding.audit import AuditAction
from safeguarding.incidents import reference
from safeguarding.outcomes import Done
from safeguarding.oversight import (
    REPORT_LINES,
    AuditLine,
    AuditReport,
    audit_lines,
    may_oversee,
    pupils_of,
    reportable,
)
from safeguarding.services.press import Press
from safeguarding.services.viewing import open_incident
from safeguarding.viewing import IncidentStatus, IncidentView


async def show_incident_audit(press: Press, incident_id: int, offset: int = 0) -> Done[AuditReport]:
    """Who looked at or changed this incident (incident.audit), newest first, a page at
    `offset`."""
    uow, actor = press.uow, press.staff
    facts = await uow.incidents.facts(actor.school_id, incident_id)
    excluded = await uow.access.excluded_students(actor.id)
    if facts is None or not may_oversee(actor, excluded, pupils_of(facts)):
        await press.refuse("incident.audit", ("incident", incident_id))
    lines, more = await _lines(press, [("incident", incident_id)], offset)
    await press.audit(AuditAction.AUDIT_VIEWED, ("incident", incident_id), _page(offset))
    return Done(AuditReport(lines, reference(incident_id), offset=offset, more=more))


async def show_pupil_audit(press: Press, student_id: int, offset: int = 0) -> Done[AuditReport]:
    """Who looked at this pupil's record and incidents (student.audit), newest first, a page
    at `offset`."""
    uow, actor = press.uow, press.staff
    student = await uow.students.by_id(actor.school_id, student_id)
    excluded = await uow.access.excluded_students(actor.id)
    if student is None or not may_oversee(actor, excluded, {student_id}):
        await press.refuse("student.audit", ("student", student_id))
    ids = await uow.incidents.of_student(student_id)
    incidents = reportable(ids, await uow.incidents.facts_of(actor.school_id, ids), excluded)
    # A pupil added by hand and merged into this one: their events are this pupil's too.
    pupils = [student_id, *await uow.students.merged_from(student_id)]
    records = [("student", i) for i in pupils] + [("incident", i) for i in incidents]
    lines, more = await _lines(press, records, offset)
    await press.audit(AuditAction.AUDIT_VIEWED, ("student", student_id), _page(offset))
    return Done(AuditReport(lines, student=student, offset=offset, more=more))


async def withdraw_grant(
    press: Press, incident_id: int, staff_id: int
) -> Done[IncidentView | IncidentStatus]:
    """End the access an alert gave a colleague to one incident (grant.withdraw); the incident
    is shown again."""
    uow, actor = press.uow, press.staff
    facts = await uow.incidents.facts(actor.school_id, incident_id)
    excluded = await uow.access.excluded_students(actor.id)
    allowed = facts is not None and may_oversee(actor, excluded, pupils_of(facts))
    if not allowed or not await uow.incidents.withdraw_grant(
        incident_id, staff_id, actor.id, press.now
    ):
        await press.refuse("grant.withdraw", ("incident", incident_id))
    await press.audit(AuditAction.ACCESS_WITHDRAWN, ("incident", incident_id), {"staff": staff_id})
    return await open_incident(press, incident_id)


async def _lines(
    press: Press, records: list[tuple[str, int]], offset: int
) -> tuple[tuple[AuditLine, ...], bool]:
    """A page of lines, and whether older events follow (one more is read to know)."""
    school_id = press.staff.school_id
    events = await press.uow.audit.for_records(school_id, records, REPORT_LINES + 1, offset)
    names = await press.uow.staff.names(school_id)
    return audit_lines(events[:REPORT_LINES], names), len(events) > REPORT_LINES


def _page(offset: int) -> dict[str, int] | None:
    """The page viewed, in the audit event (only beyond the first)."""
    return {"offset": offset} if offset else None
