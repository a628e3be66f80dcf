"""The DSL's exclusions inside a press: the list, finding a pupil, excluding, lifting.

Every answer is the list as it now is (`show_exclusions`), so the DSL sees the change at once.
"""

from dataclasses import dataclass

from safeguarding.audit import AuditAction
from safeguarding.exclusions import ActiveExclusion, excludable, may_exclude, sets_exclusions
from safeguarding.outcomes import Done
from safeguarding.search import StudentMatch
from safeguarding.services.press import Press
from safeguarding.services.search import students_matching
from safeguarding.staff import StaffMember

MISSING = "Choose a pupil, a colleague and a reason."
NO_MATCH = "No pupil matches that name."
UNREADABLE = "That exclusion could not be read."


@dataclass(frozen=True)
class ExclusionsView:
    """The exclusions in force and the form to add one, with what was typed and found."""

    active: tuple[ActiveExclusion, ...]
    query: str = ""
    matches: tuple[StudentMatch, ...] = ()
    colleagues: tuple[StaffMember, ...] = ()
    error: str = ""


async def open_exclusions(press: Press) -> Done[bool]:
    """The `exclusions` command: whether this member of staff may open the list (the DSL)."""
    return Done(sets_exclusions(press.staff))


async def show_exclusions(
    press: Press,
    notice: str = "",
    *,
    query: str = "",
    matches: tuple[StudentMatch, ...] = (),
    error: str = "",
) -> Done[ExclusionsView]:
    """The exclusions in force (DSL only; the list is a view of pupils, so it is audited)."""
    if not sets_exclusions(press.staff):
        await press.refuse("exclusion.list")
    active = tuple(await press.uow.access.active_exclusions(press.staff.school_id))
    await press.audit(AuditAction.EXCLUSIONS_VIEWED, detail={"shown": len(active)})
    colleagues = ()
    if matches:
        colleagues = excludable(press.staff, await press.uow.staff.list(press.staff.school_id))
    return Done(ExclusionsView(active, query, matches, colleagues, error), notice)


async def find_pupil_to_exclude(press: Press, query: str, error: str = "") -> Done[ExclusionsView]:
    """Pupils matching the typed name, with the colleagues to choose from (works where
    typeahead does not); the list again, saying so, when none match."""
    if not sets_exclusions(press.staff):
        await press.refuse("exclusion.list")
    matches = tuple(await students_matching(press, query, leavers=True))  # the DSL's search
    if not matches:
        return await show_exclusions(press, query=query, error=NO_MATCH)
    return await show_exclusions(press, query=query, matches=matches, error=error)


async def set_exclusion(
    press: Press, student_id: int | None, staff_id: int | None, reason: str, query: str
) -> Done[ExclusionsView]:
    """Bar the chosen colleague from the chosen pupil; only the DSL may, never themselves.
    An incomplete form comes back with the search the DSL already made."""
    if student_id is None or staff_id is None or not reason:
        if query:
            return await find_pupil_to_exclude(press, query, MISSING)
        return await show_exclusions(press, error=MISSING)
    uow, actor = press.uow, press.staff
    target = await uow.staff.by_id(actor.school_id, staff_id)
    pupil = await uow.students.by_id(actor.school_id, student_id)
    if not may_exclude(actor, target, pupil, reason):
        await press.refuse("exclusion.set", ("student", student_id))
    exclusion = await uow.access.add_exclusion(
        actor.school_id, staff_id, student_id, reason, actor.id, press.now
    )
    detail = {"exclusion": exclusion, "staff": staff_id, "reason": reason}
    await press.audit(AuditAction.EXCLUSION_SET, ("student", student_id), detail)
    return await show_exclusions(press, "The exclusion is in force.")


async def lift_exclusion(press: Press, exclusion_id: int | None) -> Done[ExclusionsView]:
    """End an exclusion (kept in the record as lifted, with who and when), audited against
    the excluded pupil, whatever the button said."""
    if exclusion_id is None:
        return await show_exclusions(press, error=UNREADABLE)
    student_id = None
    if sets_exclusions(press.staff):
        student_id = await press.uow.access.lift_exclusion(
            press.staff.school_id, exclusion_id, press.staff.id, press.now
        )
    if student_id is None:
        await press.refuse("exclusion.lift")
    detail = {"exclusion": exclusion_id}
    await press.audit(AuditAction.EXCLUSION_LIFTED, ("student", student_id), detail)
    return await show_exclusions(press, "The exclusion was lifted.")
