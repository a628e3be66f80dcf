"""The DSL team's oversight: who looked at a pupil or an incident, and withdrawing a grant.

Only the DSL and deputies may, and never for a pupil they are excluded from; each report is
itself audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from safeguarding.audit import AuditAction, AuditEvent, staff_event
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.school import Student
from safeguarding.staff import StaffMember

REPORT_LINES = 50


@dataclass(frozen=True)
class AuditLine:
    occurred_at: datetime
    actor: str
    action: str
    record_type: str | None
    record_id: int | None
    conversation_type: str


@dataclass(frozen=True)
class Oversight:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def incident_history(
        self, actor: StaffMember, incident_id: int, conversation: str
    ) -> list[AuditLine]:
        """The newest events about one incident."""
        async with self.uow_factory() as uow:
            facts = await uow.incidents.facts(actor.school_id, incident_id)
            pupils = {p.student.id for p in facts.pupils} if facts else set()
            if facts is None or not await self._may(uow, actor, pupils):
                await self._refuse(
                    uow, actor, "incident.audit", "incident", incident_id, conversation
                )
            events = await uow.audit.for_records(
                actor.school_id, [("incident", incident_id)], REPORT_LINES
            )
            lines = await self._lines(uow, actor, events)
            await self._viewed(uow, actor, "incident", incident_id, conversation)
        return lines

    async def pupil_report(
        self, actor: StaffMember, student_id: int, conversation: str
    ) -> tuple[Student, list[AuditLine]]:
        """Who looked at this pupil's record and incidents, newest first."""
        async with self.uow_factory() as uow:
            student = await uow.students.by_id(actor.school_id, student_id)
            if student is None or not await self._may(uow, actor, {student_id}):
                await self._refuse(uow, actor, "student.audit", "student", student_id, conversation)
            incidents = await self._visible(uow, actor, await uow.incidents.of_student(student_id))
            records = [("student", student_id)] + [("incident", i) for i in incidents]
            events = await uow.audit.for_records(actor.school_id, records, REPORT_LINES)
            lines = await self._lines(uow, actor, events)
            await self._viewed(uow, actor, "student", student_id, conversation)
        return student, lines

    async def withdraw_grant(
        self, actor: StaffMember, incident_id: int, staff_id: int, conversation: str
    ) -> None:
        """End the access an alert gave a colleague to one incident."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            facts = await uow.incidents.facts(actor.school_id, incident_id)
            pupils = {p.student.id for p in facts.pupils} if facts else set()
            allowed = facts is not None and await self._may(uow, actor, pupils)
            if not allowed or not await uow.incidents.withdraw_grant(
                incident_id, staff_id, actor.id, now
            ):
                await self._refuse(
                    uow, actor, "grant.withdraw", "incident", incident_id, conversation
                )
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.ACCESS_WITHDRAWN,
                    now,
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                    detail={"staff": staff_id},
                )
            )
            await uow.commit()

    async def _visible(
        self, uow: UnitOfWork, actor: StaffMember, incident_ids: Sequence[int]
    ) -> list[int]:
        """The pupil's incidents that concern no pupil this member of staff is excluded from."""
        excluded = await uow.access.excluded_students(actor.id)
        facts = await uow.incidents.facts_of(actor.school_id, incident_ids)
        return [
            i
            for i in incident_ids
            if i in facts and not excluded & {p.student.id for p in facts[i].pupils}
        ]

    async def _may(self, uow: UnitOfWork, actor: StaffMember, pupils: set[int]) -> bool:
        excluded = await uow.access.excluded_students(actor.id)
        return actor.leads_safeguarding and actor.active and not excluded & pupils

    async def _lines(
        self, uow: UnitOfWork, actor: StaffMember, events: list[AuditEvent]
    ) -> list[AuditLine]:
        names = {s.id: s.display_name for s in await uow.staff.list(actor.school_id)}
        return [
            AuditLine(
                e.occurred_at,
                names.get(e.actor_staff_id or 0, "Kestrel"),
                e.action.value,
                e.record_type,
                e.record_id,
                e.conversation_type or "",
            )
            for e in events
        ]

    async def _viewed(
        self, uow: UnitOfWork, actor: StaffMember, kind: str, record_id: int, conversation: str
    ) -> None:
        await uow.audit.append(
            staff_event(
                actor,
                AuditAction.AUDIT_VIEWED,
                self.clock.now(),
                conversation,
                record_type=kind,
                record_id=record_id,
            )
        )
        await uow.commit()

    async def _refuse(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        verb: str,
        kind: str,
        record_id: int,
        conversation: str,
    ) -> None:
        await refuse(
            uow, actor, verb, conversation, self.clock.now(), record_type=kind, record_id=record_id
        )
