"""The Lists section inside a press: the school's agencies and closing outcomes, adding an entry
and taking one off (administrators); and the list a form offers, for every other use case."""

from collections.abc import Mapping
from typing import Any

from safeguarding.administration import Section
from safeguarding.audit import AuditAction
from safeguarding.errors import InvalidInput
from safeguarding.lists import ListKind, ListsView, effective, read_entry, removal_problem
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.services.administration import guard
from safeguarding.services.press import Press

Answer = Done[ListsView] | Invalid[ListsView] | Stale[ListsView]


async def school_list(press: Press, kind: ListKind) -> tuple[str, ...]:
    """The list the school's forms offer now (its own, else Kestrel's)."""
    return effective(kind, await press.uow.lists.entries(press.staff.school_id, kind))


async def show_lists(press: Press, notice: str = "", **form: Any) -> Done[ListsView]:
    """The agencies and closing outcomes, each entry with Remove, and a box to add one."""
    await guard(press, Section.LISTS, "admin.lists")
    stored = {k: await press.uow.lists.entries(press.staff.school_id, k) for k in ListKind}
    entries = {k: effective(k, v) for k, v in stored.items()}
    return Done(ListsView(entries, frozenset(k for k, v in stored.items() if v), **form), notice)


async def add_entry(press: Press, kind: ListKind, values: Mapping[str, Any]) -> Answer:
    """Add an entry to a list (the school's first change starts its own list)."""
    view = (await show_lists(press)).view
    current = view.entries[kind]
    try:
        name = read_entry(values, kind, current)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, ListsView(view.entries, view.own, values, invalid.errors))
    await press.uow.lists.add(press.staff.school_id, kind, name)
    await _audit(press, kind, current, (*current, name))
    return await show_lists(press, f"{name} added.")


async def remove_entry(press: Press, kind: ListKind, name: str) -> Answer:
    """Take an entry off a list; records saved with it keep it."""
    view = (await show_lists(press)).view
    current = view.entries[kind]
    problem = removal_problem(name, current)
    if problem and name and name not in current:
        return Stale(problem, view)
    if problem:
        field_name = f"remove_{kind.value}"
        return Invalid(
            {field_name: problem}, ListsView(view.entries, view.own, {}, {field_name: problem})
        )
    await press.uow.lists.remove(press.staff.school_id, kind, name)
    await _audit(press, kind, current, tuple(n for n in current if n != name))
    return await show_lists(press, f"{name} is off the list; records that name it keep it.")


async def _audit(
    press: Press, kind: ListKind, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    """The list before and after (an outcome on a closed case is audited by its index)."""
    detail = {"list": kind.value, "before": list(before), "after": list(after)}
    await press.audit(AuditAction.LIST_CHANGED, ("school", press.staff.school_id), detail)
