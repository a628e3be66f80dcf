"""Pupils by name inside a press: names to pick from, never records (exclusions left out)."""

from safeguarding.incident_form import FormOptions, options_of
from safeguarding.lists import ListKind, effective
from safeguarding.search import MAX_RESULTS, StudentMatch, query_terms
from safeguarding.services.press import Press


async def students_matching(
    press: Press, text: str, limit: int = MAX_RESULTS, offset: int = 0, *, leavers: bool = False
) -> list[StudentMatch]:
    """Pupils whose names start with the typed words; never one this member is excluded from.
    Leavers only for `leavers` (the DSL team finding records): never to record against."""
    terms = query_terms(text)
    if not terms:
        return []
    found = await press.uow.students.search(
        press.staff.school_id,
        terms,
        hidden_for=press.staff.id,
        limit=limit,
        offset=offset,
        leavers=leavers,
    )
    return [StudentMatch.of(student) for student in found]


async def students_chosen(press: Press, student_ids: list[int]) -> dict[int, StudentMatch]:
    """The pupils a form has already chosen, to show them again (never an excluded one)."""
    if not student_ids:
        return {}
    uow, school_id = press.uow, press.staff.school_id
    hidden = await uow.access.excluded_students(press.staff.id)
    found = [await uow.students.by_id(school_id, i) for i in student_ids if i not in hidden]
    return {s.id: StudentMatch.of(s) for s in found if s is not None}


async def form_options(press: Press) -> FormOptions:
    """Categories this member of staff may record in, and the colleagues, groups and agencies."""
    uow, school_id = press.uow, press.staff.school_id
    return options_of(
        press.staff,
        await uow.access.policy(school_id),
        await uow.categories.list(school_id),
        [s for s in await uow.staff.list(school_id) if s.active],
        await uow.alert_groups.list(school_id),
        effective(ListKind.AGENCIES, await uow.lists.entries(school_id, ListKind.AGENCIES)),
        press.school.year_groups or await uow.students.year_groups(school_id),
    )
