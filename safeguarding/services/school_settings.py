"""The School section inside a press: the school's name, time zone, escalation minutes, year
groups and term dates (administrators), and its triage channel: which one is set, since when and
by whom, and stopping it (administrators and the DSL team; choosing one stays `triage here`,
typed in the channel)."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from safeguarding.administration import Section, change_detail, differences
from safeguarding.audit import AuditAction
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.school_settings import (
    SchoolView,
    TriageInfo,
    read_school_form,
    read_term,
    school_fields,
)
from safeguarding.services.administration import changes_since, guard
from safeguarding.services.press import Press

Answer = Done[SchoolView] | Invalid[SchoolView] | Stale[SchoolView]


async def show_school(press: Press, notice: str = "") -> Done[SchoolView]:
    """The School card, as the database has it now."""
    await guard(press, Section.SCHOOL, "admin.school")
    uow = press.uow
    school = await uow.schools.by_id(press.staff.school_id)
    assert school is not None
    chosen = await uow.triage.chosen(school.id)
    triage = None
    if chosen is not None:
        names = await uow.staff.names(school.id)
        triage = TriageInfo(names.get(chosen[0], "a former colleague"), chosen[1])
    view = SchoolView(
        school,
        tuple(await uow.schools.terms(school.id)),
        await uow.students.year_groups(school.id),
        int(press.rules.escalate_after.total_seconds() // 60),
        triage,
        press.staff.administers,
    )
    return Done(view, notice)


async def save_school(press: Press, seen: int, values: Mapping[str, Any]) -> Answer:
    """Change the school's settings if they are still at the version the card showed."""
    view = await _for_setup(press, "admin.school_save")
    typed = replace(view, values=values)
    if seen != view.school.version:
        return Stale(await changes_since(press, ("school", view.school.id), seen), typed)
    try:
        draft = read_school_form(values)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(typed, errors=invalid.errors))
    changes = differences(school_fields(view.school), draft.fields())
    if not changes:
        return Done(typed, "Nothing was changed.")
    if not await press.uow.schools.update(view.school.id, seen, draft):
        return Stale(await changes_since(press, ("school", view.school.id), seen), typed)
    record = ("school", view.school.id)
    await press.audit(AuditAction.SCHOOL_CHANGED, record, change_detail(seen + 1, changes))
    return await show_school(press, "The school's settings are saved.")


async def add_term(press: Press, values: Mapping[str, Any]) -> Answer:
    """Add a term: a name, its first and last days, overlapping no other."""
    view = await _for_setup(press, "admin.term_add")
    try:
        term = read_term(values, view.terms)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(view, values=values, errors=invalid.errors))
    term_id = await press.uow.schools.add_term(view.school.id, term)
    detail = {
        "term": term_id,
        "name": term.name,
        "starts": str(term.starts_on),
        "ends": str(term.ends_on),
    }
    await press.audit(AuditAction.TERM_ADDED, ("school", view.school.id), detail)
    return await show_school(press, f"{term.name} added.")


async def remove_term(press: Press, term_id: int) -> Answer:
    """Take a term off the school's dates (refused and audited for another school's)."""
    view = await _for_setup(press, "admin.term_remove")
    term = next((t for t in view.terms if t.id == term_id), None)
    if term is None:  # removed meanwhile, or never this school's: said, and audited
        refused = {"verb": "admin.term_remove"}
        await press.audit(AuditAction.ACCESS_REFUSED, ("term", term_id), refused)
        return Stale("That term is not on the school's dates any more.", view)
    await press.uow.schools.remove_term(view.school.id, term_id)
    detail = {"term": term_id, "name": term.name}
    await press.audit(AuditAction.TERM_REMOVED, ("school", view.school.id), detail)
    return await show_school(press, f"{term.name} removed.")


async def stop_triage(press: Press) -> Answer:
    """No more posts to the triage channel (administrators and the DSL team)."""
    view = (await show_school(press)).view
    if view.triage is None:
        return Stale("The triage channel was stopped meanwhile.", view)
    await press.uow.triage.clear_channel(view.school.id)
    await press.audit(AuditAction.TRIAGE_STOPPED, ("school", view.school.id), {"from": "admin"})
    return await show_school(press, "New concerns are no longer posted to a channel.")


async def _for_setup(press: Press, verb: str) -> SchoolView:
    """The School view for an administrator; refused and audited for anyone else."""
    view = (await show_school(press)).view
    if not view.setup:
        await press.refuse(verb)
    return view
