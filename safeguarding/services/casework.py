"""Working a case, one press each: Assign to me, Assign…, Change status and History.

Every change is decided on the version the card showed, applied as a conditional update (a
race loses plainly), audited, and answered with the incident as it now is, in the same press.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from safeguarding.access import Action
from safeguarding.audit import AuditAction
from safeguarding.cases import CaseEvent
from safeguarding.casework import (
    AssignForm,
    History,
    StatusForm,
    Unchanged,
    assignee_name,
    event_audit,
    next_assignment,
    next_status,
    read_status_change,
    what_happened,
)
from safeguarding.casework import case_workers as workers_of
from safeguarding.errors import InvalidInput
from safeguarding.incidents import IncidentFacts, QueuedAlert
from safeguarding.lists import ListKind
from safeguarding.outcomes import Done, Invalid, NeedsCode, Stale
from safeguarding.services.alerts import read_by_acting
from safeguarding.services.elevation import check_code
from safeguarding.services.lists import school_list
from safeguarding.services.press import Press
from safeguarding.services.viewing import WRONG_CODE, allowed, open_incident
from safeguarding.staff import StaffMember

# What a casework press answers with besides its form: the incident (changed, or as it is now
# for a stale card), or the code prompt.
Answer = Done[Any] | Stale[Any] | NeedsCode


async def assign_case(
    press: Press,
    incident_id: int,
    seen: int,
    chosen: int | None,
    to_me: bool = False,
    code: str = "",
) -> Answer | Invalid[AssignForm]:
    """Assign to me, or to the colleague chosen on Assign…; a new assignee is alerted."""
    facts = await case_at(press, incident_id, seen, "case.assign", code)
    if not isinstance(facts, IncidentFacts):
        return facts
    workers = await case_workers(press, facts)
    me = press.staff.id
    try:
        event = next_assignment(facts, me, me if to_me else chosen, workers, press.now)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, AssignForm(facts, tuple(workers)))
    if isinstance(event, Unchanged):
        return await open_incident(press, incident_id, event.notice)
    if not await apply_event(press, facts, event):
        return await stale(press, incident_id)
    assert event.assignee_id is not None
    if event.assignee_id != me:
        await press.uow.incidents.queue_alert(
            QueuedAlert(facts.school_id, incident_id, event.assignee_id, me, "assigned", press.now)
        )
    who = assignee_name(me, event.assignee_id, workers)
    return await open_incident(press, incident_id, f"Assigned to {who}.")


async def show_assign_form(press: Press, incident_id: int, seen: int) -> Answer:
    """Assign…: the colleagues this case may go to."""
    facts = await case_at(press, incident_id, seen, "case.assign_form")
    if not isinstance(facts, IncidentFacts):
        return facts
    return Done(AssignForm(facts, tuple(await case_workers(press, facts))))


async def show_status_form(press: Press, incident_id: int, seen: int) -> Answer:
    """Change status: where the case may go from here."""
    facts = await case_at(press, incident_id, seen, "case.status_form")
    if not isinstance(facts, IncidentFacts):
        return facts
    return Done(StatusForm(facts, outcomes=await school_list(press, ListKind.OUTCOMES)))


async def change_status(
    press: Press, incident_id: int, seen: int, values: Mapping[str, Any], code: str = ""
) -> Answer | Invalid[StatusForm]:
    """Move the case on (Open -> Active -> Closed, Closed -> Active); closing needs an outcome
    and the reason for the decision, which are part of the record. A stale card is told what
    happened first, whatever its form holds."""
    facts = await case_at(press, incident_id, seen, "case.status", code)
    if not isinstance(facts, IncidentFacts):
        return facts
    outcomes = await school_list(press, ListKind.OUTCOMES)
    try:
        change = read_status_change(values, facts.status, outcomes)
        event = next_status(facts, change, press.staff.id, press.now)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, StatusForm(facts, values, outcomes))
    if not await apply_event(press, facts, event, outcomes):
        return await stale(press, incident_id)
    return await open_incident(press, incident_id, f"Status changed to {change.status.value}.")


async def case_history(press: Press, incident_id: int) -> Done[History]:
    """The case's changes, oldest first, the versions kept, staff names and the pupils they
    name (for those who may work it; never a pupil the viewer is excluded from); audited."""
    uow, school_id = press.uow, press.staff.school_id
    facts = await allowed(press, incident_id, Action.WORK_CASE, "case.history")
    events = list(await uow.cases.events(incident_id))
    named = {p.student.id for p in facts.pupils}
    for event in events:
        named |= {event.detail.get(k) for k in ("from", "to", "student")} - {None}
    excluded = await uow.access.excluded_students(press.staff.id)
    pupils = {}
    for student_id in sorted(named - excluded):  # an excluded pupil stays unnamed
        student = await uow.students.by_id(school_id, student_id)
        if student is not None:
            pupils[student_id] = student
    versions = [  # nothing of a version that was about a pupil they are excluded from
        v for v in await uow.cases.versions(incident_id) if not set(v.content.categories) & excluded
    ]
    await press.audit(AuditAction.CASE_HISTORY_VIEWED, ("incident", incident_id))
    names = await staff_names(press)
    return Done(History(facts, events, names, versions, pupils, press.hide_names))


async def case_at(
    press: Press, incident_id: int, seen: int, verb: str, code: str = ""
) -> IncidentFacts | Stale[Any] | NeedsCode:
    """The case at the version the card showed, for someone who may work it (refused and
    audited otherwise); a code typed on the prompt is checked first; a stale card gets the
    incident as it is now, with what happened first."""
    if code and not await check_code(press, code):
        return NeedsCode(incident_id, enrolled=True, error=WRONG_CODE)
    facts = await allowed(press, incident_id, Action.WORK_CASE, verb)
    if facts.version != seen:
        return await stale(press, incident_id)
    return facts


async def stale(press: Press, incident_id: int) -> Stale[Any]:
    """What changed the case first, and the incident as it is now."""
    facts = await press.uow.incidents.facts(press.staff.school_id, incident_id)
    assert facts is not None  # incidents are never deleted
    last = await press.uow.cases.last_event(incident_id)
    what = what_happened(facts, last, await staff_names(press))
    return Stale(what, (await open_incident(press, incident_id)).view)


async def apply_event(
    press: Press, facts: IncidentFacts, event: CaseEvent, outcomes: Sequence[str] = ()
) -> bool:
    """The conditional update, its audit event, and the case's alerts refreshed and (the
    actor's own) read; False when a concurrent change committed first (nothing written)."""
    if not await press.uow.cases.apply(event):
        return False
    await acted_on(press, facts.id)
    action, detail = event_audit(facts, event, outcomes)
    await press.audit(action, ("incident", facts.id), detail)
    return True


async def acted_on(press: Press, incident_id: int) -> None:
    """After a change: the case's alert messages are refreshed, the actor's own alerts read."""
    # Refreshed for everyone else; the actor may be working in their own alert's card (a
    # refresh would replace it under them: Add action lost, seen in the Playground's UI).
    await press.uow.cases.mark_alerts_stale(incident_id, except_staff=press.staff.id)
    await press.uow.triage.mark_stale(incident_id)  # its post in the triage channel, if any
    await read_by_acting(press, incident_id)


async def case_workers(press: Press, facts: IncidentFacts) -> list[StaffMember]:
    """Colleagues this case may be assigned to: the DSL team, none excluded from a pupil."""
    uow = press.uow
    staff = [s for s in await uow.staff.list(facts.school_id) if s.active and s.leads_safeguarding]
    excluded = {s.id: await uow.access.excluded_students(s.id) for s in staff}
    policy = await uow.access.policy(facts.school_id)
    return workers_of(staff, excluded, facts.record(), policy, press.now)


async def staff_names(press: Press) -> dict[int, str]:
    """Every colleague's name by id (a former colleague keeps theirs in the history)."""
    return await press.uow.staff.names(press.staff.school_id)
