"""The Alert groups section inside a press: the groups and their members, one group's form,
adding or changing one on the version its card showed, retiring one and bringing it back
(administrators, and the DSL team: who is alerted is who is given access)."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from safeguarding.administration import Section, change_detail, differences
from safeguarding.alert_groups import (
    GroupsView,
    group_fields,
    members_to_choose,
    read_group_form,
    retire_problem,
)
from safeguarding.audit import AuditAction
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.school import AlertGroup
from safeguarding.services.administration import changes_since, guard, one_of
from safeguarding.services.press import Press

Answer = Done[GroupsView] | Invalid[GroupsView] | Stale[GroupsView]


async def show_groups(press: Press, notice: str = "") -> Done[GroupsView]:
    """The alert groups and their members, and the form to add one."""
    await guard(press, Section.GROUPS, "admin.groups")
    school_id = press.staff.school_id
    staff = await press.uow.staff.list(school_id)
    groups = tuple(await press.uow.alert_groups.all(school_id))
    view = GroupsView(groups, {s.id: s for s in staff}, members_to_choose(staff))
    return Done(view, notice)


async def open_group(press: Press, group_id: int) -> Done[GroupsView]:
    """One group's name and members, as they are now."""
    view = (await show_groups(press)).view
    return Done(replace(view, editing=await _group(press, view, group_id)))


async def save_group(
    press: Press, group_id: int | None, seen: int | None, values: Mapping[str, Any]
) -> Answer:
    """Add a group (no id) or rename it and set its members on the version its card showed."""
    view = (await show_groups(press)).view
    editing = await _group(press, view, group_id) if group_id is not None else None
    typed = replace(view, editing=editing, values=values)
    if editing is not None and seen != editing.version:
        return await _stale(press, editing, seen or 0, values)
    try:
        draft = read_group_form(
            values, editing=editing, groups=view.groups, staff=tuple(view.staff.values())
        )
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace(typed, errors=invalid.errors))
    uow, school_id = press.uow, press.staff.school_id
    if editing is None:
        new = await uow.alert_groups.add(school_id, draft.name, draft.member_ids)
        detail = change_detail(1, differences({}, draft.fields()))
        await press.audit(AuditAction.GROUP_ADDED, ("alert_group", new), detail)
        return await show_groups(press, f"{draft.name} added.")
    changes = differences(group_fields(editing), draft.fields())
    if not changes:
        return Done(typed, "Nothing was changed.")
    if not await uow.alert_groups.update(editing.id, editing.version, draft.name, draft.member_ids):
        return await _stale(press, editing, editing.version, values)
    detail = change_detail(editing.version + 1, changes)
    await press.audit(AuditAction.GROUP_CHANGED, ("alert_group", editing.id), detail)
    return await show_groups(press, f"{draft.name} saved.")


async def retire_group(press: Press, group_id: int, seen: int, retire: bool) -> Answer:
    """Retire a group (it alerts nobody and is offered nowhere), or bring it back."""
    view = (await show_groups(press)).view
    group = await _group(press, view, group_id)
    if seen != group.version:
        return await _stale(press, group, seen, {})
    categories = await press.uow.categories.list(press.staff.school_id)
    problem = retire_problem(group, retire, categories)
    if problem:
        errors = {"form": problem}
        return Invalid(errors, replace(view, editing=group, errors=errors))
    at = press.now if retire else None
    if not await press.uow.alert_groups.set_retired(group.id, seen, at):
        return await _stale(press, group, seen, {})
    action = AuditAction.GROUP_RETIRED if retire else AuditAction.GROUP_RESTORED
    detail = change_detail(seen + 1, {"retired": [not retire, retire]})
    await press.audit(action, ("alert_group", group.id), detail)
    return await show_groups(press, f"{group.name} is {'retired' if retire else 'in use again'}.")


async def _group(press: Press, view: GroupsView, group_id: int) -> AlertGroup:
    return await one_of(press, view.groups, ("alert_group", group_id), "admin.group")


async def _stale(
    press: Press, group: AlertGroup, seen: int, values: Mapping[str, Any]
) -> Stale[GroupsView]:
    what = await changes_since(press, ("alert_group", group.id), seen)
    view = (await show_groups(press)).view
    now = next(g for g in view.groups if g.id == group.id)
    return Stale(what, replace(view, editing=now, values=values))
