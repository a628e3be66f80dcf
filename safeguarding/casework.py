"""Working a case: assigning it and moving its status, one version at a time.

Every button carries the incident version its card showed. A change applies only to that
version (a conditional update), so when two people act at once one wins and the other is told
what happened ("Already assigned to Tom Okafor by Priya Raman at 10:42"), never overwritten.
Each change is a case event (the history), an audit event, alerts for a new assignee, and a
mark on the case's alert messages so the sender refreshes them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from safeguarding.access import Action, Decision, Viewer, decide
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import InvalidInput, StaleCase
from safeguarding.incidents import IncidentFacts, QueuedAlert, Status
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import Student
from safeguarding.services.alerts import read_by_acting
from safeguarding.services.viewing import allowed_incident
from safeguarding.staff import StaffMember

if TYPE_CHECKING:
    from safeguarding.editing import IncidentVersion

OUTCOMES = (
    "No further action",
    "Advice and monitoring in school",
    "Early help",
    "Referred to children's social care",
    "Referred to the police",
    "Referred to the LADO",
    "Other (see the reason)",
)
MAX_REASON = 4000

# Where a case may go from each status: never back to Open; Closed reopens as Active.
MOVES = {
    Status.OPEN: (Status.ACTIVE, Status.CLOSED),
    Status.ACTIVE: (Status.CLOSED,),
    Status.CLOSED: (Status.ACTIVE,),
}


@dataclass(frozen=True)
class CaseEvent:
    """One change to a case: who, when, and what it became (the reason only when decrypted)."""

    incident_id: int
    version: int
    kind: str  # assigned, status
    actor_id: int
    at: datetime
    assignee_id: int | None = None
    status: Status | None = None
    outcome: str | None = None
    reason: str = ""
    detail: dict = field(default_factory=dict)  # edited: fields; moved/linked: pupil ids


@dataclass(frozen=True)
class History:
    facts: IncidentFacts
    events: list[CaseEvent]
    staff_names: dict[int, str]
    versions: list["IncidentVersion"]
    pupils: dict[int, Student]




@dataclass(frozen=True)
class StatusChange:
    status: Status
    outcome: str | None = None
    reason: str = ""


def read_status_change(values: dict, current: Status) -> StatusChange:
    """The Change status form: the new status, and an outcome and reason to close or reopen."""
    errors: dict[str, str] = {}
    raw = str(values.get("status") or "")
    status = Status(raw) if raw in {s.value for s in Status} else None
    if status is None or status not in MOVES[current]:
        allowed = " or ".join(s.value for s in MOVES[current])
        errors["status"] = f"Choose {allowed}."
    outcome = str(values.get("outcome") or "").strip() or None
    reason = str(values.get("reason") or "").strip()
    if status == Status.CLOSED and outcome not in OUTCOMES:
        errors["outcome"] = "Choose the outcome."
    if status is not None and status != Status.CLOSED and outcome:
        errors["outcome"] = "An outcome closes the case: choose Closed, or leave the outcome empty."
    if (status == Status.CLOSED or current == Status.CLOSED) and not reason:
        errors["reason"] = "Give the reason for this decision."  # closing, or reopening
    if len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON} characters."
    if errors:
        raise InvalidInput(errors)
    assert status is not None
    return StatusChange(status, outcome if status == Status.CLOSED else None, reason)


@dataclass(frozen=True)
class Casework:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def case_workers(self, actor: StaffMember, incident_id: int) -> list[StaffMember]:
        """Colleagues this case may be assigned to: the DSL team, none excluded from a pupil."""
        async with self.uow_factory() as uow:
            facts = await self.workable(uow, actor, incident_id, "case.assign")
            return await self._workers(uow, facts)

    async def assign(
        self,
        actor: StaffMember,
        incident_id: int,
        assignee_id: int,
        seen: int,
        conversation: str,
    ) -> IncidentFacts:
        """Assign the case (to the actor or a colleague); the new assignee is alerted."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            facts = await self.workable(uow, actor, incident_id, "case.assign", conversation)
            await self._current(uow, actor, facts, seen)
            workers = {s.id: s for s in await self._workers(uow, facts)}
            if assignee_id not in workers:
                raise InvalidInput({"assignee": "Choose a colleague who works safeguarding cases."})
            event = CaseEvent(incident_id, seen + 1, "assigned", actor.id, now, assignee_id)
            await self._apply(uow, actor, facts, event, conversation)
            if assignee_id != actor.id:
                alert = QueuedAlert(
                    facts.school_id, incident_id, assignee_id, actor.id, "assigned", now
                )
                await uow.incidents.queue_alert(alert)
            await uow.commit()
            return await uow.incidents.facts(actor.school_id, incident_id) or facts

    async def change_status(
        self,
        actor: StaffMember,
        incident_id: int,
        change: StatusChange,
        seen: int,
        conversation: str,
    ) -> IncidentFacts:
        """Move the case on (Open -> Active -> Closed, Closed -> Active); closing needs an
        outcome and the reason for the decision, which are part of the record."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            facts = await self.workable(uow, actor, incident_id, "case.status", conversation)
            await self._current(uow, actor, facts, seen)
            if change.status not in MOVES[facts.status]:
                raise InvalidInput({"status": f"The case is {facts.status.value} now."})
            event = CaseEvent(
                incident_id,
                seen + 1,
                "status",
                actor.id,
                now,
                status=change.status,
                outcome=change.outcome,
                reason=change.reason,
            )
            await self._apply(uow, actor, facts, event, conversation)
            await uow.commit()
            return await uow.incidents.facts(actor.school_id, incident_id) or facts

    async def facts_for_work(
        self, actor: StaffMember, incident_id: int, conversation: str
    ) -> IncidentFacts:
        """The case, for someone who may work it (refused and audited otherwise)."""
        async with self.uow_factory() as uow:
            return await self.workable(uow, actor, incident_id, "case.work", conversation)

    async def what_changed(self, actor: StaffMember, incident_id: int) -> str:
        """The newest change to a case the actor may work, as a sentence."""
        async with self.uow_factory() as uow:
            facts = await self.workable(uow, actor, incident_id, "case.work")
            return await self.what_happened(uow, facts)

    async def history(self, actor: StaffMember, incident_id: int, conversation: str) -> History:
        """The case's changes, oldest first, the versions kept, staff names and the pupils
        they name (for those who may work it); viewing the history is audited."""
        async with self.uow_factory() as uow:
            facts = await self.workable(uow, actor, incident_id, "case.history", conversation)
            events = list(await uow.cases.events(incident_id))
            names = {s.id: s.display_name for s in await uow.staff.list(actor.school_id)}
            named = {p.student.id for p in facts.pupils}
            for event in events:
                named |= {event.detail.get(k) for k in ("from", "to", "student")} - {None}
            excluded = await uow.access.excluded_students(actor.id)
            pupils = {}
            for student_id in sorted(named - excluded):  # an excluded pupil stays unnamed
                student = await uow.students.by_id(actor.school_id, student_id)
                if student is not None:
                    pupils[student_id] = student
            versions = [  # nothing of a version that was about a pupil they are excluded from
                v
                for v in await uow.cases.versions(incident_id)
                if not set(v.content.categories) & excluded
            ]
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.CASE_HISTORY_VIEWED,
                    self.clock.now(),
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                )
            )
            await uow.commit()
        return History(facts, events, names, versions, pupils)

    async def workable(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        incident_id: int,
        verb: str,
        conversation: str = "personal",
    ) -> IncidentFacts:
        """The incident, for someone who may work the case (refused and audited otherwise)."""
        return await allowed_incident(
            uow,
            actor,
            incident_id,
            Action.WORK_CASE,
            verb=verb,
            conversation=conversation,
            now=self.clock.now(),
        )

    async def _current(
        self, uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, seen: int
    ) -> None:
        if facts.version != seen:
            raise StaleCase(await self.what_happened(uow, facts))

    async def _apply(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        facts: IncidentFacts,
        event: CaseEvent,
        conversation: str,
    ) -> None:
        """The conditional update; a concurrent change that committed first wins."""
        if not await uow.cases.apply(event):
            fresh = await uow.incidents.facts(actor.school_id, facts.id) or facts
            raise StaleCase(await self.what_happened(uow, fresh))
        await uow.cases.mark_alerts_stale(facts.id)
        await read_by_acting(uow, actor, facts.id, event.at, conversation)
        detail: dict[str, object] = {"version": event.version}
        if event.kind == "assigned":
            action, detail["assignee"] = AuditAction.CASE_ASSIGNED, event.assignee_id
        else:
            action = AuditAction.CASE_STATUS_CHANGED
            detail |= {"from": facts.status.value, "to": event.status and event.status.value}
            if event.outcome:
                detail["outcome"] = OUTCOMES.index(event.outcome)
        await uow.audit.append(
            staff_event(
                actor,
                action,
                event.at,
                conversation,
                record_type="incident",
                record_id=facts.id,
                detail=detail,
            )
        )

    async def _workers(self, uow: UnitOfWork, facts: IncidentFacts) -> list[StaffMember]:
        """The DSL team who could work this case: never one excluded from a pupil, or one whose
        year groups or category rights would keep them out of it."""
        policy, now, record = (
            await uow.access.policy(facts.school_id),
            self.clock.now(),
            facts.record(),
        )
        workers = []
        for staff in await uow.staff.list(facts.school_id):
            if not (staff.active and staff.leads_safeguarding):
                continue
            viewer = Viewer(staff, await uow.access.excluded_students(staff.id), elevated=True)
            if decide(viewer, Action.WORK_CASE, record, policy, now) == Decision.ALLOW:
                workers.append(staff)
        return sorted(workers, key=lambda s: s.display_name)

    async def what_happened(self, uow: UnitOfWork, facts: IncidentFacts) -> str:
        """The newest change, as a sentence for the colleague whose card was out of date."""
        last = await uow.cases.last_event(facts.id)
        if last is None:
            return "The case changed since this card was shown."
        names = {s.id: s.display_name for s in await uow.staff.list(facts.school_id)}
        who = names.get(last.actor_id, "a former colleague")
        at = last.at.astimezone(ZoneInfo(facts.time_zone)).strftime("%H:%M on %-d %b")
        if last.kind == "assigned":
            to = names.get(last.assignee_id or 0, "a former colleague")
            return f"Already assigned to {to} by {who} at {at}."
        if last.kind in ("edited", "moved", "linked"):
            return f"Already {last.kind} by {who} at {at}: this is the incident as it is now."
        status = last.status.value if last.status else facts.status.value
        return f"Already marked {status} by {who} at {at}."
