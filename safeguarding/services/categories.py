"""The Categories section inside a press: the list, one category's form, adding and changing
one on the version its card showed, retiring one and bringing it back (administrators only)."""

from collections.abc import Mapping
from typing import Any

from safeguarding.administration import Section, change_detail, differences
from safeguarding.audit import AuditAction
from safeguarding.categories import (
    CategoriesView,
    category_fields,
    read_category_form,
    retire_problem,
)
from safeguarding.errors import InvalidInput
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.school import Category
from safeguarding.services.administration import changes_since, guard, one_of
from safeguarding.services.press import Press

Answer = Done[CategoriesView] | Invalid[CategoriesView] | Stale[CategoriesView]


async def show_categories(press: Press, notice: str = "", **form: Any) -> Done[CategoriesView]:
    """The categories, in the school's order, and the form to add one (or the one asked for)."""
    await guard(press, Section.CATEGORIES, "admin.categories")
    school_id = press.staff.school_id
    categories = tuple(await press.uow.categories.list(school_id))
    groups = tuple(await press.uow.alert_groups.list(school_id))
    return Done(CategoriesView(categories, groups, **form), notice)


async def open_category(press: Press, category_id: int) -> Done[CategoriesView]:
    """One category's form, as it is now."""
    shown = await show_categories(press)
    return Done(replace_form(shown.view, await _category(press, shown.view, category_id)))


async def save_category(
    press: Press, category_id: int | None, seen: int | None, values: Mapping[str, Any]
) -> Answer:
    """Add a category (no id), or change one if it is still at the version its card showed;
    the form comes back with what was typed and what to fix, or with what changed first."""
    view = (await show_categories(press)).view
    editing = await _category(press, view, category_id) if category_id is not None else None
    form = {"editing": editing, "values": values}
    if editing is not None and seen != editing.version:
        return await _stale(press, editing, seen or 0, form)
    try:
        draft = read_category_form(
            values, editing=editing, categories=view.categories, groups=view.groups
        )
    except InvalidInput as invalid:
        return Invalid(invalid.errors, replace_form(view, **form, errors=invalid.errors))
    if editing is None:
        new = await press.uow.categories.add(press.staff.school_id, draft)
        changes = differences({}, draft.fields(*_names(view)))
        await press.audit(AuditAction.CATEGORY_ADDED, ("category", new), change_detail(1, changes))
        return await show_categories(press, f"{draft.name} added: the forms offer it now.")
    names = _names(view)
    changes = differences(category_fields(editing, *names), draft.fields(*names))
    if not changes:
        return Done(replace_form(view, **form), "Nothing was changed.")
    if not await press.uow.categories.update(editing.id, editing.version, draft):
        return await _stale(press, editing, editing.version, form)
    detail = change_detail(editing.version + 1, changes)
    await press.audit(AuditAction.CATEGORY_CHANGED, ("category", editing.id), detail)
    return await show_categories(press, f"{draft.name} saved.")


async def retire_category(press: Press, category_id: int, seen: int, retire: bool) -> Answer:
    """Retire a category (it stays on the records that have it and leaves the forms), or bring
    a retired one back; never deleted."""
    view = (await show_categories(press)).view
    category = await _category(press, view, category_id)
    form = {"editing": category}
    if seen != category.version:
        return await _stale(press, category, seen, form)
    problem = retire_problem(category, retire)
    if problem:
        return Invalid({"form": problem}, replace_form(view, **form, errors={"form": problem}))
    at = press.now if retire else None
    if not await press.uow.categories.set_retired(category.id, seen, at):
        return await _stale(press, category, seen, form)
    action = AuditAction.CATEGORY_RETIRED if retire else AuditAction.CATEGORY_RESTORED
    changes = {"retired": [not retire, retire]}
    await press.audit(action, ("category", category.id), change_detail(seen + 1, changes))
    said = (
        "retired: it stays on old records and leaves the forms" if retire else "back on the forms"
    )
    return await show_categories(press, f"{category.name} is {said}.")


def replace_form(
    view: CategoriesView, editing: Category | None = None, **form: Any
) -> CategoriesView:
    """The same list with another form shown."""
    return CategoriesView(view.categories, view.groups, editing, **form)


async def _category(press: Press, view: CategoriesView, category_id: int) -> Category:
    return await one_of(press, view.categories, ("category", category_id), "admin.category")


async def _stale(
    press: Press, category: Category, seen: int, form: dict[str, Any]
) -> Stale[CategoriesView]:
    """Somebody changed the category first: what they did, and the form as it is now with
    what was typed kept (saving it again applies it over theirs)."""
    what = await changes_since(press, ("category", category.id), seen)
    view = (await show_categories(press)).view
    now = next(c for c in view.categories if c.id == category.id)
    return Stale(what, replace_form(view, **{**form, "editing": now}))


def _names(view: CategoriesView) -> tuple[dict[int, str], dict[int, str]]:
    """Categories' and groups' names by id, for the audit's before and after."""
    return {c.id: c.name for c in view.categories}, {g.id: g.name for g in view.groups}
