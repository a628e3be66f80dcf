"""Recording a concern: the Add Incident use case and what its form offers.

One transaction checks the rights on every pupil and category, stores the incident, grants
access to alerted colleagues who could not otherwise see it (only once the recorder has been
shown who they are), queues the alerts in the outbox and writes the audit events.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import NoReturn

from safeguarding.access import AccessPolicy, Action, Decision, Pupil, Record, Viewer, decide
from safeguarding.attachments import ATTACH_WINDOW
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import ConfirmGrants, Conflict, InvalidInput, NotAvailable
from safeguarding.incidents import IncidentDraft, NewIncident, PupilEntry, QueuedAlert, reference
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.recipients import alert_recipients
from safeguarding.refusals import refuse
from safeguarding.school import Category, Student
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class Recorded:
    incident_id: int
    alerted: int
    repeated: bool = False  # the same form sent again: the first incident, not a second one

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class Recording:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    escalate_after: timedelta = timedelta(minutes=15)  # urgent concerns nobody has read

    async def record(
        self, actor: StaffMember, draft: IncidentDraft, conversation_type: str
    ) -> Recorded:
        """Store the incident once (the form's key makes a second send return the first)."""
        try:
            return await self._record(actor, draft, conversation_type)
        except Conflict:  # the same key committed meanwhile by a parallel retry
            async with self.uow_factory() as uow:
                found = await self._repeat(uow, actor, draft)
            if found is None:
                raise
            return found

    async def _record(
        self, actor: StaffMember, draft: IncidentDraft, conversation_type: str
    ) -> Recorded:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            repeated = await self._repeat(uow, actor, draft)
            if repeated is not None:
                return repeated
            policy = await uow.access.policy(actor.school_id)
            students = await self._pupils(uow, actor, draft, conversation_type)
            await self._check_rights(uow, actor, draft, students, policy, conversation_type)
            await self._check_assignee(uow, actor, draft, {s.id for s in students})
            chosen = [
                c for c in await uow.categories.list(actor.school_id) if c.id in draft.category_ids
            ]
            recipients = await self._recipients(uow, actor, draft, students, chosen)
            record = Record(
                pupils=tuple(Pupil(s.id, s.year_group, s.tutor_group) for s in students),
                categories=draft.category_ids,
            )
            grantees = self._grantees(recipients, record, policy)
            _confirm(draft, grantees)
            if draft.new_student is not None:  # only now that nothing can refuse the record
                students[0] = await self._provisional(uow, actor, draft, conversation_type)
            pupils = _resolved(draft, students)
            urgent = any(c.urgent for c in chosen)
            escalate_at = now + self.escalate_after if urgent and recipients else None
            incident_id = await uow.incidents.add(
                NewIncident(actor.school_id, actor.id, now, draft, pupils, escalate_at)
            )
            for staff in grantees:
                await uow.incidents.grant(incident_id, staff.id, actor.id, now)
            # Files the recorder sends in the next minutes go on this incident.
            await uow.attachments.open_window(actor.id, incident_id, now + ATTACH_WINDOW)
            for staff, why in recipients.values():
                await uow.incidents.queue_alert(
                    QueuedAlert(actor.school_id, incident_id, staff.id, actor.id, why, now)
                )
            await self._audit_recorded(
                uow, actor, incident_id, pupils, recipients, grantees, conversation_type
            )
            await uow.commit()
        return Recorded(incident_id, alerted=len(recipients))

    async def _repeat(
        self, uow: UnitOfWork, actor: StaffMember, draft: IncidentDraft
    ) -> Recorded | None:
        found = await uow.incidents.by_key(actor.school_id, draft.key)
        if found is None:
            return None
        incident_id, recorded_by = found
        if recorded_by != actor.id:
            raise NotAvailable()
        alerts = await uow.incidents.queued_alerts(incident_id)
        return Recorded(incident_id, alerted=len(alerts), repeated=True)

    async def _pupils(
        self, uow: UnitOfWork, actor: StaffMember, draft: IncidentDraft, conversation: str
    ) -> list[Student]:
        """The pupils, loaded from this school (a new student is not stored yet)."""
        students = []
        for entry in draft.pupils:
            new = draft.new_student
            if new is not None and not entry.linked:  # stored once every check has passed
                students.append(
                    Student(
                        0, actor.school_id, "", new.first_name, new.last_name, new.year_group, ""
                    )
                )
                continue
            student = await uow.students.by_id(actor.school_id, entry.student_id)
            if student is None:
                await self._refuse(uow, actor, entry.student_id, conversation)
            students.append(student)
        return students

    async def _provisional(
        self, uow: UnitOfWork, actor: StaffMember, draft: IncidentDraft, conversation: str
    ) -> Student:
        new = draft.new_student
        assert new is not None
        student = await uow.students.ensure(
            Student(
                id=0,
                school_id=actor.school_id,
                upn=f"PROV-{secrets.token_hex(6)}",
                first_name=new.first_name,
                last_name=new.last_name,
                year_group=new.year_group,
                tutor_group="",
                provisional=True,
            )
        )
        await uow.audit.append(
            staff_event(
                actor,
                AuditAction.STUDENT_PROVISIONAL,
                self.clock.now(),
                conversation,
                record_type="student",
                record_id=student.id,
            )
        )
        return student

    async def _check_rights(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        draft: IncidentDraft,
        students: Sequence[Student],
        policy: AccessPolicy,
        conversation: str,
    ) -> None:
        """Every pupil visible to the recorder, every category one they may add to."""
        viewer = Viewer(actor, await uow.access.excluded_students(actor.id))
        unknown = draft.category_ids - policy.categories
        for student, entry in zip(students, draft.pupils, strict=True):
            record = Record(
                pupils=(Pupil(student.id, student.year_group, student.tutor_group),),
                categories=entry.category_ids,
            )
            denied = decide(viewer, Action.ADD_INCIDENT, record, policy, self.clock.now())
            if unknown or denied != Decision.ALLOW:
                await self._refuse(uow, actor, student.id, conversation)

    async def _check_assignee(
        self, uow: UnitOfWork, actor: StaffMember, draft: IncidentDraft, pupils: set[int]
    ) -> None:
        """A case worker, and never one excluded from a pupil (the message does not say why)."""
        if draft.assignee_id is None:
            return
        assignee = await uow.staff.by_id(actor.school_id, draft.assignee_id)
        excluded = await uow.access.excluded_students(draft.assignee_id) if assignee else set()
        if (
            assignee is None
            or not assignee.active
            or not assignee.leads_safeguarding
            or excluded & pupils
        ):
            raise InvalidInput({"assignee": "Choose a colleague who works safeguarding cases."})

    async def _recipients(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        draft: IncidentDraft,
        students: Sequence[Student],
        categories: Sequence[Category],
    ) -> dict[int, tuple[StaffMember, str]]:
        """Who is alerted: chosen colleagues and groups, and the categories' default groups."""
        return await alert_recipients(
            uow,
            actor,
            staff_ids=draft.alert_staff_ids,
            aad_ids=draft.alert_aad_ids,
            group_ids=draft.alert_group_ids,
            default_group_ids={g for c in categories for g in c.default_alert_group_ids},
            pupil_ids={s.id for s in students},
        )

    def _grantees(
        self, recipients: dict[int, tuple[StaffMember, str]], record: Record, policy: AccessPolicy
    ) -> list[StaffMember]:
        """Recipients who could not see the incident without the alert's grant."""
        now = self.clock.now()
        return sorted(
            (
                staff
                for staff, _ in recipients.values()
                if decide(Viewer(staff), Action.VIEW_INCIDENT, record, policy, now) == Decision.DENY
            ),
            key=lambda s: s.display_name,
        )

    async def _audit_recorded(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        incident_id: int,
        pupils: Sequence[PupilEntry],
        recipients: dict[int, tuple[StaffMember, str]],
        grantees: Sequence[StaffMember],
        conversation: str,
    ) -> None:
        now = self.clock.now()
        detail = {
            "students": [p.student_id for p in pupils],
            "categories": sorted({c for p in pupils for c in p.category_ids}),
            "alerted": sorted(recipients),
        }
        events = [(AuditAction.INCIDENT_RECORDED, detail)]
        events += [(AuditAction.ACCESS_GRANTED, {"staff": s.id}) for s in grantees]
        for action, data in events:
            await uow.audit.append(
                staff_event(
                    actor,
                    action,
                    now,
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                    detail=data,
                )
            )

    async def _refuse(
        self, uow: UnitOfWork, actor: StaffMember, student_id: int, conversation: str
    ) -> NoReturn:
        now = self.clock.now()
        await refuse(
            uow,
            actor,
            "incident.record",
            conversation,
            now,
            record_type="student",
            record_id=student_id,
        )


def _resolved(draft: IncidentDraft, students: Sequence[Student]) -> tuple[PupilEntry, ...]:
    """The draft's pupils with their stored ids (a new student's id is known only now)."""
    return tuple(
        replace(entry, student_id=student.id)
        for entry, student in zip(draft.pupils, students, strict=True)
    )


def grants_token(grantees: Sequence[StaffMember]) -> str:
    """What the form sends back once the recorder has seen who would gain access."""
    return ",".join(str(s.id) for s in sorted(grantees, key=lambda s: s.id))


def _confirm(draft: IncidentDraft, grantees: Sequence[StaffMember]) -> None:
    token = grants_token(grantees)
    if grantees and draft.confirm != token:
        raise ConfirmGrants([s.display_name for s in grantees], token)
