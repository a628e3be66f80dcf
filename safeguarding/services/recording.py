"""Recording a concern inside a press: the rights on every pupil and category, the incident,
its grants and alerts (the shared tail, services/alerting.py) and its audit events."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from safeguarding.access import AccessPolicy, Action, Decision, Pupil, Record, Viewer, decide
from safeguarding.audit import AuditAction
from safeguarding.errors import InvalidInput, NotAvailable
from safeguarding.files import ATTACH_WINDOW
from safeguarding.incidents import IncidentDraft, NewIncident, PupilEntry, reference
from safeguarding.recipients import AlertChoice, check_confirmed, grantees
from safeguarding.school import PROVISIONAL_KEY, Category, Student
from safeguarding.services.alerting import alert_recipients, grant_and_alert
from safeguarding.services.press import Press
from safeguarding.services.triage import post_to_triage


@dataclass(frozen=True)
class Recorded:
    incident_id: int
    alerted: int
    repeated: bool = False  # the same form sent again: the first incident, not a second one

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


async def store_incident(press: Press, draft: IncidentDraft) -> Recorded:
    """Store the incident once (the form's key makes a second send return the first).

    InvalidInput and ConfirmGrants change nothing; a pupil or category this member of staff
    may not record in is refused (audited, NotAvailable).
    """
    uow, actor, now = press.uow, press.staff, press.now
    repeated = await recorded_before(press, draft.key)
    if repeated is not None:
        return repeated
    # Independent reads (one round trip where the database allows): the rules, the pupils,
    # and the recorder's exclusions (kept for the press, which _check_rights reads).
    policy, found, _ = await uow.together(
        uow.access.policy(actor.school_id),
        _pupils(press, draft),
        uow.access.excluded_students(actor.id),
    )
    students = await _all_found(press, draft, found)
    await _check_rights(press, draft, students, policy)
    await _check_assignee(press, draft, {s.id for s in students})
    chosen = [c for c in await uow.categories.list(actor.school_id) if c.id in draft.category_ids]
    recipients = await alert_recipients(press, _choice(draft, chosen), {s.id for s in students})
    record = Record(
        pupils=tuple(Pupil(s.id, s.year_group, s.tutor_group) for s in students),
        categories=draft.category_ids,
    )
    granted = grantees((s for s, _ in recipients.values()), record, policy, now)
    check_confirmed(granted, draft.confirm)
    if draft.new_student is not None:  # only now that nothing can refuse the record
        students[0] = await _provisional(press, draft)
    pupils = _resolved(draft, students)
    urgent = any(c.urgent for c in chosen)
    escalate_at = now + press.escalate_after if urgent and recipients else None
    incident_id = await uow.incidents.add(
        NewIncident(actor.school_id, actor.id, now, draft, pupils, escalate_at)
    )
    # Files the recorder sends in the next minutes go on this incident.
    await uow.attachments.open_window(actor.id, incident_id, now + ATTACH_WINDOW)
    detail = {
        "students": [p.student_id for p in pupils],
        "categories": sorted({c for p in pupils for c in p.category_ids}),
        "alerted": sorted(recipients),
    }
    if await post_to_triage(press, incident_id):
        detail["triage"] = True  # posted to the school's triage channel
    await press.audit(AuditAction.INCIDENT_RECORDED, ("incident", incident_id), detail)
    await grant_and_alert(press, incident_id, recipients, granted)
    return Recorded(incident_id, alerted=len(recipients))


async def recorded_before(press: Press, key: str) -> Recorded | None:
    """The incident this form's key already recorded (by this member of staff), if any."""
    found = await press.uow.incidents.by_key(press.staff.school_id, key)
    if found is None:
        return None
    incident_id, recorded_by = found
    if recorded_by != press.staff.id:
        raise NotAvailable()
    alerts = await press.uow.incidents.queued_alerts(incident_id)
    return Recorded(incident_id, alerted=len(alerts), repeated=True)


def _choice(draft: IncidentDraft, categories: Sequence[Category]) -> AlertChoice:
    """Chosen colleagues and groups, and the categories' default groups."""
    return AlertChoice(
        staff_ids=draft.alert_staff_ids,
        group_ids=draft.alert_group_ids,
        aad_ids=draft.alert_aad_ids,
        default_group_ids={g for c in categories for g in c.default_alert_group_ids},
    )


async def _pupils(press: Press, draft: IncidentDraft) -> list[Student | None]:
    """The pupils, loaded from this school (None: not one of its pupils; a new student is not
    stored yet). Reads only: refusing is _all_found's."""
    school_id, new = press.staff.school_id, draft.new_student
    stored = [new is None or entry.linked for entry in draft.pupils]  # (else the new student)
    reads = (
        press.uow.students.by_id(school_id, entry.student_id)
        for entry, kept in zip(draft.pupils, stored, strict=True)
        if kept
    )
    found = iter(await press.uow.together(*reads))
    return [
        next(found)
        if kept or new is None
        else Student(0, school_id, "", new.first_name, new.last_name, new.year_group, "")
        for kept in stored
    ]


async def _all_found(
    press: Press, draft: IncidentDraft, students: Sequence[Student | None]
) -> list[Student]:
    """The pupils, or refused (audited) at the first that is not this school's."""
    for entry, student in zip(draft.pupils, students, strict=True):
        if student is None:
            await press.refuse("incident.record", ("student", entry.student_id))
    return [s for s in students if s is not None]


async def _provisional(press: Press, draft: IncidentDraft) -> Student:
    new = draft.new_student
    assert new is not None
    student = await press.uow.students.ensure(
        Student(
            id=0,
            school_id=press.staff.school_id,
            upn=f"{PROVISIONAL_KEY}{secrets.token_hex(6)}",
            first_name=new.first_name,
            last_name=new.last_name,
            year_group=new.year_group,
            tutor_group="",
            date_of_birth=new.date_of_birth,
            provisional=True,
        )
    )
    await press.audit(AuditAction.STUDENT_PROVISIONAL, ("student", student.id))
    return student


async def _check_rights(
    press: Press, draft: IncidentDraft, students: Sequence[Student], policy: AccessPolicy
) -> None:
    """Every pupil visible to the recorder, every category one they may add to."""
    viewer = Viewer(press.staff, await press.uow.access.excluded_students(press.staff.id))
    unknown = draft.category_ids - policy.current
    for student, entry in zip(students, draft.pupils, strict=True):
        record = Record(
            pupils=(Pupil(student.id, student.year_group, student.tutor_group),),
            categories=entry.category_ids,
        )
        denied = decide(viewer, Action.ADD_INCIDENT, record, policy, press.now)
        if unknown or denied != Decision.ALLOW:
            await press.refuse("incident.record", ("student", student.id))


async def _check_assignee(press: Press, draft: IncidentDraft, pupils: set[int]) -> None:
    """A case worker, and never one excluded from a pupil (the message does not say why)."""
    if draft.assignee_id is None:
        return
    uow = press.uow
    assignee = await uow.staff.by_id(press.staff.school_id, draft.assignee_id)
    excluded = await uow.access.excluded_students(draft.assignee_id) if assignee else set()
    works_cases = assignee is not None and assignee.active and assignee.leads_safeguarding
    if not works_cases or excluded & pupils:
        raise InvalidInput({"assignee": "Choose a colleague who works safeguarding cases."})


def _resolved(draft: IncidentDraft, students: Sequence[Student]) -> tuple[PupilEntry, ...]:
    """The draft's pupils with their stored ids (a new student's id is known only now)."""
    return tuple(
        replace(entry, student_id=student.id)
        for entry, student in zip(draft.pupils, students, strict=True)
    )
