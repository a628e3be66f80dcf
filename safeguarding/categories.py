"""A school's categories as an administrator keeps them: reading the category form, the rules it
must keep (a name, a #RRGGBB colour, a parent that is never its own descendant), retiring.

A category in use is never deleted: retired, it stays on the records that have it and leaves
the forms. Whether a category is restricted is an access decision (safeguarding/rights.py):
it is chosen when the category is added, and changed afterwards under Rights.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safeguarding.administration import checked_name, chosen_ids, raise_if, toggled
from safeguarding.school import AlertGroup, Category

COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
MAX_POSITION = 999
NOT_A_COLOUR = "Give the colour as # and six hexadecimal digits, for example #2563EB."
OWN_ANCESTOR = "A category cannot sit under itself or under one of its own subcategories."


@dataclass(frozen=True)
class CategoryDraft:
    """What the category form asks for, checked."""

    name: str
    colour: str
    parent_id: int | None
    urgent: bool
    restricted: bool
    group_ids: tuple[int, ...]
    position: int

    def fields(self, categories: Mapping[int, str], groups: Mapping[int, str]) -> dict[str, Any]:
        """The draft as the audit keeps it: its parent and groups by name (names by id)."""
        return _fields(self, self.parent_id, self.group_ids, categories, groups)


@dataclass(frozen=True)
class CategoriesView:
    """Every category (retired ones marked), the groups a form offers, and the form: a
    category's (`editing`) or a new one's, with what was typed and the messages by field."""

    categories: tuple[Category, ...]
    groups: tuple[AlertGroup, ...]
    editing: Category | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def category_fields(
    category: Category, categories: Mapping[int, str], groups: Mapping[int, str]
) -> dict[str, Any]:
    """A stored category as the audit keeps it (the same fields as a draft)."""
    ids = category.default_alert_group_ids
    return _fields(category, category.parent_id, ids, categories, groups)


def _fields(
    what: "Category | CategoryDraft",
    parent_id: int | None,
    group_ids: Sequence[int],
    categories: Mapping[int, str],
    groups: Mapping[int, str],
) -> dict[str, Any]:
    return {
        "name": what.name,
        "colour": what.colour,
        "parent": categories.get(parent_id) if parent_id else None,
        "urgent": what.urgent,
        "restricted": what.restricted,
        "alert_groups": sorted(groups.get(g, str(g)) for g in group_ids),
        "position": what.position,
    }


def read_category_form(
    values: Mapping[str, Any],
    *,
    editing: Category | None,
    categories: Sequence[Category],
    groups: Sequence[AlertGroup],
) -> CategoryDraft:
    """The category form as a draft; InvalidInput names every field to fix. Editing keeps the
    restricted flag as it is (changing it is a Rights decision)."""
    errors: dict[str, str] = {}
    others = [c for c in categories if editing is None or c.id != editing.id]
    name = checked_name(values, "name", (c.name for c in others), errors)
    colour = str(values.get("colour") or "").strip()
    if not COLOUR.fullmatch(colour):
        errors["colour"] = NOT_A_COLOUR
    parent_id = _parent(values, editing, categories, errors)
    group_ids = chosen_ids(values, "alert_groups")
    if not set(group_ids) <= {g.id for g in groups if not g.retired}:
        errors["alert_groups"] = "Choose alert groups from the list."
    position = _position(values, errors)
    raise_if(errors)
    restricted = editing.restricted if editing else toggled(values, "restricted")
    return CategoryDraft(
        name, colour.upper(), parent_id, toggled(values, "urgent"), restricted, group_ids, position
    )


def descendants(category_id: int, categories: Sequence[Category]) -> set[int]:
    """Every category under this one, at any depth (the category itself included)."""
    found, frontier = {category_id}, [category_id]
    while frontier:
        parent = frontier.pop()
        for child in (c.id for c in categories if c.parent_id == parent):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def retire_problem(category: Category, retire: bool) -> str:
    """Why retiring (or bringing back) cannot be done as asked; "" when it can."""
    if retire and category.retired:
        return "It is already retired."
    if not retire and not category.retired:
        return "It is already offered on the forms."
    return ""


def _parent(
    values: Mapping[str, Any],
    editing: Category | None,
    categories: Sequence[Category],
    errors: dict[str, str],
) -> int | None:
    """The parent chosen: a category of the school, never this one or one beneath it."""
    raw = str(values.get("parent") or "").strip()
    if not raw:
        return None
    known = {c.id: c for c in categories}
    parent_id = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 10 else None
    if parent_id is None or parent_id not in known:
        errors["parent"] = "Choose the parent from the list."
    elif editing is not None and parent_id in descendants(editing.id, categories):
        errors["parent"] = OWN_ANCESTOR
    return parent_id


def _position(values: Mapping[str, Any], errors: dict[str, str]) -> int:
    raw = str(values.get("position") or "0").strip().removesuffix(".0")
    position = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 5 else -1
    if not 0 <= position <= MAX_POSITION:
        errors["position"] = f"Give the position as a whole number from 0 to {MAX_POSITION}."
        return 0
    return position
