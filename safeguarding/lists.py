"""The school's lists on the forms: agencies involved, and the outcomes a case is closed with.

A school with none of its own uses Kestrel's (the defaults below); its first change starts its
own list from them. Records keep the words they were saved with, so taking an entry off the
list changes no record. A list always keeps at least one entry.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from safeguarding.administration import checked_name, raise_if
from safeguarding.casework import OUTCOMES
from safeguarding.incidents import DEFAULT_AGENCIES


class ListKind(StrEnum):
    AGENCIES = "agencies"
    OUTCOMES = "outcomes"


DEFAULTS: Mapping[ListKind, tuple[str, ...]] = {
    ListKind.AGENCIES: DEFAULT_AGENCIES,
    ListKind.OUTCOMES: OUTCOMES,
}
TITLES = {ListKind.AGENCIES: "Agencies", ListKind.OUTCOMES: "Closing outcomes"}
LAST_ONE = "A list keeps at least one entry: add another before taking this one off."


@dataclass(frozen=True)
class ListsView:
    """Each list as the forms offer it, whether it is the school's own, what was typed."""

    entries: Mapping[ListKind, tuple[str, ...]]
    own: frozenset[ListKind]
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def effective(kind: ListKind, stored: Sequence[str]) -> tuple[str, ...]:
    """The list the forms offer: the school's own, else Kestrel's."""
    return tuple(stored) or DEFAULTS[kind]


def read_entry(values: Mapping[str, Any], kind: ListKind, current: Sequence[str]) -> str:
    """A new entry typed for this list; InvalidInput when empty, too long or already there.
    Agencies are chosen in a multi-select, whose values are joined by commas: none in a name."""
    errors: dict[str, str] = {}
    field = f"new_{kind.value}"
    name = checked_name(values, field, current, errors)
    if kind == ListKind.AGENCIES and "," in name:
        errors[field] = "Leave commas out of an agency's name."
    raise_if(errors)
    return name


def removal_problem(name: str, current: Sequence[str]) -> str:
    """Why this entry cannot be taken off now ("" when it can): gone already, or the last."""
    if not name:
        return "Choose the entry to take off."
    if name not in current:
        return f'"{name}" is not on the list any more: someone took it off meanwhile.'
    return LAST_ONE if len(current) == 1 else ""
