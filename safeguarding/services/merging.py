"""Merging pupils added by hand into the roster's, one press each: the list waiting, the merge
card (suggestions, a search, the one chosen), and the merge itself, audited on both records."""

from safeguarding.audit import AuditAction
from safeguarding.cases import CaseEvent, Change
from safeguarding.errors import Conflict
from safeguarding.merging import (
    CHOOSE,
    NO_MATCH,
    NOT_ON_ROSTER,
    Merged,
    MergeView,
    ProvisionalPupils,
    awaiting_merge,
    may_merge,
    on_roster,
    suggestions,
)
from safeguarding.outcomes import Done, Invalid
from safeguarding.school import Student
from safeguarding.search import MAX_RESULTS, query_terms
from safeguarding.services.press import Press

MAX_QUERY = 100
CANDIDATES = 50  # namesakes looked at for suggestions


async def show_provisional(press: Press) -> Done[ProvisionalPupils]:
    """Pupils added by hand that wait to be merged (student.provisional): the DSL team and
    administrators; the list names pupils, so it is audited."""
    if not may_merge(press.staff):
        await press.refuse("student.provisional")
    hidden = await press.uow.access.excluded_students(press.staff.id)
    pupils = [
        s for s in await press.uow.students.provisional(press.staff.school_id) if s.id not in hidden
    ]
    shown = {"students": [s.id for s in pupils]}
    await press.audit(AuditAction.PROVISIONAL_VIEWED, detail=shown)
    return Done(ProvisionalPupils(tuple(pupils)))


async def show_merge(
    press: Press, provisional_id: int, query: str = "", into_id: int | None = None, error: str = ""
) -> Done[MergeView]:
    """The merge card (student.merge_form): suggestions (same name and date of birth), the
    roster's pupils found by name, and the one chosen, to confirm; audited as a view."""
    provisional = await _provisional(press, provisional_id, "student.merge_form")
    query = query.strip()[:MAX_QUERY]
    found = await _roster_pupils(press, query) if query else ()
    chosen = await _roster_pupil(press, into_id) if into_id is not None else None
    if query and not found and not error:
        error = NO_MATCH
    if into_id is not None and chosen is None:
        error = NOT_ON_ROSTER
    first, last = provisional.first_name, provisional.last_name
    suggested = suggestions(provisional, await _roster_pupils(press, f"{first} {last}", CANDIDATES))
    incidents = len(await press.uow.incidents.of_student(provisional_id))
    shown = sorted({s.id for s in (*suggested, *found, *([chosen] if chosen else []))})
    await press.audit(AuditAction.MERGE_VIEWED, ("student", provisional_id), {"shown": shown})
    return Done(MergeView(provisional, incidents, suggested, query, found, chosen, error))


async def merge_pupil(
    press: Press, provisional_id: int, into_id: int | None
) -> Done[Merged] | Invalid[Done[MergeView]]:
    """Merge (student.merge): every incident the provisional pupil is on moves to the roster's
    pupil as a new version of it, their exclusions move, and both records' audit says so."""
    provisional = await _provisional(press, provisional_id, "student.merge")
    into = await _roster_pupil(press, into_id) if into_id is not None else None
    if into is None:
        error = CHOOSE if into_id is None else NOT_ON_ROSTER
        return Invalid({"into": error}, await show_merge(press, provisional_id, error=error))
    incidents = await _move_incidents(press, provisional, into)
    await press.uow.students.merge(provisional.id, into.id)
    detail = {"from": provisional.id, "into": into.id, "incidents": incidents}
    for student_id in (provisional.id, into.id):
        await press.audit(AuditAction.STUDENT_MERGED, ("student", student_id), detail)
    merged = Merged(provisional, into, len(incidents), press.staff.leads_safeguarding)
    return Done(merged, "Merged.")


async def _move_incidents(press: Press, provisional: Student, into: Student) -> list[int]:
    """Each incident, at its next version (kept as it was before), now about `into`."""
    uow, school_id = press.uow, press.staff.school_id
    ids = list(await uow.incidents.of_student(provisional.id))
    facts = await uow.incidents.facts_of(school_id, ids)
    detail = {"from": provisional.id, "to": into.id, "merged": True}
    for incident_id in ids:
        version = facts[incident_id].version + 1
        event = CaseEvent(incident_id, version, "moved", press.staff.id, press.now)
        change = Change(event, merged=(provisional.id, into.id), detail=detail)
        if not await uow.cases.apply_change(change):
            raise Conflict()  # a colleague changed it meanwhile: the whole merge is undone
        await uow.cases.mark_alerts_stale(incident_id, except_staff=press.staff.id)
        moved = {"version": version, **detail}
        await press.audit(AuditAction.INCIDENT_MOVED, ("incident", incident_id), moved)
    return ids


async def _provisional(press: Press, student_id: int, verb: str) -> Student:
    """The pupil added by hand, for someone who may merge (refused and audited otherwise)."""
    student = await press.uow.students.by_id(press.staff.school_id, student_id)
    hidden = await press.uow.access.excluded_students(press.staff.id)
    if not may_merge(press.staff) or not awaiting_merge(student) or student_id in hidden:
        await press.refuse(verb, ("student", student_id))
    return student


async def _roster_pupil(press: Press, student_id: int) -> Student | None:
    """A roster pupil of this school (leavers too) the merger is not excluded from."""
    student = await press.uow.students.by_id(press.staff.school_id, student_id)
    hidden = await press.uow.access.excluded_students(press.staff.id)
    return student if on_roster(student) and student_id not in hidden else None


async def _roster_pupils(press: Press, text: str, limit: int = MAX_RESULTS) -> tuple[Student, ...]:
    """Roster pupils (leavers too) whose names start with the words typed."""
    terms = query_terms(text)
    if not terms:
        return ()
    found = await press.uow.students.search(
        press.staff.school_id, terms, hidden_for=press.staff.id, limit=limit, leavers=True
    )
    return tuple(s for s in found if on_roster(s))
