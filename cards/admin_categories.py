"""The Categories section: every category in the school's order (retired ones marked), and the
form to add one or change the one opened."""

from functools import partial

from cards.admin import Said, problem, record_buttons, said, section_card, shown_value, toggle_input
from cards.elements import Card, action_set, choice_set, execute, heading, text_block, text_input
from cards.verbs import Verb
from safeguarding.categories import MAX_POSITION, CategoriesView
from safeguarding.school import Category

VERBS = (Verb.ADMIN_CATEGORY_SAVE, Verb.ADMIN_CATEGORY_RETIRE, Verb.ADMIN_CATEGORIES)


def categories_card(view: CategoriesView, shown: Said) -> Card:
    """The list, each with Edit, and the form below it."""
    names = {g.id: g.name for g in view.groups}
    body: list[Card] = []
    for category in view.categories:
        body.append(said(_line(category, view, names)))
        body.append(action_set(execute(Verb.ADMIN_CATEGORY, "Edit", category=category.id)))
    body += _form(view)
    return section_card(
        "Categories", shown, body, record_buttons(view.editing, VERBS, "category", "Add category")
    )


def _line(category: Category, view: CategoriesView, groups: dict[int, str]) -> str:
    """One category as the list says it: name, colour and what it does."""
    parts = [category.colour]
    parent = next((c.name for c in view.categories if c.id == category.parent_id), None)
    if parent:
        parts.append(f"under {parent}")
    if category.urgent:
        parts.append("urgent")
    if category.restricted:
        parts.append("restricted")
    alerted = [groups[g] for g in category.default_alert_group_ids if g in groups]
    if alerted:
        parts.append("alerts " + ", ".join(alerted))
    if category.retired:
        parts.append("retired")
    return f"{category.name} ({'; '.join(parts)})"


def _form(view: CategoriesView) -> list[Card]:
    """Name, colour, parent, urgent, restricted (when adding), alert groups, position."""
    editing, errors = view.editing, view.errors
    form: list[Card] = [heading("Change a category" if editing else "Add a category")]
    if editing is not None:
        form.append(said(editing.name))
    form += problem(errors, "form")
    for field, card in _inputs(view):
        form += [card, *problem(errors, field)]
    return form


def _inputs(view: CategoriesView) -> list[tuple[str, Card]]:
    """Each input with the field its message is under (what was typed, else what is stored)."""
    editing = view.editing
    value = partial(shown_value, view.values)
    urgent = value("urgent", bool(editing and editing.urgent))
    last = max((c.position for c in view.categories), default=-1)  # a new one comes last
    return [
        ("name", text_input("name", "Name", value=value("name", editing and editing.name))),
        ("colour", _colour(value("colour", editing and editing.colour))),
        ("parent", _parent(view, value("parent", editing and editing.parent_id))),
        ("urgent", toggle_input("urgent", "Urgent: escalates when nobody reads it", urgent)),
        ("restricted", _restricted(view)),
        ("alert_groups", _groups(view)),
        ("position", _position(value("position", editing.position if editing else last + 1))),
    ]


def _parent(view: CategoriesView, value: str) -> Card:
    """Any category in use but this one (one beneath it is refused when saved, with why)."""
    editing = view.editing
    parents = [
        (c.name, str(c.id))
        for c in view.categories
        if not c.retired and (editing is None or c.id != editing.id)
    ]
    return choice_set("parent", "Under (optional)", parents, value=value, placeholder="None")


def _groups(view: CategoriesView) -> Card:
    ids = view.editing.default_alert_group_ids if view.editing else ()
    value = shown_value(view.values, "alert_groups", ",".join(str(g) for g in ids))
    choices = [(g.name, str(g.id)) for g in view.groups]
    return choice_set("alert_groups", "Alert by default", choices, value=value, multi=True)


def _colour(value: str) -> Card:
    return text_input("colour", "Colour (#RRGGBB)", value=value, placeholder="#2563EB")


def _restricted(view: CategoriesView) -> Card:
    """Chosen when adding; changed afterwards under Rights (it decides who sees what)."""
    if view.editing is None:
        on = shown_value(view.values, "restricted", False)
        return toggle_input("restricted", "Restricted: viewing needs elevated access", on)
    state = "restricted" if view.editing.restricted else "not restricted"
    return text_block(f"It is {state}: that is changed under Rights.", subtle=True)


def _position(value: str) -> Card:
    element: Card = {
        "type": "Input.Number",
        "id": "position",
        "label": "Position in lists (0 first; then by name)",
        "min": 0,
        "max": MAX_POSITION,
    }
    if value.isdecimal():
        element["value"] = int(value)
    return element
