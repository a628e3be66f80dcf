"""Corrections, one press each: Edit, Move to another pupil and Add linked student (with their
forms). Each keeps the incident as it was and writes the next version (safeguarding/editing.py
has the rules), audited, and answers with the incident as it now is."""

from collections.abc import Mapping
from typing import Any

from safeguarding.access import Action, Decision, Pupil, Record, decide
from safeguarding.audit import AuditAction
from safeguarding.cases import CaseEvent, Change
from safeguarding.editing import (
    EditForm,
    PupilPick,
    changed_fields,
    check_link_categories,
    check_not_on_it,
    check_room_to_link,
    content_of,
    pick_matches,
    read_edit,
)
from safeguarding.errors import InvalidInput, NotAvailable
from safeguarding.incidents import IncidentFacts
from safeguarding.outcomes import Done, Invalid
from safeguarding.services.casework import Answer, acted_on, case_at, stale
from safeguarding.services.press import Press
from safeguarding.services.search import form_options, students_matching
from safeguarding.services.viewing import open_incident, viewer_and_policy

NO_PUPIL = {"student": "Choose the pupil."}


async def show_edit_form(press: Press, incident_id: int, seen: int) -> Answer:
    """Edit: the current content, to correct (showing the text is a view, audited as one)."""
    facts = await case_at(press, incident_id, seen, "incident.edit_form")
    if not isinstance(facts, IncidentFacts):
        return facts
    return Done(await edit_form(press, facts))


async def edit_incident(
    press: Press, incident_id: int, seen: int, values: Mapping[str, Any], code: str = ""
) -> Answer | Invalid[EditForm]:
    """A new version with the corrected content; the old one is kept."""
    facts = await case_at(press, incident_id, seen, "incident.edit", code)
    if not isinstance(facts, IncidentFacts):
        return facts
    uow = press.uow
    try:
        content = read_edit(values, facts, now=press.now, time_zone=press.school.time_zone)
        before = content_of(facts, await uow.incidents.text(incident_id))
        policy = await uow.access.policy(press.staff.school_id)
        fields = changed_fields(before, content, policy, press.staff)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, await edit_form(press, facts, values))
    change = Change(_event(press, facts, "edited"), content=content, detail={"fields": fields})
    if not await _apply(press, facts, change, AuditAction.INCIDENT_EDITED):
        return await stale(press, incident_id)
    return await open_incident(press, incident_id, "Saved as a new version.")


async def show_pupil_pick(
    press: Press, incident_id: int, seen: int, purpose: str, query: str
) -> Answer:
    """Find the pupil by name to move the incident to, or to link (only pupils this member of
    staff may see are offered)."""
    facts = await case_at(press, incident_id, seen, f"incident.{purpose}_form")
    if not isinstance(facts, IncidentFacts):
        return facts
    return Done(await pupil_pick(press, facts, purpose, query))


async def move_incident(
    press: Press,
    incident_id: int,
    seen: int,
    student_id: int | None,
    query: str = "",
    values: Mapping[str, Any] | None = None,
    code: str = "",
) -> Answer | Invalid[PupilPick]:
    """Recorded for the wrong pupil: the incident, with its history, moves to this one (the
    move is audited on both pupils' records too)."""
    facts = await case_at(press, incident_id, seen, "incident.move", code)
    if not isinstance(facts, IncidentFacts):
        return facts
    try:
        if student_id is None:
            raise InvalidInput(NO_PUPIL)
        await _pupil_allowed(press, student_id)
        check_not_on_it(facts, student_id)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, await pupil_pick(press, facts, "move", query, values))
    main = next(p.student.id for p in facts.pupils if not p.linked)
    detail = {"from": main, "to": student_id}
    change = Change(_event(press, facts, "moved"), moved_to=student_id, detail=detail)
    if not await _apply(press, facts, change, AuditAction.INCIDENT_MOVED):
        return await stale(press, incident_id)
    for student in (main, student_id):
        moved = {"incident": incident_id, **detail}
        await press.audit(AuditAction.INCIDENT_MOVED, ("student", student), moved)
    return await open_incident(press, incident_id, "Moved to the pupil chosen.")


async def link_pupil(
    press: Press,
    incident_id: int,
    seen: int,
    student_id: int | None,
    categories: frozenset[int] = frozenset(),
    query: str = "",
    values: Mapping[str, Any] | None = None,
    code: str = "",
) -> Answer | Invalid[PupilPick]:
    """Another pupil the incident concerns, with their own categories (never copied)."""
    facts = await case_at(press, incident_id, seen, "incident.link", code)
    if not isinstance(facts, IncidentFacts):
        return facts
    try:
        if student_id is None:
            raise InvalidInput(NO_PUPIL)
        check_room_to_link(facts)
        await _pupil_allowed(press, student_id)
        check_not_on_it(facts, student_id)
        policy = await press.uow.access.policy(press.staff.school_id)
        check_link_categories(policy, press.staff, categories)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, await pupil_pick(press, facts, "link", query, values))
    change = Change(
        _event(press, facts, "linked"),
        linked=(student_id, categories),
        detail={"student": student_id, "categories": sorted(categories)},
    )
    if not await _apply(press, facts, change, AuditAction.INCIDENT_LINKED):
        return await stale(press, incident_id)
    return await open_incident(press, incident_id, "Pupil linked.")


async def edit_form(
    press: Press, facts: IncidentFacts, values: Mapping[str, Any] | None = None
) -> EditForm:
    """The Edit form's content: the text (a view of the incident, audited as one) and options."""
    text = await press.uow.incidents.text(facts.id)
    await press.audit(AuditAction.INCIDENT_VIEWED, ("incident", facts.id), {"for": "edit"})
    options = await form_options(press)
    return EditForm(
        facts, text, options.categories, options.agencies, press.hide_names, dict(values or {})
    )


async def pupil_pick(
    press: Press,
    facts: IncidentFacts,
    purpose: str,
    query: str,
    values: Mapping[str, Any] | None = None,
) -> PupilPick:
    """The pupils found by name (none already on it) and the categories a link may give."""
    found = await students_matching(press, query) if query else []
    options = await form_options(press)
    return PupilPick(
        facts,
        purpose,
        query,
        pick_matches(facts, found),
        options.categories,
        press.hide_names,
        dict(values or {}),
    )


async def _pupil_allowed(press: Press, student_id: int) -> None:
    """A pupil of this school the editor may see; refused (audited, NotAvailable) otherwise."""
    uow, now = press.uow, press.now
    student = await uow.students.by_id(press.staff.school_id, student_id)
    if student is not None:
        viewer, policy = await viewer_and_policy(uow, press.staff, now)
        record = Record(pupils=(Pupil(student.id, student.year_group, student.tutor_group),))
        if decide(viewer, Action.VIEW_STUDENT, record, policy, now) == Decision.ALLOW:
            return
    refused = {"verb": "incident.pupil"}
    await press.audit(AuditAction.ACCESS_REFUSED, ("student", student_id), refused)
    raise NotAvailable()


def _event(press: Press, facts: IncidentFacts, kind: str) -> CaseEvent:
    return CaseEvent(facts.id, facts.version + 1, kind, press.staff.id, press.now)


async def _apply(press: Press, facts: IncidentFacts, change: Change, action: AuditAction) -> bool:
    """The change on the version the card showed (False when a race was lost: nothing
    written); the storage keeps the incident as it was first."""
    if not await press.uow.cases.apply_change(change):
        return False
    await acted_on(press, facts.id)
    detail = {"version": change.event.version, **change.detail}
    await press.audit(action, ("incident", facts.id), detail)
    return True
