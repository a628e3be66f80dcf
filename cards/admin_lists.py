"""The Lists section: the agencies and closing outcomes the forms offer, each entry with Remove,
and a box to add one to each."""

from cards.admin import Said, problem, said, section_card, shown_value
from cards.elements import (
    Card,
    action_set,
    choice_set,
    execute,
    heading,
    text_block,
    text_input,
)
from cards.verbs import Verb
from safeguarding.lists import TITLES, ListKind, ListsView


def lists_card(view: ListsView, shown: Said) -> Card:
    """Each list in turn."""
    body: list[Card] = []
    for kind in ListKind:
        body += _list(view, kind)
    return section_card("Lists", shown, body, [])


def _list(view: ListsView, kind: ListKind) -> list[Card]:
    body: list[Card] = [heading(TITLES[kind])]
    if kind not in view.own:
        body.append(
            text_block("Kestrel's list: the first change makes it the school's.", subtle=True)
        )
    entries = view.entries[kind]
    body += [said(entry) for entry in entries]
    body += [
        choice_set(
            f"remove_{kind.value}",
            "Take an entry off",
            [(entry, entry) for entry in entries],
            placeholder="Choose the entry",
        ),
        *problem(view.errors, f"remove_{kind.value}"),
        action_set(execute(Verb.ADMIN_LIST_REMOVE, "Remove", list=kind.value)),
    ]
    field = f"new_{kind.value}"
    body += [
        text_input(
            field, f"Add to {TITLES[kind].lower()}", value=shown_value(view.values, field, "")
        ),
        *problem(view.errors, field),
        action_set(execute(Verb.ADMIN_LIST_ADD, "Add", list=kind.value)),
    ]
    return body
