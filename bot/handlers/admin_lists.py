"""The Lists section: the agencies and closing outcomes; add an entry, take one off."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_lists import lists_card
from cards.elements import Card
from cards.payloads import ListEntry, NoIds
from safeguarding.services import lists
from safeguarding.services.press import Pressed


async def show(turn: Turn, _: NoIds) -> Card:
    """Both lists, with Remove and Add."""
    return _card(await turn.run(lists.show_lists))


async def add(turn: Turn, entry: ListEntry) -> Card:
    """Add the entry typed to a list."""
    return _card(await turn.run(lists.add_entry, entry.kind, entry.values))


async def remove(turn: Turn, entry: ListEntry) -> Card:
    """Take an entry off a list (records keep it)."""
    return _card(await turn.run(lists.remove_entry, entry.kind, entry.name))


def _card(pressed: Pressed[Any]) -> Card:
    return lists_card(pressed.outcome.view, said_of(pressed.outcome))
