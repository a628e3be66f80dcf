"""The Staff section inside a press: every colleague with their role, whether they are active and
their scope; one colleague's form; saving role and active, or their year and tutor groups, on
the version their card showed (administrators, and the DSL team)."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from safeguarding.access import Scope
from safeguarding.administration import Section, change_detail, differences
from safeguarding.audit import AuditAction
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.ports import UnitOfWork
from safeguarding.services.administration import changes_since, guard, one_of
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember
from safeguarding.staffing import StaffView, read_scope_form, read_staff_form

Answer = Done[StaffView] | Invalid[StaffView] | Stale[StaffView]


async def show_staff(press: Press, notice: str = "") -> Done[StaffView]:
    """The staff list (active first, by name) with each colleague's role and scope."""
    await guard(press, Section.STAFF, "admin.staff")
    uow, school = press.uow, press.school
    staff = sorted(await uow.staff.list(school.id), key=lambda s: (not s.active, s.display_name))
    policy = await uow.access.policy(school.id)
    years = school.year_groups or await uow.students.year_groups(school.id)
    tutors = await uow.students.tutor_groups(school.id)
    view = StaffView(tuple(staff), policy.scopes, tuple(years), tutors, press.rules.role_groups)
    return Done(view, notice)


async def open_staff_member(press: Press, staff_id: int) -> Done[StaffView]:
    """One colleague's role, active switch and scope, as they are now."""
    view = (await show_staff(press)).view
    return Done(replace(view, editing=await _member(press, view, staff_id)))


async def save_staff_member(
    press: Press, staff_id: int, seen: int, values: Mapping[str, Any]
) -> Answer:
    """Change a colleague's role or whether they are active (never the last active DSL)."""
    view, target, typed = await _typed(press, staff_id, values)
    if seen != target.version:
        return await _stale(press, target, seen, values)
    try:
        change = read_staff_form(
            values,
            actor=press.staff,
            target=target,
            everyone=view.staff,
            directory_roles=bool(view.role_groups),
        )
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(typed, errors=invalid.errors))
    before = {"role": target.role.value, "active": target.active}
    changes = differences(before, {"role": change.role.value, "active": change.active})
    if not changes:
        return Done(typed, "Nothing was changed.")
    # Turned off here, it holds against the directory's syncs until turned on here again.
    held = not change.active and (target.active or target.deactivated_here)
    if not await press.uow.staff.update(target.id, seen, change.role, change.active, held):
        return await _stale(press, target, seen, values)
    if target.active and not change.active:
        await stop_colleague(press.uow, target.id, press.now)
    await press.audit(
        AuditAction.STAFF_CHANGED, ("staff", target.id), change_detail(seen + 1, changes)
    )
    return await _saved(press, target.id, f"{target.display_name}: saved.")


async def save_scope(press: Press, staff_id: int, seen: int, values: Mapping[str, Any]) -> Answer:
    """Limit a colleague to year or tutor groups (none chosen: the whole school)."""
    view, target, typed = await _typed(press, staff_id, values)
    if seen != target.version:
        return await _stale(press, target, seen, values)
    try:
        scope = read_scope_form(values, target, view.year_groups, view.tutor_groups)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(typed, errors=invalid.errors))
    current = view.scopes.get(target.id, Scope())
    changes = differences(_scope_fields(current), _scope_fields(scope))
    if not changes:
        return Done(typed, "Nothing was changed.")
    if not await press.uow.staff.bump(target.id, seen):
        return await _stale(press, target, seen, values)
    await press.uow.access.set_scope(
        target.id, sorted(scope.year_groups), sorted(scope.tutor_groups)
    )
    await press.audit(
        AuditAction.SCOPE_CHANGED, ("staff", target.id), change_detail(seen + 1, changes)
    )
    return await _saved(press, target.id, f"{target.display_name}: scope saved.")


async def _typed(
    press: Press, staff_id: int, values: Mapping[str, Any]
) -> tuple[StaffView, StaffMember, StaffView]:
    """The staff view, the colleague named (refused for another school's), and the view with
    their form as typed."""
    view = (await show_staff(press)).view
    target = await _member(press, view, staff_id)
    return view, target, replace(view, editing=target, values=values)


async def _member(press: Press, view: StaffView, staff_id: int) -> StaffMember:
    return await one_of(press, view.staff, ("staff", staff_id), "admin.staff")


async def _saved(press: Press, staff_id: int, notice: str) -> Done[StaffView]:
    view = (await show_staff(press, notice)).view
    return Done(replace(view, editing=await _member(press, view, staff_id)), notice)


async def _stale(
    press: Press, target: StaffMember, seen: int, values: Mapping[str, Any]
) -> Stale[StaffView]:
    """Changed first by someone else: what they did, the colleague as they are now, and what
    was typed kept."""
    what = await changes_since(press, ("staff", target.id), seen)
    view = (await show_staff(press)).view
    now = await _member(press, view, target.id)
    return Stale(what, replace(view, editing=now, values=values))


def _scope_fields(scope: Scope) -> dict[str, Any]:
    return {
        "year_groups": sorted(scope.year_groups),
        "tutor_groups": sorted(scope.tutor_groups),
    }


async def stop_colleague(uow: UnitOfWork, staff_id: int, at: datetime) -> None:
    """A colleague made inactive (here or by the directory): their grants stop with `active`;
    their queued alerts are never sent, and their chat's address is forgotten (kept again by
    their next message, should they come back)."""
    await uow.alerts.stop_for(staff_id, "deactivated", at)
    await uow.chats.delete(staff_id)
